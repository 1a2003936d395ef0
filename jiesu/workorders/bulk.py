"""Loading historical orders in bulk: the orders and the events that bring each to its recorded
state, written with bulk_create in one transaction per batch.

The result has exactly the shape the services give when the same history is replayed through
them with `at=` (same fields, same event actions, states, sequence numbers and payloads; the
intake tests compare the two); this module exists because one service call per event is two
orders of magnitude too slow for a district's history. Transitions are checked against the same
state machine; actor is the platform (None), as for any trusted replay."""

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache, partial
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.org.models import PropertyProject, Unit, UnitKind
from jiesu.workorders import deadlines, payloads, state_machine, workflow
from jiesu.workorders.deadlines import Deadlines
from jiesu.workorders.models import (
    LEVEL_ORDER,
    Category,
    Channel,
    Level,
    Satisfaction,
    State,
    Urgency,
    WhistleCall,
    WorkOrder,
    WorkOrderEvent,
    events_bulk_written,
    new_tracking_code,
)
from jiesu.workorders.services import (
    _HANDLING_KINDS,
    MAX_REPLY,
    UNREASONABLE_KINDS,
    _validate_new_order,
    base_level,
    callback_payload,
    category_by,
)
from jiesu.worktime import calendar

# The actions that bring a new order to each state, in order (the main line of the loop).
_MAIN_LINE = ["dispatch", "acknowledge", "respond", "resolve", "callback", "close"]
PATHS: dict[str, list[str]] = {
    State.RECEIVED: [],
    State.DISPATCHED: _MAIN_LINE[:1],
    State.ACKNOWLEDGED: _MAIN_LINE[:2],
    State.IN_PROGRESS: _MAIN_LINE[:3],
    State.RESOLVED: _MAIN_LINE[:4],
    State.CALLBACK_DONE: _MAIN_LINE[:5],
    State.CLOSED: _MAIN_LINE,
}
_SATISFACTION_VALUES = frozenset(Satisfaction.values)
# The order field that holds each action's time (the event time when the history gives it).
TIME_FIELDS = {
    "dispatch": "dispatched_at",
    "acknowledge": "acknowledged_at",
    "respond": "responded_at",
    "resolve": "resolved_at",
    "callback": "callback_at",
    "close": "closed_at",
    "mark_unreasonable": "closed_at",
}


@dataclass(frozen=True)
class Step:
    """One action of an explicit history (`HistoricalOrder.steps`), for the side lines of the loop a
    state alone cannot say: returns and rulings, extensions, 督办, 提级, 吹哨, 重办, unreached
    callbacks. `params` holds what the service takes: lead_unit (dispatch, rule_dispute), units
    (whistle), days (extension), solved/satisfaction/reached (callback), reply (resolve)."""

    action: str
    at: dt.datetime
    reason: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class HistoricalOrder:
    """One order of a source system, as far as its history is known. Missing step times take the
    time of the step before; their names are listed in the create event's payload
    (`inferred_times`), which keeps every other event exactly as the services write it."""

    external_ref: str
    content: str
    received_at: dt.datetime
    state: str = State.RECEIVED
    title: str = ""
    channel: str = Channel.IMPORT
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    requester_name: str = ""
    requester_phone: str = ""
    urgency: str = Urgency.GENERAL
    category: Category | None = None
    street: Unit | None = None
    lead_unit: Unit | None = None
    times: dict[str, dt.datetime] = field(default_factory=dict)  # keys: values of TIME_FIELDS
    reply: str = ""
    solved: bool | None = None
    satisfaction: int | None = None
    unreasonable_kind: str = ""
    # Deadlines when the source gives them (or the caller chose them); else the rule in force.
    deadlines: Deadlines | None = None
    source: dict = field(default_factory=dict)  # added to the create event's payload
    property_project: PropertyProject | None = None
    # An explicit history (actions with times and parameters) instead of the main line to `state`.
    steps: list[Step] | None = None


def _path(item: HistoricalOrder) -> list[str]:
    if item.state == State.UNREASONABLE:
        return (["dispatch"] if item.lead_unit else []) + ["mark_unreasonable"]
    if item.state not in PATHS:
        label = State(item.state).label if item.state in State.values else item.state
        raise InvalidInput(f"不支持导入状态“{label}”", code="unsupported_state")
    return PATHS[item.state]


