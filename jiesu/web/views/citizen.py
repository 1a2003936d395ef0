"""The citizen page, no login: submit a request, look up its progress by number and the last four
digits of the phone number, rate the result. Only the requester's own order is shown, without
names, phones or who handled it inside a unit; lookups and submissions are rate-limited."""

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from jiesu.common import geo
from jiesu.common.clientip import client_ip
from jiesu.common.errors import DomainError, InvalidInput, NotFound
from jiesu.dispatch.services import recommend_on_create
from jiesu.notify import sms
from jiesu.org.models import Unit, UnitKind
from jiesu.web import forms
from jiesu.workorders import services
from jiesu.workorders.models import Channel, Satisfaction, State, WorkOrder, WorkOrderEvent

# Failed lookups allowed per client address (the nearest trusted proxy's view of it, so a forged
# X-Forwarded-For gains nothing), and per order number by phone tail, before a lock. The number's
# lock stops only the tail guessing: the owner still gets in with the 查询码 or an SMS code.
MAX_FAILED_PER_IP = 10
MAX_FAILED_PER_NUMBER = 5
LOCK_SECONDS = 15 * 60
MAX_SUBMITS_PER_IP = 5
SUBMIT_WINDOW = 10 * 60
# SMS codes: at most this many per number and per client an hour; a code lives 10 minutes and
# allows 5 tries.
MAX_SMS_PER_NUMBER = 3
MAX_SMS_PER_IP = 10
SMS_WINDOW = 60 * 60
SMS_CODE_SECONDS = 10 * 60
SMS_CODE_TRIES = 5

# What the citizen sees of the timeline: the milestones, not the internal notes.
PUBLIC_STEPS = {
    "create": "已受理",
    "dispatch": "已派单至承办单位",
    "rule_dispute": "重新派单",
    "redispatch": "重新派单",
    "acknowledge": "承办单位已签收",
    "respond": "承办单位已联系您",
    "approve_extension": "办理期限已延长",
    "resolve": "已办结并答复",
    "approve_check": "已办结并答复",  # after the unit's 多级核查
    "pass_spot_check": "已办结并答复",  # after the 指挥部's spot check
    "escalate": "已提级办理",
    "callback": "已回访",
    "reopen": "重新办理",
    "close": "已归档",
    "citizen_rate": "您已评价",
}
RATEABLE = (State.RESOLVED, State.CALLBACK_DONE, State.CLOSED)
logger = logging.getLogger(__name__)


def _client(request) -> str:
    return client_ip(request) or "unknown"


def _bump(key: str, seconds: int) -> int:
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return 1


def _client_locked(request) -> bool:
    return cache.get(f"citizen:fail:ip:{_client(request)}", 0) >= MAX_FAILED_PER_IP


def _number_locked(number: str) -> bool:
    return cache.get(f"citizen:fail:no:{number}", 0) >= MAX_FAILED_PER_NUMBER


def _locked(request, number: str) -> bool:
    return _client_locked(request) or _number_locked(number)


def _record_failure(request, number: str = "") -> None:
    _bump(f"citizen:fail:ip:{_client(request)}", LOCK_SECONDS)
    if number:
        _bump(f"citizen:fail:no:{number}", LOCK_SECONDS)


def _orders():
    return WorkOrder.objects.select_related("lead_unit", "category")


def _find(number: str, tail: str) -> WorkOrder | None:
    order = _orders().filter(number=number).first()
    if order is None or len(tail) != 4 or not tail.isdigit() or not order.requester_phone.endswith(tail):
        return None
    return order


def _find_by_code(code: str) -> WorkOrder | None:
    code = code.strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 16:
        return None
    return _orders().filter(tracking_code=code).first()


def _sms_key(number: str) -> str:
    return f"citizen:sms:{number}"


def _check_sms_code(number: str, code: str) -> WorkOrder | None:
    stored = cache.get(_sms_key(number))
    if not stored or not code:
        return None
    if not constant_time_compare(stored["code"], code.strip()):
        stored["tries"] += 1
        if stored["tries"] >= SMS_CODE_TRIES:
            cache.delete(_sms_key(number))
        else:
            cache.set(_sms_key(number), stored, SMS_CODE_SECONDS)
        return None
    cache.delete(_sms_key(number))
    return _orders().filter(number=number).first()


