"""Reads of 企安安: hazards with filters, overdue derived from the deadline (never stored), and
figures per street, grid or industry."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from jiesu.hazards.models import Hazard, HazardState

GROUPS = {
    "street": ("enterprise__street__name", "街镇"),
    "grid": ("enterprise__grid__name", "网格"),
    "industry": ("enterprise__industry", "行业"),
}


def overdue_q(*, now: dt.datetime | None = None) -> Q:
    return Q(state__in=[HazardState.OPEN, HazardState.AWAITING], due_at__lt=now or timezone.now())


def hazards(
    *, state: str | None = None, street: str | None = None, level: str | None = None, overdue: bool | None = None
) -> QuerySet[Hazard]:
    qs = Hazard.objects.select_related("enterprise__street", "enterprise__grid", "lead_unit")
    if state:
        qs = qs.filter(state=state)
    if street:
        qs = qs.filter(enterprise__street__code=street)
    if level:
        qs = qs.filter(level=level)
    if overdue is True:
        qs = qs.filter(overdue_q())
    elif overdue is False:
        qs = qs.exclude(overdue_q())
    return qs.order_by("due_at", "pk")


@dataclass(frozen=True)
class GroupFigures:
    name: str
    total: int
    open: int
    overdue: int
    closed: int
    closed_on_time: int
    major: int

    @property
    def closure_rate(self) -> float | None:
        return round(100 * self.closed / self.total, 1) if self.total else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.closed_on_time / self.closed, 1) if self.closed else None


def figures(*, by: str = "street", now: dt.datetime | None = None) -> list[GroupFigures]:
    field, _label = GROUPS[by]
    now = now or timezone.now()
    rows = (
        Hazard.objects.values(field)
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=[HazardState.OPEN, HazardState.AWAITING])),
            overdue=Count("pk", filter=overdue_q(now=now)),
            closed=Count("pk", filter=Q(state=HazardState.CLOSED)),
            closed_on_time=Count("pk", filter=Q(state=HazardState.CLOSED, closed_at__lte=F("due_at"))),
            major=Count("pk", filter=Q(level="major")),
        )
        .order_by("-total")
    )
    return [
        GroupFigures(
            name=r[field] or "（未落网格）",
            total=r["total"],
            open=r["open"],
            overdue=r["overdue"],
            closed=r["closed"],
            closed_on_time=r["closed_on_time"],
            major=r["major"],
        )
        for r in rows
    ]
