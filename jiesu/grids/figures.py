"""Per-grid figures for a period (热线+网格): volume, self-found (网格员发现) vs citizen-reported,
response time, 先行核实 count and time. Orders count in the grid stored on them, else in the grid
of one layer their point falls in (STRtree)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from jiesu.grids import lookup, selectors
from jiesu.grids.models import GridReport
from jiesu.org.models import Grid, GridLayer
from jiesu.workorders.models import Channel, WorkOrder, WorkOrderEvent

NOT_CITIZEN_CHANNELS = (Channel.GRID, Channel.PROACTIVE)


@dataclass
class GridFigures:
    grid_id: int
    code: str
    name: str
    is_derived: bool
    volume: int = 0  # orders received in the period
    citizen: int = 0  # of which from citizens (hotline, web, app, Open311, imports, meetings)
    self_found: int = 0  # grid workers' findings: reports that became orders + 自发现自处置
    self_handled: int = 0
    response_hours: list[float] = field(default_factory=list, repr=False)
    verifications: int = 0
    verification_minutes: list[int] = field(default_factory=list, repr=False)
    late_verifications: int = 0

    @property
    def response_median_h(self) -> float | None:
        return round(statistics.median(self.response_hours), 1) if self.response_hours else None

    @property
    def verification_median_min(self) -> int | None:
        return round(statistics.median(self.verification_minutes)) if self.verification_minutes else None

    @property
    def self_found_share(self) -> float | None:
        total = self.citizen + self.self_found
        return round(100 * self.self_found / total, 1) if total else None


def _layer(code: str | None) -> GridLayer | None:
    if code:
        return GridLayer.objects.filter(code=code).first()
    # By default the department layer that covers the district (e.g. 城管执法), else any layer.
    return GridLayer.objects.order_by("-kind", "code").first()


def per_grid(
    *, start: dt.datetime, end: dt.datetime, layer: str | None = None
) -> tuple[GridLayer | None, list[GridFigures]]:
    found_layer = _layer(layer)
    if found_layer is None:
        return None, []
    grids = {g.pk: g for g in Grid.objects.filter(layer=found_layer)}
    rows = {pk: GridFigures(grid_id=pk, code=g.code, name=g.name, is_derived=g.is_derived) for pk, g in grids.items()}
    orders = WorkOrder.objects.filter(received_at__gte=start, received_at__lt=end).values_list(
        "grid_id", "lat", "lng", "channel", "received_at", "responded_at"
    )
    index = lookup.index()
    for grid_id, lat, lng, channel, received, responded in orders.iterator(chunk_size=5000):
        target = grid_id if grid_id in rows else None
        if target is None and lat is not None:
            point = selectors.to_wgs84(lat=lat, lng=lng)
            hits = index.at(lat=point[0], lng=point[1], layer_id=found_layer.pk)
            target = hits[0].grid_id if hits else None
        if target is None:
            continue
        row = rows[target]
        row.volume += 1
        # Grid workers' own orders are counted below through their reports.
        if channel not in NOT_CITIZEN_CHANNELS:
            row.citizen += 1
        if responded:
            row.response_hours.append((responded - received).total_seconds() / 3600)
    reports = GridReport.objects.filter(reported_at__gte=start, reported_at__lt=end).values_list(
        "grid_id", "lat", "lng", "kind"
    )
    for grid_id, lat, lng, kind in reports:
        target = grid_id if grid_id in rows else None
        if target is None:
            hits = index.at(lat=lat, lng=lng, layer_id=found_layer.pk)
            target = hits[0].grid_id if hits else None
        if target is not None:
            rows[target].self_found += 1
            rows[target].self_handled += kind == "self_handled"
    verified = WorkOrderEvent.objects.filter(action="verify", at__gte=start, at__lt=end).values_list(
        "payload", flat=True
    )
    for payload in verified:
        row = rows.get(payload.get("grid"))
        if row is None:
            continue
        row.verifications += 1
        row.verification_minutes.append(int(payload.get("minutes", 0)))
        row.late_verifications += bool(payload.get("late"))
    return found_layer, sorted(rows.values(), key=lambda r: (-r.volume, r.code))
