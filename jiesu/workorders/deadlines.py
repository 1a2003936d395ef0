"""Which deadline rule applies, and the deadlines it gives. Rules are cached per process and
reloaded when an admin saves one (signal in apps.ready)."""

import datetime as dt
from functools import lru_cache

from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.worktime.services import add_limit


@lru_cache(maxsize=1)
def _rules() -> list:
    from jiesu.workorders.models import DeadlineRule

    return list(DeadlineRule.objects.order_by("-effective_from"))


def invalidate(**_kwargs) -> None:
    _rules.cache_clear()


def rule_for(*, urgency: str, on: dt.date):
    for rule in _rules():
        if rule.urgency == urgency and rule.effective_from <= on:
            return rule
    raise InvalidInput(f"没有适用于“{urgency}”的办理时限规则，请管理员先配置时限规则", code="no_deadline_rule")


def compute(*, urgency: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime, str]:
    """(response deadline, handling deadline, rule version) for an order dispatched at `start`."""
    rule = rule_for(urgency=urgency, on=timezone.localtime(start).date())
    response_due = add_limit(start, amount=float(rule.response_amount), unit=rule.response_unit)
    handling_due = add_limit(start, amount=float(rule.handling_amount), unit=rule.handling_unit)
    return response_due, handling_due, rule.version