def _event(order: dict, action: str, from_state: str, at: dt.datetime, payload: dict, reason: str = "") -> dict:
    return {
        "order_id": None,  # set when the batch's ids are reserved
        "seq": order["version"],
        "action": action,
        "from_state": from_state,
        "to_state": order["state"],
        "actor_id": None,
        "actor_unit_id": None,
        "at": at,
        "reason": reason,
        "payload": payload,
    }


def _apply(order: dict, item: HistoricalOrder, action: str, when: dt.datetime) -> tuple[dict, str]:
    """The change each service makes for `action` (see jiesu.workorders.services)."""
    if action == "dispatch":
        order["lead_unit_id"] = item.lead_unit.pk
        order["dispatched_at"] = when
        due = item.deadlines or deadlines.compute(urgency=order["urgency"], start=when)
        order["response_due"], order["handling_due"], order["deadline_rule_version"] = due[:3]
        order["calendar_estimated"] = due.estimated
        return {"lead_unit": item.lead_unit.pk, "lead_unit_name": item.lead_unit.name, **deadlines.payload(due)}, ""
    if action == "acknowledge":
        order["acknowledged_at"] = when
        return {}, ""
    if action == "respond":
        order["responded_at"] = when
        return {"contact_method": "phone"}, ""
    if action == "resolve":
        order["resolved_at"], order["reply"] = when, item.reply
        return payloads.Resolve(reply=item.reply).as_payload(), ""
    if action == "callback":
        reached = item.solved is not None and item.satisfaction is not None
        order["solved"] = item.solved if reached else None
        order["satisfaction"] = item.satisfaction if reached else None
        body = callback_payload(order, reached=reached, solved=order["solved"], satisfaction=order["satisfaction"])
        order["dissatisfied_count"] = body.dissatisfied_count
        return body.as_payload(), ""
    if action == "close":
        order["closed_at"] = when
        return {}, ""
    if action == "mark_unreasonable":
        text = UNREASONABLE_KINDS[item.unreasonable_kind]
        order["unreasonable_reason"] = text[:200]
        order["closed_at"] = when
        return {"kind": item.unreasonable_kind}, text
    raise AssertionError(action)


def _set_deadlines(order: dict, when: dt.datetime) -> dict:
    due = deadlines.compute(urgency=order["urgency"], start=when)
    order["response_due"], order["handling_due"], order["deadline_rule_version"] = due[:3]
    order["calendar_estimated"] = due.estimated
    return deadlines.payload(due)


def _escalate_step(order: dict, when: dt.datetime, p: dict) -> dict:
    """提级响应 as jiesu.workorders.services.escalate writes it (a replay may leave the coordinator
    of the 区部门 level unnamed; 区领导 is coordinated by the district)."""
    lead_kind = Unit.objects.filter(pk=order["lead_unit_id"]).values_list("kind", flat=True).first()
    current = order.get("level") or base_level(lead_kind)
    level = LEVEL_ORDER[LEVEL_ORDER.index(current) + 1]
    coordinator = p.get("coordinator_unit")
    if coordinator is None and level == Level.DISTRICT:
        coordinator = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True).order_by("pk").first()
    new_lead = p.get("lead_unit")
    if new_lead is not None:
        order["lead_unit_id"] = new_lead.pk
    lead = new_lead or Unit.objects.get(pk=order["lead_unit_id"])
    order["level"], order["coordinator_unit_id"] = level, coordinator.pk if coordinator else None
    order["escalation_level"] += 1
    order["handling_due"] = workflow.due(when, workflow.escalation_level(level)["handling"])
    if coordinator is not None and coordinator.kind in _HANDLING_KINDS and coordinator.pk != order["lead_unit_id"]:
        order["_assisting"].add(coordinator.pk)
    return payloads.Escalate(
        level=level,
        level_label=Level(level).label,
        count=order["escalation_level"],
        coordinator_unit=coordinator.pk if coordinator else None,
        coordinator_unit_name=coordinator.name if coordinator else "",
        lead_unit=lead.pk,
        lead_unit_name=lead.name,
        handling_due=order["handling_due"],
    ).as_payload()