def _progress(order: WorkOrder) -> dict:
    events = [
        {"label": PUBLIC_STEPS[e.action], "at": e.at, "unit": e.payload.get("lead_unit_name", "")}
        for e in WorkOrderEvent.objects.filter(order=order, action__in=PUBLIC_STEPS).order_by("seq")
    ]
    rated = any(e["label"] == PUBLIC_STEPS["citizen_rate"] for e in events)
    return {
        "order": order,
        "state_label": State(order.state).label,
        "steps": events,
        "can_rate": order.state in RATEABLE and not rated,
        "rated": rated,
    }


@cache_control(public=True, max_age=3600)
def district_outline(request):
    """The district outline for the citizen map, from the district unit (one source for all)."""
    boundary = Unit.objects.filter(kind=UnitKind.DISTRICT).values_list("boundary", flat=True).first()
    if not boundary:
        return JsonResponse({"type": "FeatureCollection", "features": []})
    if boundary.get("type") != "FeatureCollection":  # a bare geometry or feature: wrap it for ECharts
        feature = boundary if boundary.get("type") == "Feature" else {"type": "Feature", "geometry": boundary}
        boundary = {"type": "FeatureCollection", "features": [feature]}
    # Stored in WGS-84; drawn in the datum order coordinates are read in (GCJ-02 like map apps), so a
    # point picked on this map is located where the citizen clicked.
    datum = getattr(settings, "JIESU_ORDER_COORDINATES", geo.GCJ02)
    return JsonResponse(geo.transform_geojson(boundary, crs=geo.WGS84, to=datum))


def citizen_home(request):
    return render(request, "web/citizen.html", {"satisfactions": Satisfaction.choices})


@require_POST
def citizen_submit(request):
    data = request.POST
    context = {"satisfactions": Satisfaction.choices, "data": data}
    if _bump(f"citizen:submit:{_client(request)}", SUBMIT_WINDOW) > MAX_SUBMITS_PER_IP:
        context["error"] = "提交过于频繁，请稍后再试或拨打12345热线"
        return render(request, "web/citizen.html", context, status=429)
    try:
        phone = forms.text(data, "requester_phone")
        if not phone:
            raise InvalidInput("请填写联系电话（用于查询进度和回访）", code="required")
        lat, lng = forms.optional_float(data, "lat", "纬度"), forms.optional_float(data, "lng", "经度")
        if not forms.text(data, "address") and lat is None:
            raise InvalidInput("请填写地址或在地图上点选位置", code="required")
        order, created = services.create_order(
            user=None,
            channel=Channel.WEB,
            content=forms.text(data, "content"),
            address=forms.text(data, "address"),
            lat=lat,
            lng=lng,
            requester_name=forms.text(data, "requester_name"),
            requester_phone=phone,
            client_ref=forms.text(data, "client_ref") or None,
        )
    except DomainError as error:
        context["error"] = error.message
        return render(request, "web/citizen.html", context, status=400)
    if created:
        recommend_on_create(user=None, order_id=order.pk)
        _send_tracking_code(order)
    return render(request, "web/citizen.html", {"satisfactions": Satisfaction.choices, "submitted": order})


def _send_tracking_code(order: WorkOrder) -> None:
    try:
        sms.backend().send(
            phone=order.requester_phone,
            text=f"【接诉即办】您的诉求已受理，工单编号{order.number}，查询码{order.tracking_code}（请勿告诉他人）。",
        )
    except sms.SmsError:
        logger.exception("tracking code SMS not sent for %s", order.number)


def _show(context: dict, order: WorkOrder, request):
    context.update(progress=_progress(order), tail=order.requester_phone[-4:], tracking_code=order.tracking_code)
    return render(request, "web/citizen.html", context)


