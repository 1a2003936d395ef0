"""Reads of the insights app."""

import datetime as dt

from django.db.models import QuerySet

from jiesu.insights.models import MonthlyTopic, TopicBasis


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