def _apply_step(order: dict, step: Step) -> dict:
    """The change each service makes for the side-line actions (see jiesu.workorders.services:
    return_order, rule_dispute, request/approve/deny_extension, supervise, escalate, whistle,
    callback, reopen); payloads exactly as the services write them."""
    action, when, p = step.action, step.at, step.params
    for unit in [p.get("lead_unit"), *p.get("units", []), *p.get("assisting_units", [])]:
        if unit is not None and (not unit.is_active or unit.kind not in _HANDLING_KINDS):
            raise InvalidInput("主办单位无效：必须是启用的街镇、部门或公共服务企业", code="invalid_unit")
    if action == "dispatch":
        lead = p["lead_unit"]
        order["lead_unit_id"], order["dispatched_at"] = lead.pk, when
        payload = {"lead_unit": lead.pk, "lead_unit_name": lead.name, **_set_deadlines(order, when)}
        if p.get("assisting_units"):
            payload["assisting_units"] = [u.pk for u in p["assisting_units"]]
            order["_assisting"].update(u.pk for u in p["assisting_units"])
        if p.get("decision"):
            payload["decision"] = p["decision"]
        return payload
    if action == "return":
        order["return_count"] += 1
        return {"returned_by_unit": order["lead_unit_id"]}
    if action == "rule_dispute":
        payload = {"upheld": bool(p.get("lead_unit")), "previous_unit": order["lead_unit_id"]}
        if p.get("lead_unit"):
            lead = p["lead_unit"]
            order["lead_unit_id"], order["dispatched_at"], order["acknowledged_at"] = lead.pk, when, None
            payload.update(lead_unit=lead.pk, lead_unit_name=lead.name, **_set_deadlines(order, when))
        return payload
    if action == "request_extension":
        order["pending_extension"] = {"days": p["days"], "reason": step.reason, "requested_at": when.isoformat()}
        return {"days": p["days"]}
    if action == "approve_extension":
        days = order["pending_extension"]["days"]
        old_due = order["handling_due"]
        order["handling_due"], source = deadlines.extend(old_due or when, days=days)
        order["extension_count"] += 1
        order["pending_extension"] = None
        payload = {
            "days": days,
            # as the service reads it back from the database: in UTC
            "old_handling_due": old_due.astimezone(dt.UTC).isoformat() if old_due else None,
            "handling_due": order["handling_due"].isoformat(),
        }
        if source == calendar.ESTIMATED:
            order["calendar_estimated"] = payload["calendar_estimated"] = True
        return payload
    if action == "deny_extension":
        days = order["pending_extension"]["days"]
        order["pending_extension"] = None
        return {"days": days}
    if action == "supervise":
        order["supervision_count"] += 1
        return {"count": order["supervision_count"]}
    if action == "escalate":
        return _escalate_step(order, when, p)
    if action == "whistle":
        called = p["units"]
        order["_assisting"].update(u.pk for u in called)
        due = workflow.due(when, workflow.whistle_limit())
        order["_whistle_calls"] = [*order.get("_whistle_calls", []), *((u.pk, when, due) for u in called)]
        body = payloads.Whistle(units=[u.pk for u in called], unit_names=[u.name for u in called], report_due=due)
        return body.as_payload()
    if action == "acknowledge":
        order["acknowledged_at"] = when
        return {}
    if action == "respond":
        order["responded_at"] = when
        return {"contact_method": "phone"}
    if action == "resolve":
        order["resolved_at"], order["reply"] = when, p["reply"]
        return {"reply": p["reply"]}
    if action == "callback":
        reached = p.get("reached", True)
        solved, satisfaction = (p["solved"], p["satisfaction"]) if reached else (None, None)
        order["solved"], order["satisfaction"] = solved, satisfaction
        body = callback_payload(order, reached=reached, solved=solved, satisfaction=satisfaction)
        order["dissatisfied_count"] = body.dissatisfied_count
        return body.as_payload()
    if action == "reopen":
        order["reopen_count"] += 1
        order["resolved_at"] = None
        due = deadlines.compute(urgency=order["urgency"], start=when)
        order["handling_due"] = due.handling_due
        if due.estimated:
            order["calendar_estimated"] = True
        body = payloads.Reopen(
            count=order["reopen_count"],
            handling_due=due.handling_due,
            repeat_dissatisfied=order["dissatisfied_count"] >= workflow.redo_rules()["repeat_dissatisfied_from"],
            calendar_estimated=due.estimated,
        )
        return body.as_payload()
    if action == "close":
        order["closed_at"] = when
        return {}
    if action == "mark_unreasonable":
        text = UNREASONABLE_KINDS[p["kind"]]
        order["unreasonable_reason"] = text[:200]
        order["closed_at"] = when
        return {"kind": p["kind"]}
    raise InvalidInput(f"批量写入不支持的动作“{action}”", code="unsupported_action")