def citizen_track(request):
    """By 查询码 alone; or by number and the phone's last four digits; or by number and an SMS
    code sent to the phone on record (the way in when the number is locked by someone's guesses)."""
    code = (request.GET.get("code") or "").strip()[:32]
    number = (request.GET.get("number") or "").strip()[:32]
    tail = (request.GET.get("tail") or "").strip()[:4]
    sms_code = (request.GET.get("sms_code") or "").strip()[:8]
    context = {"satisfactions": Satisfaction.choices, "number": number, "code": code, "tab": "track"}
    if not (code or number):
        return render(request, "web/citizen.html", context)
    if _client_locked(request):
        context["error"] = "查询失败次数过多，请15分钟后再试"
        return render(request, "web/citizen.html", context, status=429)
    if code:
        order = _find_by_code(code)
        if order is None:
            _record_failure(request)
            context["error"] = "查询码不正确，请核对短信中的查询码"
            return render(request, "web/citizen.html", context, status=404)
        return _show(context, order, request)
    if sms_code:
        order = _check_sms_code(number, sms_code)
        if order is None:
            _record_failure(request)
            context.update(error="短信验证码不正确或已过期，请重新获取", sms_sent=True)
            return render(request, "web/citizen.html", context, status=404)
        return _show(context, order, request)
    if _number_locked(number):
        context.update(
            error="该工单编号的手机尾号查询失败次数过多，已暂停尾号查询15分钟。请用短信中的查询码查询，或获取短信验证码。",
            offer_sms=True,
        )
        return render(request, "web/citizen.html", context, status=429)
    order = _find(number, tail)
    if order is None:
        _record_failure(request, number)
        context.update(error="未找到该工单，请核对工单编号和手机号后四位", offer_sms=True)
        return render(request, "web/citizen.html", context, status=404)
    return _show(context, order, request)


@require_POST
def citizen_sms_code(request):
    """Send a 6-digit code to the phone on record of an order number. The answer is the same
    whether the number exists or not; sends are limited per number and per client."""
    number = forms.text(request.POST, "number")[:32]
    context = {"satisfactions": Satisfaction.choices, "number": number, "tab": "track", "sms_sent": True}
    if (
        _bump(f"citizen:sms:ip:{_client(request)}", SMS_WINDOW) > MAX_SMS_PER_IP
        or _bump(f"citizen:sms:no:{number}", SMS_WINDOW) > MAX_SMS_PER_NUMBER
    ):
        context["error"] = "验证码发送过于频繁，请1小时后再试，或拨打12345热线查询"
        return render(request, "web/citizen.html", context, status=429)
    order = WorkOrder.objects.filter(number=number).exclude(requester_phone="").first()
    if order is not None:
        code = f"{secrets.randbelow(10**6):06d}"
        cache.set(_sms_key(number), {"code": code, "tries": 0}, SMS_CODE_SECONDS)
        try:
            sms.backend().send(
                phone=order.requester_phone,
                text=f"【接诉即办】您查询工单{order.number}的验证码为{code}，10分钟内有效；您的查询码为{order.tracking_code}。",
            )
        except sms.SmsError:
            logger.exception("citizen SMS code not sent for %s", order.number)
    context["message"] = "如工单编号正确，验证码已发送至登记的手机，10分钟内有效。"
    return render(request, "web/citizen.html", context)


@require_POST
def citizen_rate(request):
    number = forms.text(request.POST, "number")[:32]
    tail = forms.text(request.POST, "tail")[:4]
    context = {"satisfactions": Satisfaction.choices, "number": number, "tab": "track"}
    # The page shown after a lookup by 查询码 or SMS code carries the code: that rating is the
    # owner's even while the number is locked against tail guessing.
    by_code = _find_by_code(forms.text(request.POST, "code"))
    if by_code is not None and by_code.number == number:
        tail = by_code.requester_phone[-4:]
    elif _locked(request, number):
        context["error"] = "查询失败次数过多，请15分钟后再试"
        return render(request, "web/citizen.html", context, status=429)
    satisfaction = forms.text(request.POST, "satisfaction")
    try:
        services.rate_by_citizen(
            number=number,
            phone_tail=tail,
            satisfaction=int(satisfaction) if satisfaction.isdigit() else 0,
            comment=forms.text(request.POST, "comment"),
        )
    except NotFound as error:
        _record_failure(request, number)
        context["error"] = error.message
        return render(request, "web/citizen.html", context, status=404)
    except DomainError as error:
        context["error"] = error.message
        order = _find(number, tail)
        if order:
            context.update(progress=_progress(order), tail=tail)
        return render(request, "web/citizen.html", context, status=error.status)
    context.update(progress=_progress(_find(number, tail)), tail=tail, rated_now=True)
    return render(request, "web/citizen.html", context)
