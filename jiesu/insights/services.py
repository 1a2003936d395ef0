"""Writes of the insights app: computing and storing the month's topic (每月一题)."""

import datetime as dt

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from jiesu.insights.models import MonthlyTopic
from jiesu.insights.topic import (
    Growth,
    TopicParams,
    mask_text,
    parse_month,
    previous_month,
    rank_growth,
)
from jiesu.insights.volumes import orders_in, volumes
from jiesu.org.models import ResponsibilityRule, Unit
from jiesu.workorders.models import Category, State, WorkOrder
from jiesu.workorders.selectors import mask_name, mask_phone

NO_STREET = {"code": "", "name": "未定位街镇"}


def responsibility_for(*, category_code: str) -> ResponsibilityRule | None:
    """The district-wide rule of the 权责清单 with the most specific category prefix (then priority)."""
    parts = category_code.split(".")
    prefixes = [".".join(parts[: i + 1]) for i in range(len(parts))]
    rules = ResponsibilityRule.objects.filter(is_active=True, street__isnull=True, category_code__in=prefixes)
    return max(rules, key=lambda r: (len(r.category_code), r.priority), default=None)


def _streets(orders: QuerySet[WorkOrder], previous: QuerySet[WorkOrder]) -> list[dict]:
    now = {r["street"]: r["n"] for r in orders.values("street").annotate(n=Count("id"))}
    before = {r["street"]: r["n"] for r in previous.values("street").annotate(n=Count("id"))}
    units = Unit.objects.in_bulk([pk for pk in now if pk])
    rows = []
    for pk, n in now.items():
        unit = units.get(pk)
        label = {"code": unit.code, "name": unit.name} if unit else NO_STREET
        rows.append({**label, "volume": n, "previous": before.get(pk, 0), "change": n - before.get(pk, 0)})
    return sorted(rows, key=lambda r: (-r["volume"], r["code"] or "~"))


def _without_name(text: str, name: str) -> str:
    """Citizens often sign their text with their name: mask it where it appears."""
    name = (name or "").strip()
    return text.replace(name, mask_name(name)) if len(name) >= 2 else text


def _samples(orders: QuerySet[WorkOrder], streets: list[dict], size: int) -> list[dict]:
    """Recent orders, one from each of the busiest streets first, personal data masked."""
    picked: list[WorkOrder] = []
    ordered = orders.select_related("street", "category").order_by("-received_at", "-id")
    for street in streets:
        if len(picked) >= size:
            break
        first = ordered.filter(street__code=street["code"]).first() if street["code"] else None
        if first:
            picked.append(first)
    if len(picked) < size:
        taken = {o.pk for o in picked}
        picked += [o for o in ordered[: size * 2] if o.pk not in taken][: size - len(picked)]
    return [
        {
            "number": o.number,
            "received_at": timezone.localtime(o.received_at).strftime("%Y-%m-%d %H:%M"),
            "street": o.street.name if o.street_id else NO_STREET["name"],
            "category": o.category.path if o.category_id else "",
            "title": mask_text(o.title, limit=40),
            "content": mask_text(_without_name(o.content, o.requester_name)),
            "requester": mask_name(o.requester_name),
            "phone": mask_phone(o.requester_phone),
            "state": State(o.state).label,
        }
        for o in picked
    ]


def _category_orders(month: dt.date, *, code: str, level: int) -> QuerySet[WorkOrder]:
    return orders_in(month, level=level).filter(category__code__startswith=code)


@transaction.atomic
def compute_monthly_topic(*, month: dt.date | str, params: TopicParams | None = None) -> list[MonthlyTopic]:
    """Compute the month's topic candidates and replace what was stored for that month.

    Returns the stored rows (both bases, best first); an empty list when no category grew enough."""
    month = parse_month(month)
    params = params or TopicParams()
    prev = previous_month(month)
    ranked = rank_growth(
        current=volumes(month, level=params.level), previous=volumes(prev, level=params.level), params=params
    )
    categories = Category.objects.in_bulk([g.code for rows in ranked.values() for g in rows], field_name="code")
    MonthlyTopic.objects.filter(month=month).delete()
    stored: list[MonthlyTopic] = []
    for basis, rows in ranked.items():
        for rank, growth in enumerate(rows, start=1):
            stored.append(_store(month, prev, basis, rank, growth, categories[growth.code], params))
    return stored


def _store(
    month: dt.date, prev: dt.date, basis: str, rank: int, growth: Growth, category: Category, params: TopicParams
) -> MonthlyTopic:
    orders = _category_orders(month, code=growth.code, level=params.level)
    streets = _streets(orders, _category_orders(prev, code=growth.code, level=params.level))
    rule = responsibility_for(category_code=growth.code)
    assisting = [{"code": u.code, "name": u.name} for u in rule.assisting_units.all()] if rule else []
    return MonthlyTopic.objects.create(
        month=month,
        basis=basis,
        rank=rank,
        category=category,
        volume=growth.volume,
        previous_volume=growth.previous,
        growth=growth.growth,
        growth_rate=growth.rate,
        lead_unit=rule.lead_unit if rule else None,
        assisting_units=assisting,
        responsibility_basis=rule.basis if rule else "权责清单未列明，按属地管理",
        streets=streets,
        samples=_samples(orders, streets, params.sample_size),
        params=params.as_dict(),
    )


# The timers' entry points for the stored findings (pages only read them): see docs/insights.md.
from jiesu.insights.hotspot_refresh import RefreshParams, refresh_hotspots  # noqa: E402, F401
from jiesu.insights.volume_refresh import refresh_forecasts, refresh_seasonal  # noqa: E402, F401
