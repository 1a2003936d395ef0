"""The citizen page, no login: submit a request, look up its progress by number and the last four
digits of the phone number, rate the result. Only the requester's own order is shown, without
names, phones or who handled it inside a unit; lookups and submissions are rate-limited."""

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from jiesu.common import geo
from jiesu.common.errors import DomainError, InvalidInput, NotFound
from jiesu.dispatch.services import recommend_on_create
from jiesu.org.models import Unit, UnitKind
from jiesu.web import forms
from jiesu.workorders import services
from jiesu.workorders.models import Channel, Satisfaction, State, WorkOrder, WorkOrderEvent

# Failed lookups allowed per client address, and per order number, before a lock.
MAX_FAILED_PER_IP = 10
MAX_FAILED_PER_NUMBER = 5
LOCK_SECONDS = 15 * 60
MAX_SUBMITS_PER_IP = 5
SUBMIT_WINDOW = 10 * 60

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


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _bump(key: str, seconds: int) -> int:
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return 1


def _locked(request, number: str) -> bool:
    return (
        cache.get(f"citizen:fail:ip:{_client(request)}", 0) >= MAX_FAILED_PER_IP
        or cache.get(f"citizen:fail:no:{number}", 0) >= MAX_FAILED_PER_NUMBER
    )


def _record_failure(request, number: str) -> None:
    _bump(f"citizen:fail:ip:{_client(request)}", LOCK_SECONDS)
    _bump(f"citizen:fail:no:{number}", LOCK_SECONDS)


def _find(number: str, tail: str) -> WorkOrder | None:
    order = WorkOrder.objects.select_related("lead_unit", "category").filter(number=number).first()
    if order is None or len(tail) != 4 or not tail.isdigit() or not order.requester_phone.endswith(tail):
        return None
    return order


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
    return render(request, "web/citizen.html", {"satisfactions": Satisfaction.choices, "submitted": order})


def citizen_track(request):
    number = (request.GET.get("number") or "").strip()[:32]
    tail = (request.GET.get("tail") or "").strip()[:4]
    context = {"satisfactions": Satisfaction.choices, "number": number, "tab": "track"}
    if not number:
        return render(request, "web/citizen.html", context)
    if _locked(request, number):
        context["error"] = "查询失败次数过多，请15分钟后再试"
        return render(request, "web/citizen.html", context, status=429)
    order = _find(number, tail)
    if order is None:
        _record_failure(request, number)
        context["error"] = "未找到该工单，请核对工单编号和手机号后四位"
        return render(request, "web/citizen.html", context, status=404)
    context.update(progress=_progress(order), tail=tail)
    return render(request, "web/citizen.html", context)


@require_POST
def citizen_rate(request):
    number = forms.text(request.POST, "number")[:32]
    tail = forms.text(request.POST, "tail")[:4]
    context = {"satisfactions": Satisfaction.choices, "number": number, "tab": "track"}
    if _locked(request, number):
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
