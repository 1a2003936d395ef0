"""Reads of the insights app."""

import datetime as dt

from django.db.models import QuerySet

from jiesu.insights.models import (
    ForecastSeries,
    Hotspot,
    HotspotAlert,
    HotspotStatus,
    MonthlyTopic,
    RecurringProblem,
    RefreshRun,
    TopicBasis,
    VolumeProfile,
)


def topic_candidates(*, month: dt.date, basis: str | None = None) -> QuerySet[MonthlyTopic]:
    rows = MonthlyTopic.objects.filter(month=month).select_related("category", "lead_unit")
    return rows.filter(basis=basis) if basis else rows


def monthly_topic(*, month: dt.date) -> MonthlyTopic | None:
    """The month's topic: rank 1 on the basis chosen when it was computed (absolute by default)."""
    first = topic_candidates(month=month).filter(rank=1)
    by_basis = {t.basis: t for t in first}
    if not by_basis:
        return None
    primary = next(iter(by_basis.values())).params.get("primary_basis", TopicBasis.ABSOLUTE)
    return by_basis.get(primary) or next(iter(by_basis.values()))


def topic_months() -> list[dt.date]:
    return list(MonthlyTopic.objects.order_by("-month").values_list("month", flat=True).distinct())


# ---------------------------------------------------------------- stored findings (read by pages)


def active_hotspots(*, limit: int = 20) -> list[Hotspot]:
    rows = Hotspot.objects.filter(status=HotspotStatus.ACTIVE).select_related("street", "category", "lead_unit")
    return list(rows.order_by("-heat", "key")[:limit])


def hotspot(*, key: str) -> Hotspot | None:
    return Hotspot.objects.select_related("street", "category", "lead_unit").filter(key=key).first()


def hotspot_orders(*, spot: Hotspot, limit: int = 200) -> list:
    """The member orders, newest first (personal data is masked by the page's template filters)."""
    from jiesu.workorders.models import WorkOrder

    rows = WorkOrder.objects.filter(pk__in=spot.member_ids[:limit]).select_related("street", "category", "lead_unit")
    return list(rows.order_by("-received_at"))


def recent_alerts(*, limit: int = 20) -> list[HotspotAlert]:
    return list(HotspotAlert.objects.select_related("hotspot").order_by("-at", "-id")[:limit])


def last_refresh(*, kind: str) -> RefreshRun | None:
    return RefreshRun.objects.filter(kind=kind).order_by("-started_at").first()


def volume_profiles(*, scope: str) -> list[VolumeProfile]:
    return list(VolumeProfile.objects.filter(scope=scope).select_related("category", "street").order_by("-total"))


def recurring_problems() -> list[RecurringProblem]:
    return list(RecurringProblem.objects.select_related("category", "street", "lead_unit").order_by("month", "-ratio"))


def forecast_series(*, freq: str) -> list[ForecastSeries]:
    order = {"district": 0, "category": 1, "street": 2}
    rows = list(ForecastSeries.objects.filter(freq=freq))
    return sorted(rows, key=lambda f: (order.get(f.scope, 9), -(f.forecast[0][1] if f.forecast else 0)))


def calendar(*, today: dt.date, months: int = 3, high_index: float = 1.15) -> list[dict]:
    """What to expect in each of the next `months` months: the seasons that touch it, the categories
    whose seasonal index is high then, the recurring problems due and the forecast peaks."""
    from jiesu.insights import seasons
    from jiesu.insights.topic import next_month

    first = today.replace(day=1)
    profiles = [p for p in volume_profiles(scope="category") if p.index]
    problems = recurring_problems()
    monthly: dict[str, list[ForecastSeries]] = {}
    for f in ForecastSeries.objects.filter(freq="M", scope__in=("category", "street"), peak_ratio__gte=1.2):
        monthly.setdefault(f.forecast[0][0][:7], []).append(f)
    out = []
    month = next_month(first)
    for _ in range(months):
        last = next_month(month) - dt.timedelta(days=1)
        high = sorted(
            ((p.index[month.month - 1], p) for p in profiles if p.index[month.month - 1] >= high_index),
            key=lambda pair: -pair[0],
        )
        out.append(
            {
                "month": month,
                "seasons": seasons.seasons_in(month, last),
                "high_categories": [{"name": p.name, "index": i, "profile": p} for i, p in high[:8]],
                "recurring": [p for p in problems if p.month == month.month],
                "peaks": sorted(monthly.get(f"{month:%Y-%m}", []), key=lambda f: -(f.peak_ratio or 0)),
            }
        )
        month = next_month(month)
    return out
