"""临期预警、超期督办、逐级上报: one pass over the open orders' deadlines.

For each deadline (response, handling, and the 多级核查 steps' check deadline while an order waits
in 待核查 — the unit leader's check — or 待抽查 — the 指挥部's spot check) under the rule in force
(jiesu.notify.rules):
- a warning when a share of the span dispatch → deadline has gone (e.g. 50 %, 80 %), to the unit;
- at each step of the overdue ladder (at the deadline, +1 working day, +3 …): an automatic 督办 event
  (workorders.services.supervise with the platform as actor) where the step says so, and a notice to
  the step's audience (unit leaders, then the command centre, then the district leaders).

The database narrows the open orders to those inside a warning zone or overdue and not yet at
their last stage (one query per deadline, joined with the timer's marks); Python decides each
order's stage. A stage is acted on once: the order's mark (jiesu.timers TimerMark: epoch = the
deadline itself, stage = share ‰ or 1000 + level) is moved forward in the same transaction as the
action, so a rerun, a second worker or a crash in between never does anything twice. A new
deadline (extension, redispatch, reopen) is a new epoch and starts afresh. Only the highest stage
reached is acted on (a pass after an outage does not send 50 % and 80 % together), and a stage
that passed longer than the rule's catch_up_days ago is recorded without acting."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from jiesu.common.errors import DomainError
from jiesu.notify import services
from jiesu.notify.context import duration, order_context, when
from jiesu.notify.recipients import people
from jiesu.notify.rules import DEADLINE_LABELS, Rule, rule_for
from jiesu.timers.services import advance
from jiesu.workorders import services as orders
from jiesu.workorders.models import OPEN_STATES, State, WorkOrder
from jiesu.worktime.services import add_limit

log = logging.getLogger("jiesu.notify")


@dataclass(frozen=True)
class Watched:
    """Where a deadline lives on the order: its column, the column its span starts at (warnings are
    shares of start → deadline), the states in which it runs and the column that stops it (None:
    leaving those states stops it)."""

    due: str
    start: str
    states: tuple[str, ...]
    done: str | None = None
    warn_template: str = "unit_warning"


WATCHED = {
    "response": Watched("response_due", "dispatched_at", OPEN_STATES, "responded_at"),
    "handling": Watched("handling_due", "dispatched_at", OPEN_STATES, "resolved_at"),
    # 多级核查: the unit leader's check (待核查) and the 指挥部's spot check (待抽查) share the
    # order's check_due / check_from; each step's deadline is watched only in its own state.
    "leader_check": Watched("check_due", "check_from", (State.PENDING_CHECK,), warn_template="check_warning"),
    "spot_check": Watched("check_due", "check_from", (State.SPOT_CHECK,), warn_template="check_warning"),
}

OVERDUE_BASE = 1000  # stage of overdue level L: 1000 + L; warnings: the share in ‰
CHUNK = 500


def mark_timer(deadline: str) -> str:
    return f"notify.deadline.{deadline}"


def epoch_of(due: dt.datetime) -> str:
    return str(int(due.timestamp()))


@dataclass(frozen=True)
class Due:
    order_id: int
    unit_id: int | None
    start: dt.datetime
    due: dt.datetime
    stage: int
    reached_at: dt.datetime  # when the stage was reached
    next_at: dt.datetime | None  # when the next stage comes (None: the ladder's end)

    def mark(self) -> tuple:
        return (self.order_id, epoch_of(self.due), self.stage, self.next_at)


def _sql(*, deadline: str, rule: Rule) -> tuple[str, list]:
    spec = WATCHED[deadline]
    due_col, start_col = spec.due, spec.start
    table = WorkOrder._meta.db_table
    if connection.vendor == "postgresql":
        warn_zone = f"%s >= o.{start_col} + (o.{due_col} - o.{start_col}) * %s"
        epoch_sql = f"CAST(CAST(FLOOR(EXTRACT(EPOCH FROM o.{due_col})) AS BIGINT) AS TEXT)"
    else:
        warn_zone = (
            f"julianday(%s) >= julianday(o.{start_col}) + (julianday(o.{due_col}) - julianday(o.{start_col})) * %s"
        )
        epoch_sql = f"CAST(CAST(strftime('%%s', o.{due_col}) AS INTEGER) AS TEXT)"
    last_stage = OVERDUE_BASE + len(rule.ladder)
    states = ", ".join(["%s"] * len(spec.states))
    done = f"AND o.{spec.done} IS NULL " if spec.done else ""
    sql = (
        f"SELECT o.id, o.lead_unit_id, o.{start_col}, o.{due_col}, m.epoch, m.stage "
        f"FROM {table} o LEFT JOIN timers_timermark m ON m.timer = %s AND m.subject = o.id "
        f"WHERE o.state IN ({states}) {done}AND o.{due_col} IS NOT NULL "
        f"AND o.{start_col} IS NOT NULL AND ("
        # Not seen in this epoch (no mark, or a mark of an earlier deadline): inside a stage already?
        f"((m.epoch IS NULL OR m.epoch <> {epoch_sql}) AND (o.{due_col} <= %s OR {warn_zone})) "
        # Seen: only when its next stage has come.
        f"OR (m.epoch = {epoch_sql} AND m.next_at <= %s AND m.stage < %s))"
    )
    return sql, [last_stage]


def find_due(*, deadline: str, rule: Rule, now: dt.datetime) -> tuple[list[Due], int]:
    """Orders whose stage moved past their mark; and how many candidate rows were looked at."""
    sql, tail = _sql(deadline=deadline, rule=rule)
    db_now = connection.ops.adapt_datetimefield_value(now)
    first_share = rule.warn_shares[0] if rule.warn_shares else 1.0
    params = [mark_timer(deadline), *WATCHED[deadline].states, db_now, db_now, first_share, db_now, *tail]
    found, looked = [], 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            for order_id, unit_id, start, due, epoch, stage in rows:
                looked += 1
                start, due = _aware(start), _aware(due)
                target, reached, next_at = _stage(rule, start=start, due=due, now=now)
                if target is None:
                    continue
                if epoch == epoch_of(due) and stage is not None and stage >= target:
                    continue
                found.append(Due(order_id, unit_id, start, due, target, reached, next_at))
    return found, looked


def _aware(value) -> dt.datetime:
    if isinstance(value, str):  # SQLite hands back text in raw queries
        value = dt.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _ladder_times(rule: Rule, due: dt.datetime) -> list[dt.datetime]:
    return [add_limit(due, amount=step.amount, unit=step.unit) if step.amount else due for step in rule.ladder]


def _stage(
    rule: Rule, *, start: dt.datetime, due: dt.datetime, now: dt.datetime
) -> tuple[int | None, dt.datetime, dt.datetime | None]:
    """(stage reached at `now` or None, when it was reached, when the next stage comes)."""
    if now >= due:
        times = _ladder_times(rule, due)
        reached = [i for i, at in enumerate(times) if now >= at]
        if not reached:
            return None, due, times[0]
        level = reached[-1] + 1
        following = times[level] if level < len(times) else None
        return OVERDUE_BASE + level, times[level - 1], following
    span = (due - start).total_seconds()
    if span <= 0:
        return None, due, due
    share_gone = (now - start).total_seconds() / span
    crossed = [s for s in rule.warn_shares if share_gone >= s]
    if not crossed:
        return None, due, None
    share = crossed[-1]
    later = [s for s in rule.warn_shares if s > share]
    following = start + dt.timedelta(seconds=span * later[0]) if later else _ladder_times(rule, due)[0]
    return round(share * 1000), start + dt.timedelta(seconds=span * share), following


def watch(*, now: dt.datetime) -> dict[str, int]:
    counts: Counter = Counter()
    for deadline in WATCHED:
        rule = rule_for(deadline=deadline, on=timezone.localtime(now).date())
        if rule is None:
            continue
        found, looked = find_due(deadline=deadline, rule=rule, now=now)
        counts[f"{deadline}_looked"] += looked
        stale_before = now - dt.timedelta(days=rule.catch_up_days)
        stale = [d for d in found if d.reached_at < stale_before]
        live = [d for d in found if d.reached_at >= stale_before]
        if stale:
            counts[f"{deadline}_stale"] += len(
                advance(timer=mark_timer(deadline), items=[d.mark() for d in stale], at=now)
            )
        warnings = [d for d in live if d.stage < OVERDUE_BASE]
        for start in range(0, len(warnings), CHUNK):
            counts[f"{deadline}_warned"] += _warn(rule, warnings[start : start + CHUNK], now=now, counts=counts)
        for item in (d for d in live if d.stage >= OVERDUE_BASE):
            if _escalate(rule, item, now=now, counts=counts):
                counts[f"{deadline}_overdue_steps"] += 1
    return dict(counts)


class _Units:
    """People of each audience per unit, looked up once per pass."""

    def __init__(self):
        self.cache: dict[tuple, list] = {}

    def people(self, audiences, unit_id):
        key = (tuple(audiences), unit_id)
        if key not in self.cache:
            self.cache[key] = people(audiences, unit_id=unit_id)
        return self.cache[key]


def _orders(ids) -> dict[int, WorkOrder]:
    return {o.pk: o for o in WorkOrder.objects.filter(pk__in=ids).select_related("lead_unit")}


def _warn(rule: Rule, items: list[Due], *, now: dt.datetime, counts: Counter) -> int:
    label = DEADLINE_LABELS[rule.deadline]
    units = _Units()
    with transaction.atomic():
        moved = advance(timer=mark_timer(rule.deadline), items=[d.mark() for d in items], at=now)
        if not moved:
            return 0
        by_id = _orders(moved)
        batch = []
        for item in items:
            order = by_id.get(item.order_id)
            if order is None:
                continue
            users = units.people(rule.warn_notify, item.unit_id)
            if not users:
                continue
            context = {
                **order_context(order),
                "期限类型": label,
                "期限": when(item.due),
                "已用比例": f"{item.stage / 10:g}%",
                "剩余时间": duration(item.due - now),
            }
            batch.append(
                services.Outgoing(
                    kind=WATCHED[rule.deadline].warn_template,
                    context=context,
                    users=users,
                    order_id=order.pk,
                    dedupe=f"warn:{rule.deadline}:{order.pk}:{epoch_of(item.due)}:{item.stage}",
                )
            )
        counts["messages"] += services.send_many(batch, now=now)
    return len(moved)


def _escalate(rule: Rule, item: Due, *, now: dt.datetime, counts: Counter) -> bool:
    level = item.stage - OVERDUE_BASE
    step = rule.ladder[level - 1]
    label = DEADLINE_LABELS[rule.deadline]
    late = duration(now - item.due)
    level_text = f"第{level}级" + ("，报" + "、".join(_AUDIENCE_SHORT[a] for a in step.notify) if step.notify else "")
    try:
        with transaction.atomic():
            if not advance(timer=mark_timer(rule.deadline), items=[item.mark()], at=now):
                return False  # another pass got there first
            if step.supervise:
                orders.supervise(
                    user=None,
                    order_id=item.order_id,
                    reason=f"超期自动督办（{level_text}）：{label} {when(item.due)} 已超期 {late}",
                    at=now,
                )
                counts["supervised"] += 1
            order = WorkOrder.objects.select_related("lead_unit").get(pk=item.order_id)
            users = people(step.notify, unit_id=item.unit_id)
            if users:
                context = {
                    **order_context(order),
                    "期限类型": label,
                    "期限": when(item.due),
                    "超期时长": late,
                    "督办级别": level_text,
                }
                counts["messages"] += services.send(
                    kind=step.template,
                    context=context,
                    users=users,
                    order_id=order.pk,
                    dedupe=f"overdue:{rule.deadline}:{order.pk}:{epoch_of(item.due)}:{level}",
                    now=now,
                )
    except DomainError as exc:
        # The order moved on meanwhile (resolved, merged…): nothing to supervise; no mark written.
        log.info("overdue step skipped", extra={"order_id": item.order_id, "reason": exc.message})
        counts["skipped"] += 1
        return False
    return True


_AUDIENCE_SHORT = {
    "unit_handlers": "承办人",
    "unit_leaders": "单位领导",
    "centre": "指挥部",
    "district_leaders": "区领导",
}
