"""Reads of 企安安: hazards with filters, overdue derived from the deadline (never stored), and
figures per street, grid or industry."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from jiesu.common.errors import Forbidden
from jiesu.hazards.models import Checklist, Enterprise, Hazard, HazardState
from jiesu.org.models import Role, User

# Who reads 企安安 (pages and API): everyone but the hotline's agents and callback agents.
VIEW_ROLES = [r for r in Role.values if r not in (Role.AGENT, Role.CALLBACK_AGENT)]


def require_viewer(*, user: User) -> None:
    if user.role not in VIEW_ROLES:
        raise Forbidden("您的角色不能查看企安安隐患排查", code="forbidden")


GROUPS = {
    "street": ("enterprise__street__name", "街镇"),
    "grid": ("enterprise__grid__name", "网格"),
    "industry": ("enterprise__industry", "行业"),
}


def overdue_q(*, now: dt.datetime | None = None) -> Q:
    return Q(state__in=[HazardState.OPEN, HazardState.AWAITING], due_at__lt=now or timezone.now())


def hazards(
    *,
    state: str | None = None,
    street: str | None = None,
    level: str | None = None,
    overdue: bool | None = None,
    worker: User | None = None,
) -> QuerySet[Hazard]:
    """With `worker`: only the hazards of enterprises in that grid worker's grids (只看我的网格)."""
    qs = Hazard.objects.select_related("enterprise__street", "enterprise__grid", "lead_unit")
    if worker is not None:
        from jiesu.grids.selectors import grids_of_worker

        qs = qs.filter(enterprise__grid__in=grids_of_worker(user=worker))
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


def enterprises(*, q: str = "", street: str | None = None, user: User | None = None) -> QuerySet[Enterprise]:
    """The register by name or credit code; a grid worker without a query sees their grids' first."""
    rows = Enterprise.objects.select_related("street", "grid")
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
    if street:
        rows = rows.filter(street__code=street)
    if not q and user is not None and user.role == Role.GRID_WORKER:
        from jiesu.grids.selectors import grids_of_worker

        mine = rows.filter(grid__in=grids_of_worker(user=user))
        rows = mine if mine.exists() else rows
    return rows.order_by("name", "pk")


def applicable_checklists(*, enterprise: Enterprise, on: dt.date | None = None) -> list[Checklist]:
    """The checklist versions in force on `on` (today) that apply to the enterprise's industry."""
    on = on or timezone.localdate()
    out = []
    for code in Checklist.objects.values_list("code", flat=True).distinct().order_by("code"):
        version = Checklist.objects.filter(code=code, effective_from__lte=on).order_by("-effective_from").first()
        if version is not None and (not version.industries or enterprise.industry in version.industries):
            out.append(version)
    return out
