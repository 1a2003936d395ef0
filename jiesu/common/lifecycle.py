"""One transition of a record with a lifecycle, the way the work orders do it: lock the row
(SELECT … FOR UPDATE; a no-op on SQLite), check the transition table (role, scope, state, guard),
apply the change, write with a version check (UPDATE … WHERE version = seen, so two concurrent
actions cannot both succeed on any database) and append one event — in one transaction.

The work orders keep their own hand-tuned copy of this loop (raw-SQL lock, measured in
bench/closed_loop.py); newer modules (supervision) use this one."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from jiesu.common.errors import Conflict, InvalidInput, NotFound
from jiesu.common.transitions import TransitionTable


def now_or(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise InvalidInput("时间必须带时区", code="naive_datetime")
    return at


def run_transition(
    *,
    model: type[models.Model],
    event_model: type[models.Model],
    record_field: str,
    table: TransitionTable,
    record_id: int,
    user,
    action: str,
    at: dt.datetime | None,
    apply: Callable[[Any, dt.datetime], tuple[list[str], dict]],
    reason: str = "",
    check: Callable[[Any], None] | None = None,
    not_found: str = "记录不存在",
) -> Any:
    """`apply(record, when)` changes the record in memory and returns (changed field names,
    event payload). The event's seq equals the record's new version."""
    transition = table.get(action)
    when = now_or(at)
    with transaction.atomic():
        record = model.objects.select_for_update().filter(pk=record_id).first()
        if record is None:
            raise NotFound(not_found, code="not_found")
        table.check_role(transition, user, record)
        table.check_state(transition, record)
        if check:
            check(record)
        from_state = record.state
        fields, payload = apply(record, when)
        record.state = transition.target_for(from_state)
        seen = record.version
        record.version = seen + 1
        values = {name: getattr(record, name) for name in {*fields, "state", "version"}}
        if hasattr(record, "updated_at"):
            record.updated_at = values["updated_at"] = timezone.now()
        if not model.objects.filter(pk=record.pk, version=seen).update(**values):
            raise Conflict("记录已被他人更新，请刷新后重试")
        event_model.objects.create(
            **{f"{record_field}_id": record.pk},
            seq=record.version,
            action=action,
            from_state=from_state,
            to_state=record.state,
            actor_id=user.pk if user else None,
            actor_unit_id=user.unit_id if user else None,
            at=when,
            reason=reason[:500],
            payload=payload or {},
        )
    return record
