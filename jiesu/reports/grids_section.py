"""热线+网格 in the monthly review pack and on the dashboard: per-grid figures of the month (volume,
self-found vs citizen-reported, response, 先行核实), from jiesu.grids.figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from jiesu.common.months import next_month
from jiesu.grids import figures

LISTED = 20


@dataclass
class GridSection:
    month: dt.date
    layer_name: str = ""
    layer_derived: bool = False
    rows: list[figures.GridFigures] = field(default_factory=list)  # busiest first, LISTED of them
    grids: int = 0
    volume: int = 0
    citizen: int = 0
    self_found: int = 0
    verifications: int = 0
    late_verifications: int = 0
    volumes: dict[str, int] = field(default_factory=dict)  # every grid's volume, for the map

    @property
    def self_found_share(self) -> float | None:
        total = self.citizen + self.self_found
        return round(100 * self.self_found / total, 1) if total else None


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time()), tz)
    end = timezone.make_aware(dt.datetime.combine(next_month(month.replace(day=1)), dt.time()), tz)
    return start, end


def build_grid_section(*, month: dt.date, layer: str | None = None) -> GridSection | None:
    """None when no grid layer is loaded (the pack then has no such section)."""
    start, end = _bounds(month)
    found, rows = figures.per_grid(start=start, end=end, layer=layer)
    if found is None:
        return None
    return GridSection(
        month=month,
        layer_name=found.name,
        layer_derived=found.is_derived,
        rows=rows[:LISTED],
        grids=len(rows),
        volume=sum(r.volume for r in rows),
        citizen=sum(r.citizen for r in rows),
        self_found=sum(r.self_found for r in rows),
        verifications=sum(r.verifications for r in rows),
        late_verifications=sum(r.late_verifications for r in rows),
        volumes={r.code: r.volume for r in rows},
    )