def _check(item: HistoricalOrder, path: list[str]) -> None:
    if "dispatch" in path and item.state != State.UNREASONABLE:
        if item.lead_unit is None:
            raise InvalidInput("已派单的工单须有主办单位", code="required")
    if item.lead_unit is not None and (not item.lead_unit.is_active or item.lead_unit.kind not in _HANDLING_KINDS):
        raise InvalidInput("主办单位无效：必须是启用的街镇、部门或公共服务企业", code="invalid_unit")
    if "resolve" in path and not (item.reply or "").strip():
        raise InvalidInput("已办结的工单须有答复意见", code="required")
    if len(item.reply or "") > MAX_REPLY:
        raise InvalidInput(f"答复意见不能超过{MAX_REPLY}字", code="too_long")
    if item.satisfaction is not None and item.satisfaction not in _SATISFACTION_VALUES:
        raise InvalidInput("满意度须为1至5级", code="invalid_choice")
    if item.state == State.UNREASONABLE and item.unreasonable_kind not in UNREASONABLE_KINDS:
        raise InvalidInput("不合理诉求须注明类型（条例第十一条六类之一）", code="invalid_choice")
    if timezone.is_naive(item.received_at):
        raise InvalidInput("时间必须带时区", code="naive_datetime")


@cache
def _order_defaults() -> dict:
    return {f.attname: f.get_default() for f in WorkOrder._meta.concrete_fields if not f.primary_key}


def build(item: HistoricalOrder) -> tuple[dict, list[dict]]:
    """The order's column values and its events' column values (no database write; plain dicts
    because model instances cost more than the insert). Raises InvalidInput for a history the
    services would refuse (unknown state, missing unit or reply, times out of order, …)."""
    path = [] if item.steps is not None else _path(item)
    if item.steps is None:
        _check(item, path)
    elif timezone.is_naive(item.received_at):
        raise InvalidInput("时间必须带时区", code="naive_datetime")
    title, content, phone = _validate_new_order(
        title=item.title,
        content=item.content,
        channel=item.channel,
        urgency=item.urgency,
        requester_phone=item.requester_phone,
        lat=item.lat,
        lng=item.lng,
    )
    order = {
        **_order_defaults(),
        "tracking_code": new_tracking_code(),  # random per order; the cached defaults hold one value
        "external_ref": item.external_ref,
        "channel": item.channel,
        "title": title,
        "content": content,
        "address": (item.address or "").strip()[:300],
        "lat": item.lat,
        "lng": item.lng,
        "received_at": item.received_at,
        "requester_name": (item.requester_name or "").strip()[:64],
        "requester_phone": phone,
        "urgency": item.urgency,
        "category_id": item.category.pk if item.category else None,
        "street_id": item.street.pk if item.street else None,
        "property_project_id": item.property_project.pk if item.property_project else None,
        "state": State.RECEIVED.value,
        "version": 1,
    }
    created = {"channel": item.channel, **item.source}
    if item.category is not None:  # as create_order records it for an imported order's category
        created["category_by"] = category_by(channel=item.channel)
    if item.property_project is not None:  # as create_order(property_project_by="import") records it
        created.update(property_project=item.property_project.pk, property_project_by="import")
    create = _event(order, "create", "", item.received_at, created)
    events = [create]
    inferred = []
    previous = item.received_at
    for action in path:
        transition = state_machine.get(action)
        state_machine.check_state(transition, SimpleNamespace(state=order["state"]))
        given = item.times.get(TIME_FIELDS[action])
        when = given or previous
        if when < previous:
            raise InvalidInput(
                f"时间顺序错误：{State(transition.target_for(order['state'])).label}时间早于上一环节",
                code="time_order",
            )
        from_state = order["state"]
        payload, reason = _apply(order, item, action, when)
        if given is None:
            inferred.append(TIME_FIELDS[action])
        order["state"] = transition.target_for(from_state)
        order["version"] += 1
        events.append(_event(order, action, from_state, when, payload, reason))
        previous = when
    if inferred:
        create["payload"]["inferred_times"] = inferred
    if item.steps is not None:
        order["_assisting"] = set()
        for step in item.steps:
            transition = state_machine.get(step.action)
            state_machine.check_state(
                transition,
                SimpleNamespace(
                    pk=order.get("id"),
                    lead_unit_id=order["lead_unit_id"],
                    state=order["state"],
                    pending_extension=order["pending_extension"],
                    pending_verification=order.get("pending_verification"),
                    solved=order["solved"],
                    satisfaction=order["satisfaction"],
                    level=order.get("level") or "",
                ),
            )
            if step.at < previous:
                raise InvalidInput(f"时间顺序错误：{transition.label}时间早于上一环节", code="time_order")
            from_state = order["state"]
            payload = _apply_step(order, step)
            reason = UNREASONABLE_KINDS[step.params["kind"]] if step.action == "mark_unreasonable" else step.reason
            order["state"] = transition.target_for(from_state)
            order["version"] += 1
            events.append(_event(order, step.action, from_state, step.at, payload, reason))
            previous = step.at
    return order, events


