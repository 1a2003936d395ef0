"""Reads of grids: layers, who answers for a grid now and then, the grids of a worker, and the
grid of a point (through the STRtree in `lookup`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from jiesu.common import geo
from jiesu.grids import lookup
from jiesu.grids.models import GridAssignment
from jiesu.org.models import Grid, GridLayer, GridLayerKind, User


def layers() -> QuerySet[GridLayer]:
    return GridLayer.objects.select_related("owner").order_by("kind", "code")


def grids(*, layer: str | None = None) -> QuerySet[Grid]:
    qs = Grid.objects.select_related("layer", "street").order_by("code")
    if layer:
        qs = qs.filter(layer__code=layer)
    return qs


def assignment_at(*, grid_id: int, at: dt.datetime | None = None) -> GridAssignment | None:
    """Who answered for the grid at `at` (now by default)."""
    when = at or timezone.now()
    return (
        GridAssignment.objects.select_related("worker", "unit")
        .filter(grid_id=grid_id, started_at__lte=when)
        .exclude(ended_at__lte=when)
        .order_by("-started_at")
        .first()
    )


def history(*, grid_id: int) -> QuerySet[GridAssignment]:
    return GridAssignment.objects.select_related("worker", "unit", "assigned_by").filter(grid_id=grid_id)


def grids_of_worker(*, user: User) -> QuerySet[Grid]:
    ids = GridAssignment.objects.filter(worker=user, ended_at__isnull=True).values("grid_id")
    return Grid.objects.filter(pk__in=ids).select_related("layer", "street").order_by("code")


def to_wgs84(*, lat: float, lng: float) -> tuple[float, float]:
    """An order coordinate in WGS-84 (orders keep what the channel sent: JIESU_ORDER_COORDINATES)."""
    return geo.to_wgs84(lat, lng, crs=getattr(settings, "JIESU_ORDER_COORDINATES", geo.GCJ02))


def order_point(order) -> tuple[float, float] | None:
    if order.lat is None or order.lng is None:
        return None
    return to_wgs84(lat=order.lat, lng=order.lng)


def grid_at(*, lat: float, lng: float, prefer: str = GridLayerKind.COMMUNITY) -> lookup.GridHit | None:
    """The grid of a WGS-84 point: a community grid when there is one, else any layer's."""
    hits = lookup.grids_at(lat=lat, lng=lng)
    if not hits:
        return None
    kinds = dict(GridLayer.objects.filter(pk__in={h.layer_id for h in hits}).values_list("pk", "kind"))
    return next((h for h in hits if kinds.get(h.layer_id) == prefer), hits[0])


def grid_of_order(order) -> Grid | None:
    """The order's grid: the one stored on it, else the grid its point falls in."""
    if order.grid_id:
        return Grid.objects.filter(pk=order.grid_id).select_related("layer").first()
    point = order_point(order)
    if point is None:
        return None
    hit = grid_at(lat=point[0], lng=point[1])
    return Grid.objects.filter(pk=hit.grid_id).select_related("layer").first() if hit else None


def orders_in_grids(*, grids: list[Grid], open_only: bool = True):
    """Orders stored with one of `grids`, or whose point falls in one of them (most orders carry a
    point but no grid). Candidates come from the grids' bounding box (widened for the datum shift),
    then the STRtree decides."""
    from shapely.geometry import shape

    from jiesu.workorders.models import TERMINAL_STATES, WorkOrder

    ids = {g.pk for g in grids}
    qs = WorkOrder.objects.select_related("category", "lead_unit")
    if open_only:
        qs = qs.exclude(state__in=TERMINAL_STATES)
    shapes_ = [shape(g.boundary) for g in grids if g.boundary]
    if not shapes_:
        return list(qs.filter(grid_id__in=ids).order_by("-received_at")[:200])
    minx = min(s.bounds[0] for s in shapes_) - 0.01
    miny = min(s.bounds[1] for s in shapes_) - 0.01
    maxx = max(s.bounds[2] for s in shapes_) + 0.01
    maxy = max(s.bounds[3] for s in shapes_) + 0.01
    near = qs.filter(lat__range=(miny, maxy), lng__range=(minx, maxx)) | qs.filter(grid_id__in=ids)
    out = []
    for order in near.order_by("-received_at")[:2000]:
        if order.grid_id in ids:
            out.append(order)
            continue
        point = order_point(order)
        if point and any(h.grid_id in ids for h in lookup.grids_at(lat=point[0], lng=point[1])):
            out.append(order)
    return out[:200]


def open_findings(*, user: User):
    from jiesu.grids.models import GridReport, ReportKind

    return GridReport.objects.filter(
        reporter=user, kind=ReportKind.SELF_HANDLED, closed_at__isnull=True
    ).select_related("grid")


def recent_reports(*, user: User, limit: int = 20):
    from jiesu.grids.models import GridReport

    return GridReport.objects.filter(reporter=user).select_related("grid", "order")[:limit]


def order_box(*, order, user) -> dict:
    """What the order page shows about the order's grid: the grid, its worker, the pending
    先行核实 (and whether it is past its limit unanswered), whether this user may send one (again),
    and the map point (in the map's datum)."""
    import json

    from jiesu.grids import maplayers
    from jiesu.workorders import state_machine
    from jiesu.workorders import verification as order_verification

    grid = grid_of_order(order)
    assignment = assignment_at(grid_id=grid.pk) if grid else None
    point = order_point(order)
    points = []
    if point:
        m_lat, m_lng = maplayers.point_to_map(lat=point[0], lng=point[1])
        points = [[round(m_lat, 6), round(m_lng, 6), order.title[:30]]]
    transition = state_machine.get("request_verification")
    can_request = bool(
        grid
        and assignment
        and assignment.worker_id
        and user.role in transition.roles
        and order.state in transition.sources
        and not order_verification.is_live(order.pending_verification, at=timezone.now())
    )
    pending = order.pending_verification
    return {
        "grid": grid,
        "worker": assignment.worker if assignment else None,
        "pending": pending,
        "pending_due": dt.datetime.fromisoformat(pending["due"]) if pending else None,
        # Past its limit unanswered: a dispatcher may send it again.
        "pending_overdue": bool(pending) and not order_verification.is_live(pending, at=timezone.now()),
        "can_request_verification": can_request,
        "map_points": json.dumps(points, ensure_ascii=False),
    }


def map_points(orders) -> str:
    """JSON [[lat, lng, label], …] of orders with a point, in the map's datum (for web/_map.html)."""
    import json

    from jiesu.grids import maplayers

    out = []
    for order in orders:
        point = order_point(order)
        if point:
            lat, lng = maplayers.point_to_map(lat=point[0], lng=point[1])
            out.append([round(lat, 6), round(lng, 6), f"{order.number} {order.title[:20]}"])
    return json.dumps(out, ensure_ascii=False)
