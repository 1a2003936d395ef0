"""Which deadline rule applies, and the deadlines it gives. Rules are cached per process and
reloaded when an admin saves one (signal in apps.ready) — in every process, through the shared
version counter (jiesu.common.shared_version)."""

import datetime as dt
from functools import lru_cache
from typing import NamedTuple

from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.common.shared_version import VersionWatch
from jiesu.worktime import calendar
from jiesu.worktime.services import add_limit, add_working_days, limit_source


@lru_cache(maxsize=1)
def _rules() -> list:
    from jiesu.workorders.models import DeadlineRule

    return list(DeadlineRule.objects.order_by("-effective_from"))


watch = VersionWatch("deadline_rules")
watch.on_change(_rules.cache_clear)


def invalidate(**_kwargs) -> None:
    watch.bump()


def rule_for(*, urgency: str, on: dt.date):
    watch.check()
    for rule in _rules():
        if rule.urgency == urgency and rule.effective_from <= on:
            return rule
    raise InvalidInput(f"没有适用于“{urgency}”的办理时限规则，请管理员先配置时限规则", code="no_deadline_rule")


class Deadlines(NamedTuple):
    response_due: dt.datetime
    handling_due: dt.datetime
    rule_version: str
    # The weakest calendar source the working-day limits rest on (worktime.calendar), None when
    # both limits are natural hours.
    calendar_source: str | None

    @property
    def estimated(self) -> bool:
        return self.calendar_source == calendar.ESTIMATED


def compute(*, urgency: str, start: dt.datetime) -> Deadlines:
    """The deadlines of an order dispatched at `start` under the rule in force that day."""
    rule = rule_for(urgency=urgency, on=timezone.localtime(start).date())
    response_due = add_limit(start, amount=float(rule.response_amount), unit=rule.response_unit)
    handling_due = add_limit(start, amount=float(rule.handling_amount), unit=rule.handling_unit)
    sources = [
        limit_source(start, response_due, unit=rule.response_unit),
        limit_source(start, handling_due, unit=rule.handling_unit),
    ]
    used = [s for s in sources if s]
    return Deadlines(response_due, handling_due, rule.version, calendar.weakest(used) if used else None)


def payload(due: Deadlines) -> dict:
    """The deadline part of an event payload (dispatch, redispatch, upheld return), one definition
    for the services and the bulk writer. The calendar flag appears only when it is set."""
    body = {
        "response_due": due.response_due.isoformat(),
        "handling_due": due.handling_due.isoformat(),
        "deadline_rule": due.rule_version,
    }
    if due.estimated:
        body["calendar_estimated"] = True
    return body


def extend(due: dt.datetime, *, days: int) -> tuple[dt.datetime, str]:
    """An approved extension: `days` working days after the current handling deadline, and the
    calendar source the new deadline rests on."""
    new_due = add_working_days(due, days=days)
    return new_due, limit_source(due, new_due, unit="workdays")


# The actions that set deadlines from their own time, and what they set (services.py).
_SETS_BOTH = {"dispatch", "redispatch"}


def replay(*, urgency: str, events) -> Deadlines | None:
    """The deadlines an order's events give under today's calendar: each deadline-setting event
    computed again from its own time, approved extensions added again in order. None when no
    event set deadlines. The rule in force on each start day decides, as it did then."""
    current: Deadlines | None = None
    sources: list[str] = []
    for event in events:
        action, body = event.action, event.payload or {}
        if action in _SETS_BOTH or (action == "rule_dispute" and body.get("upheld")):
            current = compute(urgency=urgency, start=event.at)
            sources = [current.calendar_source] if current.calendar_source else []
        elif action in ("reopen", "fail_spot_check") and current is not None:
            again = compute(urgency=urgency, start=event.at)
            current = current._replace(handling_due=again.handling_due)
            sources += [again.calendar_source] if again.calendar_source else []
        elif action == "escalate" and current is not None and body.get("level"):
            from jiesu.workorders import workflow

            limit = workflow.escalation_level(body["level"])["handling"]
            current = current._replace(handling_due=workflow.due(event.at, limit))
        elif action == "approve_extension" and current is not None:
            handling_due, source = extend(current.handling_due, days=int(body["days"]))
            current = current._replace(handling_due=handling_due)
            sources.append(source)
    if current is None:
        return None
    return current._replace(calendar_source=calendar.weakest(sources) if sources else None)
