"""Reads for Open311: orders as public service requests. Personal data (requester name, phone,
contact details) is never returned; phone-like and ID-card-like numbers in the description are
masked; descriptions of requests found unreasonable are withheld."""

import datetime as dt
import re

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from jiesu.intake.open311 import catalogue, conf, params
from jiesu.intake.open311.formats import Open311Error
from jiesu.workorders.models import State, WorkOrder

# Open311 knows two statuses. "closed" = the unit has reported the order done (办结) or it left
# the loop (merged, unreasonable); a reopen brings it back to "open".
CLOSED_STATES = (State.RESOLVED, State.CALLBACK_DONE, State.CLOSED, State.MERGED, State.UNREASONABLE)
OPEN_STATES = tuple(s for s in State.values if s not in CLOSED_STATES)

_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)?\d{7,8}(?!\d)")


def mask_numbers(text: str) -> str:
    text = _ID_CARD.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE.sub("********", text)


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _status_notes(order: WorkOrder) -> str:
    unit = order.lead_unit.name if order.lead_unit_id else "承办单位"
    notes = {
        State.RECEIVED: "已受理，等待派单",
        State.DISPATCHED: f"已派至{unit}，等待签收",
        State.RETURNED: f"{unit}提出退单，指挥部正在裁定承办单位",
        State.ACKNOWLEDGED: f"{unit}已签收",
        State.IN_PROGRESS: f"{unit}正在办理" + ("（回访未解决，重新办理）" if order.reopen_count else ""),
        State.RESOLVED: f"{unit}已办结，等待回访",
        State.CALLBACK_DONE: "已办结并完成回访",
        State.CLOSED: "已办结归档",
        State.MERGED: "重复诉求，已合并至"
        + (f"诉求 {order.merged_into.number}" if order.merged_into_id else "主诉求")
        + "一并办理",
        State.UNREASONABLE: "经认定不属于正常派单办理范围（《北京市接诉即办工作条例》第十一条）",
    }
    return notes[State(order.state)]


def _base() -> QuerySet[WorkOrder]:
    return WorkOrder.objects.select_related(
        "category__parent__parent", "lead_unit", "merged_into", "open311_submission"
    ).annotate(last_event_at=Max("events__at"))


def as_service_request(order: WorkOrder) -> dict:
    service = catalogue.service_of(order.category)
    submission = getattr(order, "open311_submission", None)
    description = None if order.state == State.UNREASONABLE else mask_numbers(order.content)
    return {
        "service_request_id": order.number,
        "status": "closed" if order.state in CLOSED_STATES else "open",
        "status_notes": _status_notes(order),
        "service_name": service.name if service else None,
        "service_code": service.code if service else None,
        "description": description,
        "agency_responsible": order.lead_unit.name if order.lead_unit_id else None,
        "service_notice": catalogue.deadline_notice(urgency=order.urgency, on=timezone.localdate(order.received_at)),
        "requested_datetime": _iso(order.received_at),
        "updated_datetime": _iso(getattr(order, "last_event_at", None) or order.updated_at),
        "expected_datetime": _iso(order.handling_due),
        "address": order.address or None,
        "address_id": (submission.address_id or None) if submission else None,
        "zipcode": None,
        "lat": order.lat,
        "long": order.lng,
        "media_url": (submission.media_url or None) if submission else None,
    }


def get_request(number: str) -> dict:
    order = _base().filter(number=number).first()
    if order is None:
        raise Open311Error.one(404, "request_not_found", f"诉求编号“{number}”不存在")
    return as_service_request(order)


def search_requests(data) -> list[dict]:
    """GET requests: service_request_id overrides every other argument (spec)."""
    limit = conf.get("max_requests")
    numbers = params.comma_list(data, "service_request_id")
    if numbers:
        orders = _base().filter(number__in=numbers[:limit])
        return [as_service_request(o) for o in orders.order_by("-received_at", "-id")]
    start, end = params.date_range(data)
    orders = _base().filter(received_at__gte=start, received_at__lte=end)
    codes = params.comma_list(data, "service_code")
    if codes:
        services = [catalogue.find_service(code) for code in codes]
        match = Q()
        for service in services:
            match |= Q(category__code=service.code) | Q(category__code__startswith=service.code + ".")
        orders = orders.filter(match)
    statuses = params.comma_list(data, "status")
    unknown = set(statuses) - {"open", "closed"}
    if unknown:
        raise Open311Error.one(400, "invalid_status", f"status 只能是 open 或 closed：{', '.join(sorted(unknown))}")
    if set(statuses) == {"open"}:
        orders = orders.filter(state__in=OPEN_STATES)
    elif set(statuses) == {"closed"}:
        orders = orders.filter(state__in=CLOSED_STATES)
    return [as_service_request(o) for o in orders.order_by("-received_at", "-id")[:limit]]
