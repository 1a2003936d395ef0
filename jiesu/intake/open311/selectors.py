"""Reads for Open311: orders as public service requests. Personal data (requester name, phone,
contact details) is never returned; descriptions go through the one masking function
(jiesu.common.privacy); the address is given at community level; descriptions of requests found
unreasonable are withheld. Without an api_key only what data/rules/publication.yaml makes public
is answered."""

import datetime as dt
import functools
from pathlib import Path

import yaml
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from jiesu.common import privacy
from jiesu.intake.open311 import catalogue, conf, params
from jiesu.intake.open311.formats import Open311Error
from jiesu.workorders.models import State, WorkOrder

# Open311 knows two statuses. "closed" = the unit has reported the order done (办结) or it left
# the loop (merged, unreasonable); a reopen brings it back to "open".
CLOSED_STATES = (State.RESOLVED, State.CALLBACK_DONE, State.CLOSED, State.MERGED, State.UNREASONABLE)
OPEN_STATES = tuple(s for s in State.values if s not in CLOSED_STATES)

PUBLICATION_FILE = Path(__file__).resolve().parents[3] / "data" / "rules" / "publication.yaml"


@functools.cache
def publication() -> dict:
    return yaml.safe_load(PUBLICATION_FILE.read_text(encoding="utf-8"))["open311"]


def mask_numbers(text: str, *, names=()) -> str:
    """Kept name: the description as published (phones, IDs, e-mail, names masked)."""
    return privacy.mask_personal(text, names=names)


def public_q() -> Q:
    rule = publication()
    public = Q(channel__in=rule["public_channels"]) & ~Q(state__in=rule["private_states"])
    for prefix in rule.get("private_categories") or []:
        public &= ~(Q(category__code=prefix) | Q(category__code__startswith=f"{prefix}."))
    return public


def _community_address(order: WorkOrder) -> str | None:
    parts = [order.street.name if order.street_id else "", order.community.name if order.community_id else ""]
    return "".join(parts) or None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, int(publication()["coordinate_decimals"]))


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
        "category__parent__parent", "lead_unit", "merged_into", "open311_submission", "street", "community"
    ).annotate(last_event_at=Max("events__at"))


def as_service_request(order: WorkOrder) -> dict:
    service = catalogue.service_of(order.category)
    submission = getattr(order, "open311_submission", None)
    description = (
        None if order.state == State.UNREASONABLE else mask_numbers(order.content, names=[order.requester_name])
    )
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
        "address": _community_address(order),
        "address_id": (submission.address_id or None) if submission else None,
        "zipcode": None,
        "lat": _rounded(order.lat),
        "long": _rounded(order.lng),
        "media_url": (submission.media_url or None) if submission else None,
    }


def get_request(number: str, *, keyed: bool = False) -> dict:
    """One request; without an api_key (`keyed`) only a public one — others are not found."""
    orders = _base() if keyed else _base().filter(public_q())
    order = orders.filter(number=number).first()
    if order is None:
        raise Open311Error.one(404, "request_not_found", f"诉求编号“{number}”不存在")
    return as_service_request(order)


def search_requests(data, *, keyed: bool = False) -> list[dict]:
    """GET requests: service_request_id overrides every other argument (spec). Without an api_key
    (`keyed`) only public requests are searched."""
    limit = conf.get("max_requests")
    base = _base() if keyed else _base().filter(public_q())
    numbers = params.comma_list(data, "service_request_id")
    if numbers:
        orders = base.filter(number__in=numbers[:limit])
        return [as_service_request(o) for o in orders.order_by("-received_at", "-id")]
    start, end = params.date_range(data)
    orders = base.filter(received_at__gte=start, received_at__lte=end)
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