def _reserve_ids(count: int) -> list[int]:
    table = WorkOrder._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # The batch transaction holds SQLite's write lock from here on (BEGIN IMMEDIATE is not
            # Django's default, so take the lock with a harmless write first).
            cursor.execute(f"UPDATE {table} SET id = id WHERE id = -1")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"bulk import does not support {connection.vendor}")


@cache
def _columns(model, *, with_pk: bool) -> tuple[list, list]:
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    convert = []
    postgres = connection.vendor == "postgresql"
    for f in fields:
        if f.get_internal_type() == "DateTimeField" and not postgres:  # psycopg takes aware datetimes as they are
            convert.append(connection.ops.adapt_datetimefield_value)
        elif f.get_internal_type() == "JSONField":
            # COPY parses JSON text into jsonb itself; elsewhere the field prepares its value.
            convert.append(
                json.dumps if postgres and f.encoder is None else partial(f.get_db_prep_save, connection=connection)
            )
        else:
            convert.append(None)
    return fields, convert


def _insert(model, rows: list[dict], *, with_pk: bool) -> None:
    """INSERT many rows without the ORM's per-value SQL compilation (the cost of bulk_create):
    values are prepared as the fields prepare them; PostgreSQL receives them by COPY."""
    fields, convert = _columns(model, with_pk=with_pk)
    now = timezone.now()
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    pairs = list(zip([f.attname for f in fields], convert, strict=True))
    values = []
    for row in rows:
        for name in stamped:
            row[name] = now
        values.append([row[name] if fn is None or row[name] is None else fn(row[name]) for name, fn in pairs])
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)


def write_batch(built: list[tuple[dict, list[dict]]]) -> tuple[int, int]:
    """Insert built orders and their events in one transaction. Returns (orders, events)."""
    if not built:
        return 0, 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Don't wait for the WAL flush of each batch: a crash can lose only the last batches,
            # and re-running an import (idempotent on external_ref) loads them again.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        events = []
        for (order, order_events), pk in zip(built, _reserve_ids(len(built)), strict=True):
            order["id"] = pk
            order["number"] = f"FT{timezone.localtime(order['received_at']):%Y%m%d}{pk:07d}"
            for event in order_events:
                event["order_id"] = pk
            events.extend(order_events)
        assisting = [
            {"workorder_id": order["id"], "unit_id": unit} for order, _ in built for unit in order.pop("_assisting", ())
        ]
        whistle_calls = [
            {
                "order_id": order["id"],
                "unit_id": unit,
                "called_at": called_at,
                "report_due": due,
                "reported_at": None,
                "contribution": "",
                "contributed_at": None,
            }
            for order, _ in built
            for unit, called_at, due in order.pop("_whistle_calls", ())
        ]
        _insert(WorkOrder, [order for order, _ in built], with_pk=True)
        _insert(WorkOrderEvent, events, with_pk=False)
        if whistle_calls:  # 吹哨报到: each called unit's 报到 limit, as services.whistle records it
            _insert(WhistleCall, whistle_calls, with_pk=False)
        if assisting:  # 协办 and 吹哨 units (services add them with assisting_units.add)
            _insert(WorkOrder.assisting_units.through, assisting, with_pk=False)
        # Row-by-row listeners (post_save) do not see a bulk insert: tell them once, in the transaction.
        events_bulk_written.send(sender=WorkOrderEvent, order_ids=[order["id"] for order, _ in built])
    return len(built), len(events)
