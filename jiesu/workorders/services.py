"""Every change of a work order, one function per action of the closed loop.

Each service validates its input, locks the order row (SELECT … FOR UPDATE), checks the transition
table (state × action → state, role, scope), writes the order with a version check (so that two
concurrent actions cannot both succeed, on SQLite too) and appends one WorkOrderEvent — all inside
one transaction. `user=None` means the platform itself (citizen page, Open311, auto-dispatch,
replays); `at` lets trusted replays (demo, import, benchmark) keep original times.
"""

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from jiesu.common import privacy, validation
from jiesu.common.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound
from jiesu.common.prepared import statement
from jiesu.common.raw_rows import converters, instance_from_row
from jiesu.org.models import Grid, PropertyProject, Unit, UnitKind, User
from jiesu.workorders import deadlines, payloads, state_machine, verification, workflow
from jiesu.workorders.models import (
    LEVEL_ORDER,
    TERMINAL_STATES,
    Category,
    Channel,
    JointHandling,
    Level,
    Satisfaction,
    State,
    Urgency,
    WhistleCall,
    WorkOrder,
    WorkOrderEvent,
)
from jiesu.worktime import calendar

MAX_CONTENT = 10000
MAX_REPLY = 20000
MAX_EXTENSION_DAYS = 30
_PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
_HANDLING_KINDS = (UnitKind.STREET, UnitKind.TOWN, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)

# The kinds of request that are not dispatched normally (条例第十一条).
UNREASONABLE_KINDS = {
    "emergency": "应由110/119/120/122等紧急服务处理",
    "legal_process": "已进入诉讼、仲裁、纪检监察、行政复议、信访等程序",
    "repeat": "重复诉求且无新情况新理由",
    "secret": "涉及国家秘密、商业秘密、个人隐私",
    "out_of_duty": "超出各单位职责范围",
    "unlawful": "违反法律法规或公序良俗的要求",
}


# ---------------------------------------------------------------- helpers


