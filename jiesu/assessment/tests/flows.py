"""Small event logs for the tests, played through jiesu.workorders.services with explicit times."""

import datetime as dt
from pathlib import Path

from django.conf import settings

from jiesu.assessment.rules import TZ
from jiesu.workorders import services

RULES_DIR = Path(settings.BASE_DIR) / "data" / "assessment"
H = dt.timedelta(hours=1)


def with_minimum_sample(rule, minimum: int):
    """The same rule version with another `sample.min_callbacks`: hand-built months have a handful
    of callbacks, so ranking mechanics are tested with a small minimum (the shipped 30 would leave
    every unit 样本不足, unranked)."""
    from jiesu.assessment.services import save_rule_version

    return save_rule_version(
        version=rule.version,
        name=rule.name,
        effective_from=rule.effective_from,
        rules={**rule.rules, "sample": {"min_callbacks": minimum}},
        source=rule.source,
    )


def at(day: int, hour: int = 9, month: int = 3, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=TZ)


def received(*, when: dt.datetime, urgency: str = "general", **extra):
    order, _ = services.create_order(user=None, content="小区门口路灯不亮", urgency=urgency, at=when, **extra)
    return order


def handled(
    unit,
    *,
    when: dt.datetime,
    respond_after: dt.timedelta | None = H,
    solved: bool = True,
    satisfaction: int = 5,
    reached: bool = True,
    callback_after: dt.timedelta = 48 * H,
    urgency: str = "general",
    **extra,
):
    """create → dispatch(unit) → acknowledge → respond → resolve → callback (→ close)."""
    order = received(when=when, urgency=urgency, **extra)
    services.dispatch(user=None, order_id=order.pk, lead_unit=unit, at=when + dt.timedelta(minutes=10))
    return work(
        order,
        when=when + dt.timedelta(minutes=10),
        respond_after=respond_after,
        solved=solved,
        satisfaction=satisfaction,
        reached=reached,
        callback_after=callback_after,
    )


def work(order, *, when, respond_after=H, solved=True, satisfaction=5, reached=True, callback_after=48 * H):
    """From dispatched (at `when`): acknowledge, respond after `respond_after`, resolve, callback."""
    services.acknowledge(user=None, order_id=order.pk, at=when + dt.timedelta(minutes=5))
    services.respond(user=None, order_id=order.pk, at=when + (respond_after or H))
    services.resolve(user=None, order_id=order.pk, reply="已修复", at=when + 24 * H)
    services.callback(
        user=None,
        order_id=order.pk,
        solved=solved,
        satisfaction=satisfaction,
        reached=reached,
        at=when + callback_after,
    )
    if solved or not reached:
        services.close(user=None, order_id=order.pk, at=when + callback_after + H)
    return order