def _now(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise InvalidInput("时间必须带时区", code="naive_datetime")
    return at


def _text_kind(field: str) -> str:
    return {"content": "content", "reply": "reply", "title": "title", "note": "note"}.get(field, "reason")


def _require_text(value: str | None, *, field: str, label: str, max_length: int | None = None) -> str:
    """Required text; lengths and characters are checked by the validation layer (max_length is
    kept for callers' readability, the limit itself lives in data/rules/input_limits.yaml)."""
    return validation.clean_text(value, kind=_text_kind(field), field=field, label=label, required=True)


def _optional_text(value: str | None, *, field: str, label: str) -> str:
    return validation.clean_text(value, kind=_text_kind(field), field=field, label=label)


def _handling_unit(unit: Unit | int | None, *, label: str = "主办单位") -> Unit:
    if unit is None:
        raise InvalidInput(f"请选择{label}", code="required", details={"field": "lead_unit"})
    if not isinstance(unit, Unit):
        unit = Unit.objects.filter(pk=unit).first()
    if unit is None or not unit.is_active or unit.kind not in _HANDLING_KINDS:
        raise InvalidInput(f"{label}无效：必须是启用的街镇、部门或公共服务企业", code="invalid_unit")
    return unit


# The order's columns, and the lead unit's (without its boundary, which no action reads): the row
# lock reads both in one statement, so the checks (unit-scoped roles, the unit's kind) and the
# listeners (the unit's name in messages) find the unit on the order without a query of their own.
_LOCK_UNIT_FIELDS = ("id", "code", "name", "short_name", "kind", "parent_id", "sector", "is_active", "sort_order")


def _lock_sql(*, submitter: bool = False) -> str:
    # Raw SQL: compiling the ORM query for ~50 columns cost more than running it (bench/closed_loop.py).
    # FOR UPDATE is a no-op on SQLite, where the version check below does the work; on PostgreSQL
    # it locks the order's row only (OF o), not its unit's. `submitter`: one more column, who
    # submitted the order's latest 多级核查 (approve_check needs it; no statement of its own).
    if connection.features.has_select_for_update_of:
        suffix = " FOR UPDATE OF o"
    else:
        suffix = " FOR UPDATE" if connection.features.has_select_for_update else ""
    order_columns = ", ".join(f'o."{f.column}"' for f in WorkOrder._meta.concrete_fields)
    unit_columns = ", ".join(f'u."{Unit._meta.get_field(name).column}"' for name in _LOCK_UNIT_FIELDS)
    if submitter:
        unit_columns += (
            f', (SELECT e."actor_id" FROM {WorkOrderEvent._meta.db_table} e WHERE e."order_id" = o."id" '
            'AND e."action" = \'submit_check\' ORDER BY e."seq" DESC LIMIT 1)'
        )
    return (
        f"SELECT {order_columns}, {unit_columns} FROM {WorkOrder._meta.db_table} o "
        f"LEFT JOIN {Unit._meta.db_table} u ON u.id = o.lead_unit_id WHERE o.id = %s{suffix}"
    )


_LOCK_PLAN: dict[tuple[str, bool], tuple] = {}


def _begin_pending(cursor) -> bytes | None:
    """The BEGIN psycopg would send on its own before the next statement (the transaction was
    opened by `transaction.atomic()` but nothing has been sent yet), else None. Only with the
    client-side cursor (Django's default): server-side binding takes one statement per call."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return None
    import psycopg  # PostgreSQL only

    raw = connection.connection
    if not isinstance(getattr(cursor, "cursor", None), psycopg.ClientCursor):
        return None
    # psycopg's private names (pinned 3.3.x): a later psycopg without them takes the plain path.
    if not hasattr(raw, "_get_tx_start_command") or getattr(raw, "_autocommit", True):
        return None
    if raw.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return None
    return raw._get_tx_start_command()


def _execute_opening(cursor, sql: str, params: list) -> None:
    """Execute the first statement of an action's transaction. On PostgreSQL its BEGIN travels
    with it (psycopg's client-side cursor runs several statements in one call) instead of costing
    a round trip of its own: psycopg is told it is in autocommit for this one call, so that it
    sends no BEGIN itself, and the statement string opens the transaction — the same BEGIN, with
    the connection's isolation level. Afterwards psycopg sees the transaction open, as usual."""
    begin = _begin_pending(cursor)
    if begin is None:
        cursor.execute(sql, params)
        return
    raw = connection.connection
    raw._autocommit = True
    try:
        cursor.execute(f"{begin.decode()}; {sql}", params)
    finally:
        raw._autocommit = False
    cursor.cursor.nextset()  # on to the statement's own result


def _lock(order_id: int) -> WorkOrder:
    return _lock_row(order_id, submitter=False)[0]


def _lock_with_submitter(order_id: int) -> tuple[WorkOrder, int | None]:
    """The locked order and who submitted its latest 多级核查 (None: nobody), in one statement."""
    return _lock_row(order_id, submitter=True)


def _lock_row(order_id: int, *, submitter: bool) -> tuple[WorkOrder, int | None]:
    plan = _LOCK_PLAN.get((connection.vendor, submitter))
    if plan is None:
        order_fields = list(WorkOrder._meta.concrete_fields)
        unit_fields = [Unit._meta.get_field(name) for name in _LOCK_UNIT_FIELDS]
        sql = _lock_sql(submitter=submitter)
        plan = (sql, order_fields, converters(order_fields), unit_fields, converters(unit_fields))
        _LOCK_PLAN[(connection.vendor, submitter)] = plan
    sql, order_fields, order_converters, unit_fields, unit_converters = plan
    with connection.cursor() as cursor:
        _execute_opening(cursor, statement(sql), [order_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("工单不存在", code="order_not_found")
    split, end = len(order_fields), len(order_fields) + len(unit_fields)
    order = instance_from_row(WorkOrder, order_fields, order_converters, row[:split])
    if row[split] is not None:
        unit = instance_from_row(Unit, unit_fields, unit_converters, row[split:end])
        WorkOrder._meta.get_field("lead_unit").set_cached_value(order, unit)
    return order, (row[end] if submitter else None)


# ---------------------------------------------------------------- one statement per action (PostgreSQL)
#
# On PostgreSQL an action's writes are one statement after the row lock: the version-checked
# UPDATE (or, at creation, the INSERT that numbers the order from its own id), the event INSERT
# and the projections other apps keep of each event, as data-modifying CTEs. The projections are
# registered (workorders imports none of those apps): `fold(at=)` gives an INSERT/UPDATE reading
# the CTE `new_event` (the row being appended) and its params; the event then carries
# `projections_folded = True` so its post_save listener does not write them a second time.
# SQLite has no data-modifying CTEs: there the ORM path with one statement each is kept.

_EVENT_FOLDS: list[Callable[..., tuple[str, list]]] = []
_EVENT_FIELDS = [f for f in WorkOrderEvent._meta.concrete_fields if not f.primary_key]
_ORDER_FIELDS = [f for f in WorkOrder._meta.concrete_fields if not f.primary_key and f.attname != "number"]


def register_event_fold(fold: Callable[..., tuple[str, list]]) -> None:
    if fold not in _EVENT_FOLDS:
        _EVENT_FOLDS.append(fold)


def _one_statement() -> bool:
    return connection.vendor == "postgresql"


# The SQL of this path is built once per process (only PostgreSQL takes it).
@functools.cache
def _cast(field) -> str:
    # Typed placeholders: in INSERT … SELECT an untyped NULL or string would be text. Character
    # columns take text (assignment to varchar(n) still refuses what is too long).
    kind = field.db_type(connection)
    return "%s::text" if kind.startswith("varchar") else f"%s::{kind}"


def _db_values(fields, obj, *, add: bool = False) -> list:
    # The connection itself rather than the `connection` proxy: each field's preparation reads
    # `connection.ops`/`.features`, and each read through the proxy looks the connection up again
    # (a tenth of the loop's Python time went to that look-up; bench/closed_loop.py --profile).
    db = connections[DEFAULT_DB_ALIAS]
    return [f.get_db_prep_save(f.pre_save(obj, add) if add else getattr(obj, f.attname), db) for f in fields]


@functools.cache
def _event_cte(source: str) -> str:
    """`new_event`: the event row appended for the order `source` yields (none when it yields none)."""
    table = WorkOrderEvent._meta.db_table
    columns = ", ".join(f'"{f.column}"' for f in _EVENT_FIELDS)
    values = ", ".join(f"{source}.id" if f.attname == "order_id" else _cast(f) for f in _EVENT_FIELDS)
    return f"new_event AS (INSERT INTO {table} ({columns}) SELECT {values} FROM {source} RETURNING *)"


_EVENT_PARAM_FIELDS = [f for f in _EVENT_FIELDS if f.attname != "order_id"]


def _event_params(event: WorkOrderEvent) -> list:
    return _db_values(_EVENT_PARAM_FIELDS, event)


def _with_folds(sql: str, params: list, *, at: dt.datetime) -> tuple[str, list]:
    for i, fold in enumerate(_EVENT_FOLDS):
        fold_sql, fold_params = fold(at=at)
        sql += f",\n fold_{i} AS ({fold_sql})"
        params += fold_params
    return sql, params


def _appended(event: WorkOrderEvent, pk: int) -> WorkOrderEvent:
    """The event as if saved by the ORM: listeners (notify, dispatch corrections) get post_save."""
    event.pk = pk
    event._state.adding = False
    event._state.db = connection.alias
    event.projections_folded = True
    post_save.send(
        sender=WorkOrderEvent, instance=event, created=True, update_fields=None, raw=False, using=connection.alias
    )
    return event


def _new_event(*, order: WorkOrder, action: str, from_state: str, user: User | None, at, reason, payload):
    # The event carries the order as the action left it: the post_save listeners read it from
    # there instead of loading it again.
    return WorkOrderEvent(
        order=order,
        seq=order.version,
        action=action,
        from_state=from_state,
        to_state=order.state,
        actor_id=user.pk if user else None,
        actor_unit_id=user.unit_id if user else None,
        at=at,
        reason=reason,
        payload=payload or {},
    )


def _update_and_append(*, order: WorkOrder, seen_version: int, fields: Iterable[str], event: WorkOrderEvent) -> None:
    """UPDATE … WHERE version = seen, the event and the projections: one statement (Conflict when
    another writer got there first)."""
    sets, params = [], []
    db = connections[DEFAULT_DB_ALIAS]  # as in _db_values
    for name in fields:
        field = WorkOrder._meta.get_field(name)
        sets.append(f'"{field.column}" = %s')
        params.append(field.get_db_prep_save(getattr(order, field.attname), db))
    sql = (
        f"WITH updated AS (UPDATE {WorkOrder._meta.db_table} SET {', '.join(sets)} "
        f"WHERE id = %s AND version = %s RETURNING id),\n {_event_cte('updated')}"
    )
    params += [order.pk, seen_version, *_event_params(event)]
    sql, params = _with_folds(sql, params, at=event.at)
    with connection.cursor() as cursor:
        cursor.execute(statement(sql + "\nSELECT id FROM new_event"), params)
        row = cursor.fetchone()
    if row is None:
        raise Conflict()
    _appended(event, row[0])


_ORDER_SEQUENCE: list[str] = []


def _order_sequence() -> str:
    if not _ORDER_SEQUENCE:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [WorkOrder._meta.db_table])
            _ORDER_SEQUENCE.append(cursor.fetchone()[0])
    return _ORDER_SEQUENCE[0]


def _insert_and_append(*, order: WorkOrder, prefix: str, event: WorkOrderEvent) -> None:
    """The order numbered `prefix` + its id (7 digits at least) from the id it is given, its create
    event and the projections: one statement."""
    columns = ", ".join(f'"{f.column}"' for f in _ORDER_FIELDS)
    values = ", ".join(_cast(f) for f in _ORDER_FIELDS)
    number = "%s || lpad(n.id::text, greatest(7, length(n.id::text)), '0')"
    sql = (
        f"WITH n AS (SELECT nextval(%s) AS id),\n"
        f" new_order AS (INSERT INTO {WorkOrder._meta.db_table} (id, number, {columns}) "
        f"SELECT n.id, {number}, {values} FROM n RETURNING id, number),\n {_event_cte('new_order')}"
    )
    params = [_order_sequence(), prefix, *_db_values(_ORDER_FIELDS, order, add=True), *_event_params(event)]
    sql, params = _with_folds(sql, params, at=event.at)
    with connection.cursor() as cursor:
        returning = "\nSELECT new_order.id, new_order.number, new_event.id FROM new_order, new_event"
        _execute_opening(cursor, statement(sql + returning), params)
        order.pk, order.number, event_id = cursor.fetchone()
    order._state.adding = False
    order._state.db = connection.alias
    event.order = order  # its id is known now
    _appended(event, event_id)


def _append_event(
    *,
    order: WorkOrder,
    action: str,
    from_state: str,
    user: User | None,
    at: dt.datetime,
    reason: str = "",
    payload: dict | None = None,
) -> WorkOrderEvent:
    event = _new_event(
        order=order, action=action, from_state=from_state, user=user, at=at, reason=reason, payload=payload
    )
    event.save(force_insert=True)
    return event


def _transition(
    *,
    order_id: int,
    user: User | None,
    action: str | Callable[[WorkOrder], str],
    at: dt.datetime | None,
    apply: Callable[[WorkOrder, dt.datetime], tuple[list[str], dict]],
    reason: str = "",
    check: Callable[[WorkOrder], None] | None = None,
    lock: Callable[[int], WorkOrder] | None = None,
) -> WorkOrder:
    """Lock, check, apply, write with version check, append the event. `action` may be chosen
    from the locked order (a callable); `lock` may read more with the row lock."""
    transition = state_machine.get(action) if isinstance(action, str) else None
    when = _now(at)
    with transaction.atomic():
        order = (lock or _lock)(order_id)
        if transition is None:
            action = action(order)
            transition = state_machine.get(action)
        state_machine.check_role(transition, user, order)
        state_machine.check_state(transition, order)
        if check:
            check(order)
        from_state = order.state
        fields, payload = apply(order, when)
        order.state = transition.target_for(from_state)
        seen_version = order.version
        order.version = seen_version + 1
        order.updated_at = timezone.now()
        changed = {*fields, "state", "version", "updated_at"}
        if _one_statement():
            event = _new_event(
                order=order, action=action, from_state=from_state, user=user, at=when, reason=reason, payload=payload
            )
            _update_and_append(order=order, seen_version=seen_version, fields=sorted(changed), event=event)
            return order
        values = {name: getattr(order, name) for name in changed}
        if not WorkOrder.objects.filter(pk=order.pk, version=seen_version).update(**values):
            raise Conflict()
        _append_event(
            order=order, action=action, from_state=from_state, user=user, at=when, reason=reason, payload=payload
        )
    return order


def _set_deadlines(order: WorkOrder, start: dt.datetime) -> dict:
    due = deadlines.compute(urgency=order.urgency, start=start)
    order.response_due, order.handling_due, order.deadline_rule_version = (
        due.response_due,
        due.handling_due,
        due.rule_version,
    )
    order.calendar_estimated = due.estimated
    return deadlines.payload(due)


_DEADLINE_FIELDS = ["response_due", "handling_due", "deadline_rule_version", "calendar_estimated"]


# ---------------------------------------------------------------- property project

# How an order's property project was set (create event payload `property_project_by`).
PROPERTY_PROJECT_BY = {"clerk": "受理员选择", "address_match": "根据地址匹配", "import": "批量导入"}

# The property-project matcher: (address, text, street_id) → an object with `project_id`,
# `confident` and `explanation` (jiesu.dispatch.locator.match_project). The dispatch app registers
# it when it starts, because workorders must not import dispatch; without it nothing is proposed.
_property_matcher: Callable[..., Any] | None = None


def register_property_matcher(matcher: Callable[..., Any] | None) -> None:
    global _property_matcher
    _property_matcher = matcher


def propose_property_project(*, address: str = "", text: str = "", street_id: int | None = None):
    """The matcher's proposal for an order's text (None when no matcher is registered)."""
    if _property_matcher is None:
        return None
    return _property_matcher(address=address or "", text=text or "", street_id=street_id)


def property_project_or_error(value: PropertyProject | int | str | None) -> PropertyProject | None:
    """The project for an id given by a clerk, an API client or an import; a clear refusal for an
    unknown one (and for an inactive one, should projects ever get an active flag)."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, PropertyProject) else value
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"物业项目“{value}”无效，应为项目编号",
            code="invalid_property_project",
            details={"field": "property_project"},
        ) from None
    project = PropertyProject.objects.select_related("company").filter(pk=pk).first()
    if project is None:
        raise InvalidInput(
            f"物业项目（编号 {pk}）不存在", code="property_project_not_found", details={"field": "property_project"}
        )
    if getattr(project, "is_active", True) is False:
        raise InvalidInput(
            f"物业项目“{project.name}”已停用", code="property_project_inactive", details={"field": "property_project"}
        )
    return project


# ---------------------------------------------------------------- create


def _validate_new_order(
    *, title: str, content: str, channel: str, urgency: str, requester_phone: str, lat: float | None, lng: float | None
) -> tuple[str, str, str]:
    content = _require_text(content, field="content", label="诉求内容", max_length=MAX_CONTENT)
    # A title made from the content is shown in every list: it carries no phone, ID or name.
    title = (
        validation.clean_text(title, kind="title", field="title", label="标题")
        or (privacy.mask_personal(content).replace("\n", " ")[:30])
    )
    if channel not in Channel.values:
        raise InvalidInput(f"未知渠道：{channel}", code="invalid_choice", details={"field": "channel"})
    if urgency not in Urgency.values:
        raise InvalidInput(f"未知紧急程度：{urgency}", code="invalid_choice", details={"field": "urgency"})
    phone = validation.clean_text(requester_phone, kind="phone", field="requester_phone", label="联系电话")
    if phone and not _PHONE_RE.match(phone):
        raise InvalidInput("联系电话格式不正确", code="invalid_phone", details={"field": "requester_phone"})
    validation.clean_point(lat, lng)
    return title, content, phone


def create_order(
    *,
    user: User | None,
    content: str,
    title: str = "",
    channel: str = Channel.HOTLINE,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    occurred_at: dt.datetime | None = None,
    requester_name: str = "",
    requester_phone: str = "",
    urgency: str = Urgency.GENERAL,
    category: Category | None = None,
    street: Unit | None = None,
    grid: Grid | None = None,
    client_ref: str | None = None,
    external_ref: str | None = None,
    at: dt.datetime | None = None,
    payload: dict | None = None,
    property_project: PropertyProject | int | None = None,
    property_project_by: str = "clerk",
    match_property_project: bool = True,
) -> tuple[WorkOrder, bool]:
    """Accept a request. Returns (order, created); the same `client_ref` (or `external_ref`) again
    returns the first order instead of creating a second one.

    The property project (物业项目, for the red/black list) is the one given — chosen by the clerk,
    or `property_project_by="address_match"` when the clerk kept the form's proposal — else, unless
    `match_property_project` is False (the clerk cleared the proposal), the one the address or text
    names when the matcher is confident. The create event records which, and how."""
    state_machine.check_role(state_machine.get("create"), user, None)
    # The keys are looked up before anything else: they pass the validation layer first.
    client_ref = validation.clean_text(client_ref, kind="code", field="client_ref", label="client_ref", multiline=False)
    external_ref = validation.clean_text(
        external_ref, kind="code", field="external_ref", label="外部编号", multiline=False
    )
    existing = _find_existing(client_ref=client_ref, external_ref=external_ref)
    if existing:
        if client_ref and existing.client_ref == client_ref:
            _check_same_request(
                existing,
                content=content,
                title=title,
                channel=channel,
                address=address,
                lat=lat,
                lng=lng,
                occurred_at=occurred_at,
                requester_name=requester_name,
                requester_phone=requester_phone,
                category=category,
            )
        return existing, False
    title, content, phone = _validate_new_order(
        title=title,
        content=content,
        channel=channel,
        urgency=urgency,
        requester_phone=requester_phone,
        lat=lat,
        lng=lng,
    )
    when = validation.clean_datetime(_now(at), field="at", label="受理时间")
    validation.clean_datetime(occurred_at, field="occurred_at", label="发生时间")
    address = validation.clean_text(address, kind="address", field="address", label="地址")
    requester_name = validation.clean_text(requester_name, kind="name", field="requester_name", label="诉求人")
    if property_project_by not in PROPERTY_PROJECT_BY:
        raise InvalidInput(
            f"未知的物业项目来源：{property_project_by}",
            code="invalid_choice",
            details={"field": "property_project_by"},
        )
    project = property_project_or_error(property_project)
    extra = dict(payload or {})
    if category is not None:
        extra.setdefault("category_by", category_by(channel=channel))
    if project is not None:
        extra.update(property_project=project.pk, property_project_by=property_project_by)
    elif match_property_project:
        proposal = propose_property_project(
            address=address, text=f"{title}\n{content}", street_id=street.pk if street else None
        )
        # A project deleted since the matcher's names were loaded is no proposal.
        if proposal is not None and proposal.confident:
            project = PropertyProject.objects.filter(pk=proposal.project_id).first()
        if project is not None:
            extra.update(
                property_project=project.pk, property_project_by="address_match", property_match=proposal.explanation
            )
    order = WorkOrder(
        number=f"tmp-{uuid.uuid4().hex[:28]}",
        client_ref=client_ref or None,
        external_ref=external_ref or None,
        channel=channel,
        title=title,
        content=content,
        address=(address or "").strip()[:300],
        lat=lat,
        lng=lng,
        occurred_at=occurred_at,
        received_at=when,
        requester_name=(requester_name or "").strip()[:64],
        requester_phone=phone,
        urgency=urgency,
        category=category,
        street=street,
        grid=grid,
        property_project=project,
        state=State.RECEIVED,
        version=1,
    )
    try:
        prefix = f"FT{timezone.localtime(when):%Y%m%d}"
        with transaction.atomic():
            if _one_statement():
                event = _new_event(
                    order=order,
                    action="create",
                    from_state="",
                    user=user,
                    at=when,
                    reason="",
                    payload={"channel": channel, **extra},
                )
                _insert_and_append(order=order, prefix=prefix, event=event)
                return order, True
            order.save(force_insert=True)
            order.number = f"{prefix}{order.pk:07d}"
            WorkOrder.objects.filter(pk=order.pk).update(number=order.number)
            _append_event(
                order=order,
                action="create",
                from_state="",
                user=user,
                at=when,
                payload={"channel": channel, **extra},
            )
    except IntegrityError:
        # A concurrent create with the same idempotency key won the race: answer with its order.
        existing = _find_existing(client_ref=client_ref, external_ref=external_ref)
        if existing:
            return existing, False
        raise
    return order, True


def edit_order(
    *,
    user: User | None,
    order_id: int,
    title: str | None = None,
    content: str | None = None,
    address: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    requester_name: str | None = None,
    requester_phone: str | None = None,
    urgency: str | None = None,
    category: Category | None = None,
    street: Unit | None = None,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """The agent corrects an order before dispatch (修改工单). Arguments left None keep their value;
    the event records each changed field as [old, new]."""
    wanted: dict[str, Any] = {}
    if content is not None:
        wanted["content"] = _require_text(content, field="content", label="诉求内容", max_length=MAX_CONTENT)
    if title is not None:
        wanted["title"] = _require_text(title, field="title", label="标题", max_length=200)
    if address is not None:
        wanted["address"] = validation.clean_text(address, kind="address", field="address", label="地址")
    if (lat is None) != (lng is None):
        raise InvalidInput("经纬度须同时填写", code="invalid_location", details={"field": "lat"})
    if lat is not None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise InvalidInput("经纬度超出范围", code="invalid_location", details={"field": "lat"})
        wanted["lat"], wanted["lng"] = lat, lng
    if requester_name is not None:
        wanted["requester_name"] = validation.clean_text(
            requester_name, kind="name", field="requester_name", label="诉求人"
        )
    if requester_phone is not None:
        phone = validation.clean_text(requester_phone, kind="phone", field="requester_phone", label="联系电话")
        if phone and not _PHONE_RE.match(phone):
            raise InvalidInput("联系电话格式不正确", code="invalid_phone", details={"field": "requester_phone"})
        wanted["requester_phone"] = phone
    if urgency is not None:
        if urgency not in Urgency.values:
            raise InvalidInput(f"未知紧急程度：{urgency}", code="invalid_choice", details={"field": "urgency"})
        wanted["urgency"] = urgency
    if category is not None:
        wanted["category_id"] = category.pk
    if street is not None:
        wanted["street_id"] = street.pk

    def apply(order, when):
        changed = {}
        for name, value in wanted.items():
            old = getattr(order, name)
            if old != value:
                changed[name] = [old, value]
                setattr(order, name, value)
        if not changed:
            raise InvalidInput("没有需要保存的修改", code="no_change")
        # Personal data stays out of the event log's payload: only which fields changed.
        private = {"requester_name", "requester_phone"}
        return list(changed), {"changed": {k: ("***" if k in private else v) for k, v in changed.items()}}

    return _transition(order_id=order_id, user=user, action="edit", at=at, apply=apply)


def set_property_project(
    *,
    user: User | None,
    order_id: int,
    property_project: PropertyProject | int | None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Set, correct or clear (None) the order's property project (更正物业项目) at any stage of the
    loop — the agent, the dispatcher or the lead unit's handler who finds the compound was wrong.
    The event keeps [old, new] ids and names, so the red/black list's source can be traced."""
    project = property_project_or_error(property_project)
    reason = _optional_text(reason, field="reason", label="说明")

    def apply(order, when):
        old = order.property_project
        if (old.pk if old else None) == (project.pk if project else None):
            raise InvalidInput("物业项目没有变化", code="no_change", details={"field": "property_project"})
        order.property_project = project
        return ["property_project"], {
            "changed": {"property_project": [old.pk if old else None, project.pk if project else None]},
            "names": [old.name if old else "", project.name if project else ""],
        }

    return _transition(order_id=order_id, user=user, action="set_property", at=at, apply=apply, reason=reason)


# How an order's category was set (create/recategorize payload `category_by`): a clerk at intake, a
# dispatcher's correction, the routing model's proposal (channels without a clerk), the legacy remap.
CATEGORY_BY = ("clerk", "dispatcher", "model", "import", "migration")


def category_by(*, channel: str) -> str:
    """How a category given at creation was set: the city platform's export, else the clerk's choice."""
    return "import" if channel == Channel.IMPORT else "clerk"


def recategorize(
    *,
    user: User | None,
    order_id: int,
    category: Category,
    by: str = "dispatcher",
    probability: float | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Set or change the order's category (更正类别) with an event that keeps [old, new] codes and how
    it was set; the model's proposal also keeps its probability."""
    if by not in CATEGORY_BY:
        raise InvalidInput(f"未知的类别来源：{by}", code="invalid_choice", details={"field": "category_by"})
    if category is None or not isinstance(category, Category):
        raise InvalidInput("请选择诉求类别", code="required", details={"field": "category"})
    if not category.is_active:
        raise InvalidInput(f"类别“{category.path}”已停用", code="invalid_category", details={"field": "category"})
    reason = _optional_text(reason, field="reason", label="说明")

    def apply(order, when):
        old = order.category
        if old is not None and old.pk == category.pk:
            raise InvalidInput("类别没有变化", code="no_change", details={"field": "category"})
        order.category = category
        payload = {
            "changed": {"category": [old.code if old else None, category.code]},
            "paths": [old.path if old else "", category.path],
            "category_by": by,
        }
        if probability is not None:
            payload["probability"] = round(float(probability), 4)
        return ["category"], payload

    return _transition(order_id=order_id, user=user, action="recategorize", at=at, apply=apply, reason=reason)


_SAME_REQUEST_LABELS = {
    "content": "诉求内容",
    "title": "标题",
    "channel": "渠道",
    "address": "地址",
    "lat": "纬度",
    "lng": "经度",
    "occurred_at": "发生时间",
    "requester_name": "诉求人",
    "requester_phone": "联系电话",
    "category": "类别",
}


def _check_same_request(existing: WorkOrder, **given) -> None:
    """A retry with the same client_ref must carry the same request; a different body is a client
    bug that would silently lose data, so it is a 409 that names what differs."""
    stored = {name: getattr(existing, name) for name in given if name != "category"}
    stored["category"] = existing.category_id
    given["category"] = given["category"].pk if given["category"] is not None else None
    differing = []
    for name, value in given.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "title" and not value:
            continue  # an empty title means "derive it", which the first request did
        if name == "category" and value is None:
            continue  # the first request may have been categorised since (urgency, changed at dispatch, is not compared)
        if value in (None, "") and stored[name] in (None, ""):
            continue
        if value != stored[name]:
            differing.append(name)
    if differing:
        labels = "、".join(_SAME_REQUEST_LABELS[name] for name in differing)
        raise Conflict(
            f"client_ref {existing.client_ref} 已用于另一内容的请求（不同之处：{labels}）；同一请求重试须内容一致，新请求请换用新的 client_ref",
            code="client_ref_conflict",
            details={"fields": differing, "order": existing.number},
        )


def _find_existing(*, client_ref: str | None, external_ref: str | None) -> WorkOrder | None:
    if client_ref:
        found = WorkOrder.objects.filter(client_ref=client_ref).first()
        if found:
            return found
    if external_ref:
        return WorkOrder.objects.filter(external_ref=external_ref).first()
    return None


# ---------------------------------------------------------------- dispatch and returns


def dispatch(
    *,
    user: User | None,
    order_id: int,
    lead_unit: Unit | int,
    assisting_units: Iterable[Unit] = (),
    category: Category | None = None,
    urgency: str | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
    decision: dict | None = None,
) -> WorkOrder:
    """Give the order to a lead unit; deadlines start now. `decision` records how the unit was
    chosen (manual, or the recommender's model version and confidence)."""
    lead = _handling_unit(lead_unit)
    helpers = [_handling_unit(u, label="协办单位") for u in assisting_units]
    if urgency is not None and urgency not in Urgency.values:
        raise InvalidInput(f"未知紧急程度：{urgency}", code="invalid_choice", details={"field": "urgency"})

    def apply(order: WorkOrder, when: dt.datetime):
        order.lead_unit = lead
        order.dispatched_at = when
        fields = ["lead_unit_id", "dispatched_at", *_DEADLINE_FIELDS]
        if category is not None:
            order.category_id = category.pk
            fields.append("category_id")
        if urgency is not None:
            order.urgency = urgency
            fields.append("urgency")
        payload = {"lead_unit": lead.pk, "lead_unit_name": lead.name, **_set_deadlines(order, when)}
        if helpers:
            payload["assisting_units"] = [u.pk for u in helpers]
        if category is not None:
            payload["category"] = category.code
        if decision:
            payload["decision"] = decision
        return fields, payload

    order = _transition(order_id=order_id, user=user, action="dispatch", at=at, apply=apply, reason=reason)
    if helpers:
        order.assisting_units.add(*helpers)
    return order


def acknowledge(*, user: User | None, order_id: int, at: dt.datetime | None = None) -> WorkOrder:
    def apply(order, when):
        order.acknowledged_at = when
        return ["acknowledged_at"], {}

    return _transition(order_id=order_id, user=user, action="acknowledge", at=at, apply=apply)


def return_order(
    *, user: User | None, order_id: int, reason: str, suggested_unit: Unit | None = None, at: dt.datetime | None = None
) -> WorkOrder:
    """The unit says the order is not its own (退单); the order is under dispute until ruled."""
    reason = _require_text(reason, field="reason", label="退单理由")

    def apply(order, when):
        order.return_count += 1
        payload = {"returned_by_unit": order.lead_unit_id}
        if suggested_unit is not None:
            payload["suggested_unit"] = suggested_unit.pk
        return ["return_count"], payload

    return _transition(order_id=order_id, user=user, action="return", at=at, apply=apply, reason=reason)


def rule_dispute(
    *,
    user: User | None,
    order_id: int,
    upheld: bool,
    reason: str,
    new_lead_unit: Unit | int | None = None,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """The centre rules on a return: upheld → the order goes to `new_lead_unit` with fresh
    deadlines; rejected → it goes back to the unit that returned it, its deadlines unchanged."""
    reason = _require_text(reason, field="reason", label="裁定理由")
    new_lead = _handling_unit(new_lead_unit, label="新主办单位") if upheld else None

    def check(order):
        if upheld and new_lead.pk == order.lead_unit_id:
            raise InvalidInput("退单成立时须改派给其他单位", code="same_unit")

    def apply(order, when):
        payload = {"upheld": upheld, "previous_unit": order.lead_unit_id}
        if not upheld:
            return [], payload
        order.lead_unit_id = new_lead.pk
        order.dispatched_at, order.acknowledged_at = when, None
        payload.update(lead_unit=new_lead.pk, lead_unit_name=new_lead.name, **_set_deadlines(order, when))
        return ["lead_unit_id", "dispatched_at", "acknowledged_at", *_DEADLINE_FIELDS], payload

    return _transition(
        order_id=order_id, user=user, action="rule_dispute", at=at, apply=apply, reason=reason, check=check
    )


def redispatch(
    *,
    user: User | None,
    order_id: int,
    lead_unit: Unit | int,
    reason: str,
    at: dt.datetime | None = None,
    decision: dict | None = None,
) -> WorkOrder:
    """The centre gives the order to another unit (改派); the new unit's clock starts now."""
    reason = _require_text(reason, field="reason", label="改派理由")
    lead = _handling_unit(lead_unit)

    def check(order):
        if lead.pk == order.lead_unit_id:
            raise InvalidInput("改派单位与当前主办单位相同", code="same_unit")

    def apply(order, when):
        payload = {"previous_unit": order.lead_unit_id, "lead_unit": lead.pk, "lead_unit_name": lead.name}
        order.lead_unit_id = lead.pk
        order.dispatched_at, order.acknowledged_at, order.responded_at = when, None, None
        payload.update(_set_deadlines(order, when))
        if decision:
            payload["decision"] = decision
        return ["lead_unit_id", "dispatched_at", "acknowledged_at", "responded_at", *_DEADLINE_FIELDS], payload

    return _transition(
        order_id=order_id, user=user, action="redispatch", at=at, apply=apply, reason=reason, check=check
    )


# ---------------------------------------------------------------- handling


def respond(
    *, user: User | None, order_id: int, note: str = "", contact_method: str = "phone", at: dt.datetime | None = None
) -> WorkOrder:
    """First contact with the requester (响应)."""

    def apply(order, when):
        order.responded_at = when
        return ["responded_at"], {"contact_method": contact_method}

    return _transition(
        order_id=order_id,
        user=user,
        action="respond",
        at=at,
        apply=apply,
        reason=_optional_text(note, field="note", label="备注"),
    )


def request_extension(
    *, user: User | None, order_id: int, days: int, reason: str, requester_informed: bool, at: dt.datetime | None = None
) -> WorkOrder:
    reason = _require_text(reason, field="reason", label="延期理由")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(
            f"延期天数须为1至{MAX_EXTENSION_DAYS}个工作日", code="invalid_days", details={"field": "days"}
        )
    if not requester_informed:
        raise InvalidInput("申请延期前须告知诉求人（条例第十五条）", code="requester_not_informed")

    def apply(order, when):
        order.pending_extension = {"days": days, "reason": reason, "requested_at": when.isoformat()}
        return ["pending_extension"], {"days": days}

    return _transition(order_id=order_id, user=user, action="request_extension", at=at, apply=apply, reason=reason)


def approve_extension(
    *, user: User | None, order_id: int, reason: str = "", at: dt.datetime | None = None
) -> WorkOrder:
    def apply(order, when):
        days = order.pending_extension["days"]
        old_due = order.handling_due
        order.handling_due, source = deadlines.extend(old_due or when, days=days)
        order.extension_count += 1
        order.pending_extension = None
        payload = {
            "days": days,
            "old_handling_due": old_due.isoformat() if old_due else None,
            "handling_due": order.handling_due.isoformat(),
        }
        if source == calendar.ESTIMATED:
            order.calendar_estimated = payload["calendar_estimated"] = True
        return ["handling_due", "extension_count", "pending_extension", "calendar_estimated"], payload

    return _transition(order_id=order_id, user=user, action="approve_extension", at=at, apply=apply, reason=reason)


def deny_extension(*, user: User | None, order_id: int, reason: str, at: dt.datetime | None = None) -> WorkOrder:
    reason = _require_text(reason, field="reason", label="驳回理由")

    def apply(order, when):
        days = order.pending_extension["days"]
        order.pending_extension = None
        return ["pending_extension"], {"days": days}

    return _transition(order_id=order_id, user=user, action="deny_extension", at=at, apply=apply, reason=reason)


def supervise(*, user: User | None, order_id: int, reason: str, at: dt.datetime | None = None) -> WorkOrder:
    """A supervision notice (督办); counted for assessment."""
    reason = _require_text(reason, field="reason", label="督办意见")

    def apply(order, when):
        order.supervision_count += 1
        return ["supervision_count"], {"count": order.supervision_count}

    return _transition(order_id=order_id, user=user, action="supervise", at=at, apply=apply, reason=reason)


def base_level(kind: str | None) -> str:
    """The level an order is handled at before any 提级: departments and utilities are 区部门."""
    return Level.DEPARTMENT if kind in (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE) else Level.STREET


def escalate(
    *,
    user: User | None,
    order_id: int,
    reason: str,
    coordinator_unit: Unit | int | None = None,
    lead_unit: Unit | int | None = None,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Raise the handling level (提级响应) for key, difficult or risky orders: 街镇 → 区部门 → 区领导.
    The next level's coordinator (统筹单位: a department for 区部门, the district for 区领导 — the
    kinds are data) joins the order; the lead unit may change with it; the handling deadline
    becomes the level's limit from now."""
    reason = _require_text(reason, field="reason", label="提级理由")
    new_lead = _handling_unit(lead_unit, label="新主办单位") if lead_unit not in (None, "") else None

    def coordinator_for(level: str) -> Unit | None:
        kinds = workflow.escalation_level(level).get("coordinator_kinds", [])
        unit = coordinator_unit
        if unit in (None, "") and level == Level.DISTRICT:
            unit = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True).order_by("pk").first()
        if unit in (None, "") and user is None:
            return None  # the platform's replay of a history that does not name one
        if unit in (None, ""):
            raise InvalidInput("请选择统筹单位", code="required", details={"field": "coordinator_unit"})
        if not isinstance(unit, Unit):
            unit = Unit.objects.filter(pk=unit).first()
        if unit is None or not unit.is_active or unit.kind not in kinds:
            label = Level(level).label
            raise InvalidInput(f"统筹单位无效：提级至{label}须由{label}统筹", code="invalid_unit")
        return unit

    chosen: dict[str, Any] = {}

    def check(order):
        current = order.level or base_level(state_machine.lead_kind(order))
        position = LEVEL_ORDER.index(current)
        if position + 1 >= len(LEVEL_ORDER):
            raise NotAllowed("已提级至最高层级（区领导）", code="top_level")
        chosen["level"] = LEVEL_ORDER[position + 1]
        chosen["coordinator"] = coordinator_for(chosen["level"])

    def apply(order, when):
        level, coordinator = chosen["level"], chosen["coordinator"]
        order.level, order.coordinator_unit_id = level, coordinator.pk if coordinator else None
        order.escalation_level += 1
        fields = ["level", "coordinator_unit_id", "escalation_level", "handling_due"]
        if new_lead is not None and new_lead.pk != order.lead_unit_id:
            order.lead_unit_id = new_lead.pk
            fields.append("lead_unit_id")
        lead = new_lead if new_lead is not None else Unit.objects.get(pk=order.lead_unit_id)
        order.handling_due = workflow.due(when, workflow.escalation_level(level)["handling"])
        body = payloads.Escalate(
            level=level,
            level_label=Level(level).label,
            count=order.escalation_level,
            coordinator_unit=coordinator.pk if coordinator else None,
            coordinator_unit_name=coordinator.name if coordinator else "",
            lead_unit=lead.pk,
            lead_unit_name=lead.name,
            handling_due=order.handling_due,
        )
        return fields, body.as_payload()

    order = _transition(order_id=order_id, user=user, action="escalate", at=at, apply=apply, reason=reason, check=check)
    coordinator = chosen["coordinator"]
    if coordinator is not None and coordinator.kind in _HANDLING_KINDS and coordinator.pk != order.lead_unit_id:
        order.assisting_units.add(coordinator)  # so that its people see and follow the order
    return order


def whistle(
    *, user: User | None, order_id: int, units: Iterable[Unit | int], reason: str, at: dt.datetime | None = None
) -> WorkOrder:
    """Call other units in to help (吹哨报到): they become assisting units and must 报到 before the
    limit of data/rules/workflow.yaml (条例第十六条)."""
    reason = _require_text(reason, field="reason", label="吹哨事由")
    called = [_handling_unit(u, label="报到单位") for u in units]
    if not called:
        raise InvalidInput("请选择报到单位", code="required", details={"field": "units"})
    if len({u.pk for u in called}) != len(called):
        raise InvalidInput("报到单位重复", code="duplicate_unit", details={"field": "units"})
    chosen: dict[str, Any] = {}

    def check(order):
        if any(u.pk == order.lead_unit_id for u in called):
            raise InvalidInput("不能向主办单位自身吹哨", code="same_unit")
        already = set(WhistleCall.objects.filter(order_id=order.pk).values_list("unit_id", flat=True))
        again = [u.name for u in called if u.pk in already]
        if again:
            raise InvalidInput(f"已向{'、'.join(again)}吹哨，不能重复", code="already_called")

    def apply(order, when):
        chosen["due"] = workflow.due(when, workflow.whistle_limit())
        body = payloads.Whistle(
            units=[u.pk for u in called], unit_names=[u.name for u in called], report_due=chosen["due"]
        )
        return [], body.as_payload()

    with transaction.atomic():
        order = _transition(
            order_id=order_id, user=user, action="whistle", at=at, apply=apply, reason=reason, check=check
        )
        when = order.events.order_by("-seq").values_list("at", flat=True).first()
        WhistleCall.objects.bulk_create(
            [WhistleCall(order_id=order.pk, unit=u, called_at=when, report_due=chosen["due"]) for u in called]
        )
        order.assisting_units.add(*called)
    return order


def _call_of(order_id: int, user: User | None) -> WhistleCall:
    call = WhistleCall.objects.filter(order_id=order_id, unit_id=user.unit_id if user else None).first()
    if call is None:
        raise Forbidden("只有被吹哨的单位可以报到", code="not_called")
    return call


def report_in(*, user: User, order_id: int, note: str = "", at: dt.datetime | None = None) -> WorkOrder:
    """The called unit reports in (报到) — before the limit; a late one is refused and stays counted
    as not reported."""
    chosen: dict[str, Any] = {}

    def check(order):
        call = _call_of(order.pk, user)
        if call.reported_at is not None:
            raise NotAllowed(
                f"本单位已于{timezone.localtime(call.reported_at):%Y-%m-%d %H:%M}报到", code="already_reported"
            )
        chosen["call"] = call

    def apply(order, when):
        call = chosen["call"]
        if when > call.report_due:
            due = timezone.localtime(call.report_due)
            raise NotAllowed(f"已超过报到时限（{due:%Y-%m-%d %H:%M}），不能再报到", code="report_late")
        WhistleCall.objects.filter(pk=call.pk).update(reported_at=when)
        unit = call.unit
        return [], payloads.ReportIn(unit=unit.pk, unit_name=unit.name, report_due=call.report_due).as_payload()

    return _transition(
        order_id=order_id, user=user, action="report_in", at=at, apply=apply, reason=note[:500], check=check
    )


def contribute(*, user: User, order_id: int, contribution: str, at: dt.datetime | None = None) -> WorkOrder:
    """The called unit records what it did (履职情况); it must have reported in first."""
    text = _require_text(contribution, field="contribution", label="履职情况", max_length=2000)
    chosen: dict[str, Any] = {}

    def check(order):
        call = _call_of(order.pk, user)
        if call.reported_at is None:
            raise NotAllowed("请先报到，再记录履职情况", code="not_reported")
        chosen["call"] = call

    def apply(order, when):
        call = chosen["call"]
        WhistleCall.objects.filter(pk=call.pk).update(contribution=text, contributed_at=when)
        unit = call.unit
        return [], payloads.Contribute(unit=unit.pk, unit_name=unit.name, contribution=text).as_payload()

    return _transition(order_id=order_id, user=user, action="contribute", at=at, apply=apply, check=check)


def joint_handling(
    *,
    user: User | None,
    order_id: int,
    participants: Iterable[Unit | int],
    held_at: dt.datetime,
    place: str,
    result: str,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """The lead unit records a joint handling on site (联合处置): which units came (the lead unit
    and units called in), when, where, with what result — the 到场率 counts from it."""
    place = _require_text(place, field="place", label="处置地点", max_length=200)
    result = _require_text(result, field="result", label="处置结果", max_length=2000)
    if held_at is None or timezone.is_naive(held_at):
        raise InvalidInput("请填写处置时间", code="required", details={"field": "held_at"})
    ids = []
    for unit in participants:
        pk = unit.pk if isinstance(unit, Unit) else unit
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise InvalidInput("请选择到场单位", code="required", details={"field": "participants"})
    chosen: dict[str, Any] = {}

    def check(order):
        allowed = {order.lead_unit_id, *state_machine.called_units(order)}
        strangers = [pk for pk in ids if pk not in allowed]
        if strangers:
            raise InvalidInput(
                "到场单位须为主办单位或被吹哨的单位", code="invalid_unit", details={"field": "participants"}
            )
        chosen["units"] = list(Unit.objects.filter(pk__in=ids).order_by("pk"))

    def apply(order, when):
        if held_at > when + dt.timedelta(minutes=5):
            raise InvalidInput("处置时间不能晚于现在", code="invalid_time", details={"field": "held_at"})
        units = chosen["units"]
        body = payloads.JointHandling(
            participants=[u.pk for u in units],
            participant_names=[u.name for u in units],
            held_at=held_at,
            place=place,
            result=result,
        )
        chosen["record"] = (held_at, place, result, units)
        return [], body.as_payload()

    with transaction.atomic():
        order = _transition(order_id=order_id, user=user, action="joint_handling", at=at, apply=apply, check=check)
        held, where, what, units = chosen["record"]
        record = JointHandling.objects.create(
            order_id=order.pk, held_at=held, place=where, result=what, event_seq=order.version
        )
        record.participants.add(*units)
    return order


def resolve(*, user: User | None, order_id: int, reply: str, at: dt.datetime | None = None) -> WorkOrder:
    """The unit reports the order done, with its reply to the requester (办结/答复) — directly for
    the unit kinds without 多级核查 (and for the platform's replays); the others submit_check."""
    reply = _require_text(reply, field="reply", label="答复意见", max_length=MAX_REPLY)

    def apply(order, when):
        order.resolved_at, order.reply = when, reply
        return ["resolved_at", "reply"], payloads.Resolve(reply=reply).as_payload()

    return _transition(order_id=order_id, user=user, action="resolve", at=at, apply=apply)


# ---------------------------------------------------------------- 多级核查


def submit_check(*, user: User | None, order_id: int, reply: str, at: dt.datetime | None = None) -> WorkOrder:
    """The handler submits the resolution and its reply to the unit leader (提交核查, 待核查)."""
    reply = _require_text(reply, field="reply", label="答复意见", max_length=MAX_REPLY)

    def apply(order, when):
        order.reply = reply
        order.check_due = workflow.due(when, workflow.check_limit("leader_check"))
        order.check_from = when
        return ["reply", "check_due", "check_from"], payloads.SubmitCheck(
            reply=reply, check_due=order.check_due
        ).as_payload()

    return _transition(order_id=order_id, user=user, action="submit_check", at=at, apply=apply)


def approve_check(*, user: User | None, order_id: int, note: str = "", at: dt.datetime | None = None) -> WorkOrder:
    """The unit leader approves the submitted resolution (核查通过). The unit's 办结 time is now;
    the order is resolved, or — when the 指挥部's deterministic sample takes it — waits for the
    spot check (待抽查). A leader does not check a resolution he submitted himself."""
    seen: dict[str, Any] = {}

    def choose(locked) -> str:
        # The sample depends on the order's id and its lead unit's kind (read with the row lock).
        seen["kind"] = kind = state_machine.lead_kind(locked)
        seen["sampled"] = workflow.is_sampled(order_id=locked.pk, kind=kind)
        return "approve_to_spot_check" if seen["sampled"] else "approve_check"

    def lock(pk: int) -> WorkOrder:
        # Who submitted it travels with the row lock (the latest submit_check's actor).
        locked, seen["submitted_by"] = _lock_with_submitter(pk)
        return locked

    def check(locked):
        if user is not None and seen["submitted_by"] == user.pk:
            raise Forbidden("核查须由提交人以外的单位领导进行", code="self_check")

    def apply(locked, when):
        sampled = seen["sampled"]
        locked.resolved_at = when
        locked.check_due = workflow.due(when, workflow.check_limit("spot_check")) if sampled else None
        locked.check_from = when if sampled else None
        body = payloads.ApproveCheck(
            sampled=sampled,
            spot_check_rate=workflow.spot_check_rate(seen["kind"]),
            rules=workflow.version(),
            submitted_by=seen["submitted_by"],
            check_due=locked.check_due,
        )
        return ["resolved_at", "check_due", "check_from"], body.as_payload()

    return _transition(
        order_id=order_id, user=user, action=choose, at=at, apply=apply, reason=note[:500], check=check, lock=lock
    )


def send_back(*, user: User | None, order_id: int, reason: str, at: dt.datetime | None = None) -> WorkOrder:
    """The unit leader sends the resolution back to the handler (核查退回), with the reason; the
    handling deadline keeps running."""
    reason = _require_text(reason, field="reason", label="退回理由")

    def apply(order, when):
        order.check_due = order.check_from = None
        count = WorkOrderEvent.objects.filter(order_id=order.pk, action="send_back").count() + 1
        return ["check_due", "check_from"], payloads.SendBack(count=count).as_payload()

    return _transition(order_id=order_id, user=user, action="send_back", at=at, apply=apply, reason=reason)


def pass_spot_check(*, user: User | None, order_id: int, note: str = "", at: dt.datetime | None = None) -> WorkOrder:
    """The 指挥部 confirms a sampled resolution (抽查通过): the order is resolved, its 办结 time stays
    the unit leader's approval."""

    def apply(order, when):
        order.check_due = order.check_from = None
        return ["check_due", "check_from"], payloads.SpotCheck(passed=True).as_payload()

    return _transition(order_id=order_id, user=user, action="pass_spot_check", at=at, apply=apply, reason=note[:500])


def fail_spot_check(*, user: User | None, order_id: int, reason: str, at: dt.datetime | None = None) -> WorkOrder:
    """The 指挥部 finds the sampled resolution wanting (抽查不通过): back to handling with a new
    handling deadline from now, as a 重办 gives."""
    reason = _require_text(reason, field="reason", label="抽查意见")

    def apply(order, when):
        order.check_due, order.check_from, order.resolved_at = None, None, None
        due = deadlines.compute(urgency=order.urgency, start=when)
        order.handling_due = due.handling_due
        if due.estimated:
            order.calendar_estimated = True
        body = payloads.SpotCheck(passed=False, handling_due=due.handling_due)
        return ["check_due", "check_from", "resolved_at", "handling_due", "calendar_estimated"], body.as_payload()

    return _transition(order_id=order_id, user=user, action="fail_spot_check", at=at, apply=apply, reason=reason)


def callback(
    *,
    user: User | None,
    order_id: int,
    solved: bool | None,
    satisfaction: int | None,
    reached: bool = True,
    note: str = "",
    at: dt.datetime | None = None,
    strict: bool = False,
) -> WorkOrder:
    """The centre asks the requester: solved? satisfied? (回访). `reached=False` records a callback
    that could not reach the requester; it counts as no valid callback. `strict` (a person at a page
    or an API client) also refuses answers that contradict each other without a note."""
    if reached:
        if solved is None:
            raise InvalidInput("请选择是否解决", code="required", details={"field": "solved"})
        if satisfaction not in Satisfaction.values:
            raise InvalidInput("请选择满意度（1至5级）", code="invalid_choice", details={"field": "satisfaction"})
        if strict and solved and satisfaction == Satisfaction.VERY_DISSATISFIED and not (note or "").strip():
            # Contradictory on its face: ask the agent to say why rather than store it silently
            # (pages and API; replays of recorded callbacks take them as they were).
            raise InvalidInput(
                "“已解决”但“非常不满意”：请在回访记录中说明原因", code="contradictory", details={"field": "note"}
            )
    else:
        solved, satisfaction = None, None

    def apply(order, when):
        order.solved, order.satisfaction = solved, satisfaction
        body = callback_payload(order, reached=reached, solved=solved, satisfaction=satisfaction)
        order.dissatisfied_count = body.dissatisfied_count
        return ["solved", "satisfaction", "dissatisfied_count"], body.as_payload()

    return _transition(
        order_id=order_id,
        user=user,
        action="callback",
        at=at,
        apply=apply,
        reason=_optional_text(note, field="note", label="备注"),
    )


def callback_payload(order, *, reached: bool, solved: bool | None, satisfaction: int | None) -> payloads.Callback:
    """The callback's payload (shared with jiesu.workorders.bulk): a reached answer of 不满意 counts
    towards the repeat flag; 未解决 or 不满意 puts the order in the 重办 queue. `order` is the row or
    the bulk writer's dict."""
    count = order["dissatisfied_count"] if isinstance(order, dict) else order.dissatisfied_count
    bound = workflow.redo_rules()["dissatisfied_at_most"]
    dissatisfied = reached and satisfaction is not None and satisfaction <= bound
    return payloads.Callback(
        reached=reached,
        solved=solved,
        satisfaction=satisfaction,
        needs_redo=bool(reached and (solved is False or dissatisfied)),
        dissatisfied_count=count + (1 if dissatisfied else 0),
    )


def reopen(*, user: User | None, order_id: int, reason: str, at: dt.datetime | None = None) -> WorkOrder:
    """Callback says not solved or not satisfied: back to the unit (重办), with a fresh handling
    deadline; an order 不满意 again and again is flagged (重复不满意)."""
    reason = _require_text(reason, field="reason", label="重办理由")

    def apply(order, when):
        order.reopen_count += 1
        order.resolved_at = None
        due = deadlines.compute(urgency=order.urgency, start=when)
        order.handling_due = due.handling_due
        if due.estimated:
            order.calendar_estimated = True
        body = payloads.Reopen(
            count=order.reopen_count,
            handling_due=due.handling_due,
            repeat_dissatisfied=order.dissatisfied_count >= workflow.redo_rules()["repeat_dissatisfied_from"],
            calendar_estimated=due.estimated,
        )
        return ["reopen_count", "resolved_at", "handling_due", "calendar_estimated"], body.as_payload()

    return _transition(order_id=order_id, user=user, action="reopen", at=at, apply=apply, reason=reason)


def close(*, user: User | None, order_id: int, note: str = "", at: dt.datetime | None = None) -> WorkOrder:
    def apply(order, when):
        order.closed_at = when
        return ["closed_at"], {}

    return _transition(
        order_id=order_id,
        user=user,
        action="close",
        at=at,
        apply=apply,
        reason=_optional_text(note, field="note", label="备注"),
    )


# ---------------------------------------------------------------- calendar


def recompute_deadlines(*, order_id: int, at: dt.datetime | None = None) -> WorkOrder | None:
    """Compute an order's deadlines again from its history under today's calendar (the platform
    does this when an official holiday schedule replaces an estimated one). One event records old
    and new deadlines; None, and nothing written, when nothing changed."""

    def apply(order, when):
        events = order.events.filter(
            action__in=[
                "dispatch",
                "redispatch",
                "rule_dispute",
                "reopen",
                "fail_spot_check",
                "escalate",
                "approve_extension",
            ]  # fmt: skip
        ).order_by("seq")
        due = deadlines.replay(urgency=order.urgency, events=events)
        if due is None:
            raise _Unchanged()
        new = {
            "response_due": due.response_due,
            "handling_due": due.handling_due,
            "calendar_estimated": due.estimated,
        }
        old = {name: getattr(order, name) for name in new}
        if old == new:
            raise _Unchanged()
        for name, value in new.items():
            setattr(order, name, value)
        return list(new), {
            "old": _iso_values(old),
            "new": _iso_values(new),
            "calendar_source": due.calendar_source,
        }

    try:
        return _transition(order_id=order_id, user=None, action="recompute_deadlines", at=at, apply=apply)
    except _Unchanged:
        return None


class _Unchanged(Exception):
    """Raised inside a transition to roll it back when there is nothing to write."""


def _iso_values(values: dict) -> dict:
    return {k: (timezone.localtime(v).isoformat() if isinstance(v, dt.datetime) else v) for k, v in values.items()}


def recompute_estimated_deadlines(*, at: dt.datetime | None = None) -> int:
    """Recompute every order whose deadlines rest on an estimated calendar; the number changed.
    Idempotent: an order whose deadlines and flag are already right gets no event."""
    changed = 0
    states = state_machine.get("recompute_deadlines").sources
    ids = WorkOrder.objects.filter(calendar_estimated=True, state__in=states).values_list("pk", flat=True)
    for order_id in list(ids.iterator()):
        if recompute_deadlines(order_id=order_id, at=at) is not None:
            changed += 1
    return changed


# ---------------------------------------------------------------- exclusions


def merge_duplicate(
    *, user: User | None, order_id: int, master_id: int, reason: str = "", at: dt.datetime | None = None
) -> WorkOrder:
    """Merge a duplicate into its master (重复件/群诉): both records stay; the master's timeline
    gets a note, the duplicate is excluded from assessment."""
    if order_id == master_id:
        raise InvalidInput("不能将工单合并到自身", code="same_order")
    reason = _optional_text(reason, field="reason", label="合并说明")
    when = _now(at)
    with transaction.atomic():
        # Lock both rows in id order so two opposite merges cannot deadlock.
        for pk in sorted((order_id, master_id)):
            _lock(pk)
        master = WorkOrder.objects.get(pk=master_id)
        if master.merged_into_id or master.state in TERMINAL_STATES and master.state != State.CLOSED:
            raise NotAllowed("主工单已合并或已认定不合理，不能作为合并目标", code="invalid_master")

        def apply(order, _when):
            order.merged_into_id = master.pk
            return ["merged_into_id"], {"master": master.pk, "master_number": master.number}

        duplicate = _transition(order_id=order_id, user=user, action="merge", at=when, apply=apply, reason=reason)
        master.version += 1
        WorkOrder.objects.filter(pk=master.pk).update(version=master.version, updated_at=timezone.now())
        _append_event(
            order=master,
            action="duplicate_merged",
            from_state=master.state,
            user=user,
            at=when,
            payload={"duplicate": duplicate.pk, "duplicate_number": duplicate.number},
        )
    return duplicate


def mark_unreasonable(
    *, user: User | None, order_id: int, kind: str, reason: str = "", at: dt.datetime | None = None
) -> WorkOrder:
    """Exclude a request that is not dispatched normally (条例第十一条)."""
    if kind not in UNREASONABLE_KINDS:
        raise InvalidInput(
            "请选择不合理诉求的类型", code="invalid_choice", details={"field": "kind", "choices": UNREASONABLE_KINDS}
        )
    text = _optional_text(reason, field="reason", label="不合理诉求说明") or UNREASONABLE_KINDS[kind]

    def apply(order, when):
        order.unreasonable_reason = text[:200]
        order.closed_at = when
        return ["unreasonable_reason", "closed_at"], {"kind": kind}

    return _transition(order_id=order_id, user=user, action="mark_unreasonable", at=at, apply=apply, reason=text)


def rate_by_citizen(
    *, number: str, phone_tail: str, satisfaction: int, comment: str = "", at: dt.datetime | None = None
) -> WorkOrder:
    """The requester rates the result on the citizen page (市民评价), once per order. The caller
    proves to be the requester with the last four digits of the phone number given at intake."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput("评价须为1至5级", code="invalid_choice", details={"field": "satisfaction"})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise InvalidInput("评价内容不能超过500字", code="too_long", details={"field": "comment"})
    order = WorkOrder.objects.filter(number=(number or "").strip()).only("pk", "requester_phone").first()
    tail = (phone_tail or "").strip()
    if order is None or len(tail) != 4 or not order.requester_phone.endswith(tail):
        raise NotFound("未找到该工单，请核对工单编号和手机号后四位", code="order_not_found")

    def check(locked):
        if WorkOrderEvent.objects.filter(order_id=locked.pk, action="citizen_rate").exists():
            raise NotAllowed("该工单已评价，不能重复评价", code="already_rated")

    def apply(locked, when):
        return [], {"satisfaction": satisfaction}

    return _transition(
        order_id=order.pk, user=None, action="citizen_rate", at=at, apply=apply, reason=comment, check=check
    )


# ---------------------------------------------------------------- 先行核实 (热线+网格)


def request_verification(
    *,
    user: User | None,
    order_id: int,
    target: verification.Target | None = None,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """派网格员先行核实: send the order to the worker of the grid it lies in, to verify on site first
    (beside or before the unit). The grid, its worker and the due time come from the registered
    finder (the grids app: point → grid, current assignment, the time limit in data) unless a
    trusted caller names them. The worker is told after the commit (notify listens to the event).
    While a request awaits its answer within its limit a new one is refused; once past its limit
    unanswered, the new request replaces it (its payload names the one replaced)."""
    transition = state_machine.get("request_verification")
    when = _now(at)
    if target is None:
        # Refusals a caller can act on come first: who, which state, then where.
        order = WorkOrder.objects.select_related("lead_unit").filter(pk=order_id).first()
        if order is None:
            raise NotFound("工单不存在", code="order_not_found")
        state_machine.check_role(transition, user, order)
        _check_no_live_verification(order, when)
        state_machine.check_state(transition, order)
        target = verification.target_for(order=order, at=when)
    worker = target.worker
    if worker is None or worker.role != "grid_worker":
        raise InvalidInput("核实人必须是网格员", code="invalid_worker")
    if target.due <= when:
        raise InvalidInput("核实期限必须晚于派出时间", code="invalid_due")

    def apply(order, when):
        previous = order.pending_verification or {}
        body = payloads.RequestVerification(
            grid=target.grid_id,
            grid_name=target.grid_name,
            worker=worker.pk,
            worker_name=str(worker),
            requested_at=when,
            due=target.due,
            previous_worker=previous.get("worker"),
            previous_requested_at=_parsed(previous.get("requested_at")),
            previous_due=_parsed(previous.get("due")),
        ).as_payload()
        order.pending_verification = body
        return ["pending_verification"], dict(body)

    return _transition(
        order_id=order_id,
        user=user,
        action="request_verification",
        at=when,
        apply=apply,
        check=lambda order: _check_no_live_verification(order, when),
    )


def _parsed(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _check_no_live_verification(order: WorkOrder, when: dt.datetime) -> None:
    """A request still within its limit at `when` is awaited, not replaced (the guard checks the
    same against the clock, for the buttons)."""
    pending = order.pending_verification
    if verification.is_live(pending, at=when):
        due = timezone.localtime(dt.datetime.fromisoformat(pending["due"]))
        raise NotAllowed(
            f"已派网格员核实（{pending.get('worker_name', '')}），尚未反馈；核实期限 {due:%Y-%m-%d %H:%M} 前不能重新派出",
            code="verification_pending",
        )


def verify(*, user: User, order_id: int, result: str, note: str, at: dt.datetime | None = None) -> WorkOrder:
    """The grid worker's answer to 先行核实: what they found on site. Only the worker the request
    named answers; an answer after the time limit is taken (the unit needs it) and marked `late`,
    which the per-grid figures count."""
    if result not in verification.RESULTS:
        raise InvalidInput(f"未知核实结果：{result}", code="invalid_choice", details={"field": "result"})
    note = _require_text(note, field="note", label="核实情况")

    def check(order):
        if order.pending_verification and order.pending_verification["worker"] != user.pk:
            raise NotAllowed("该工单的先行核实已派给其他网格员", code="not_your_verification")

    def apply(order, when):
        pending = order.pending_verification
        requested = dt.datetime.fromisoformat(pending["requested_at"])
        if when < requested:
            raise InvalidInput("核实时间早于派出时间", code="invalid_time")
        payload = payloads.Verify(
            grid=pending["grid"],
            worker=pending["worker"],
            result=result,
            result_label=verification.RESULTS[result],
            note=note,
            requested_at=requested,
            verified_at=when,
            minutes=round((when - requested).total_seconds() / 60),
            late=when > dt.datetime.fromisoformat(pending["due"]),
        )
        order.pending_verification = None
        return ["pending_verification"], payload.as_payload()

    return _transition(order_id=order_id, user=user, action="verify", at=at, apply=apply, check=check)


# Public name → function, for the API and the web pages (one place that lists every action).
ACTIONS: dict[str, Callable[..., Any]] = {
    "dispatch": dispatch,
    "acknowledge": acknowledge,
    "return": return_order,
    "rule_dispute": rule_dispute,
    "redispatch": redispatch,
    "respond": respond,
    "request_extension": request_extension,
    "approve_extension": approve_extension,
    "deny_extension": deny_extension,
    "supervise": supervise,
    "escalate": escalate,
    "whistle": whistle,
    "report_in": report_in,
    "contribute": contribute,
    "joint_handling": joint_handling,
    "resolve": resolve,
    "submit_check": submit_check,
    "approve_check": approve_check,
    "approve_to_spot_check": approve_check,  # the same button: the sample decides the target
    "send_back": send_back,
    "pass_spot_check": pass_spot_check,
    "fail_spot_check": fail_spot_check,
    "callback": callback,
    "reopen": reopen,
    "close": close,
    "merge": merge_duplicate,
    "mark_unreasonable": mark_unreasonable,
    "set_property": set_property_project,
    "recategorize": recategorize,
    "request_verification": request_verification,
    "verify": verify,
}
