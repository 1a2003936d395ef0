"""Point → grid: one shapely STRtree over every grid polygon of every layer, built once per process
and rebuilt when any process changes grids (shared counter "grids"). A point usually lies in one
grid per layer (a street's community grid and 城管执法's grid at once)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from jiesu.common.shared_version import VersionWatch

watch = VersionWatch("grids")


@dataclass(frozen=True)
class GridHit:
    grid_id: int
    layer_id: int | None
    code: str
    name: str
    street_id: int | None


@dataclass
class Index:
    tree: STRtree | None
    hits: list[GridHit]

    def at(self, *, lat: float, lng: float, layer_id: int | None = None) -> list[GridHit]:
        if self.tree is None:
            return []
        found = [self.hits[i] for i in sorted(self.tree.query(Point(lng, lat), predicate="intersects"))]
        if layer_id is not None:
            found = [h for h in found if h.layer_id == layer_id]
        return found


def build(rows) -> Index:
    """An index over (id, layer id, code, name, street id, WGS-84 GeoJSON) rows."""
    geoms, hits = [], []
    for pk, layer_id, code, name, street_id, boundary in rows:
        if not boundary:
            continue
        geometry = shape(boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary)
        shapely.prepare(geometry)
        geoms.append(geometry)
        hits.append(GridHit(grid_id=pk, layer_id=layer_id, code=code, name=name, street_id=street_id))
    return Index(tree=STRtree(geoms) if geoms else None, hits=hits)


_lock = threading.Lock()
_index: Index | None = None


@watch.on_change
def clear() -> None:
    global _index
    _index = None


def index() -> Index:
    global _index
    watch.check()
    current = _index
    if current is None:
        from jiesu.org.models import Grid

        with _lock:
            if _index is None:
                rows = Grid.objects.exclude(boundary=None).values_list(
                    "pk", "layer_id", "code", "name", "street_id", "boundary"
                )
                _index = build(rows)
            current = _index
    return current


def grids_at(*, lat: float, lng: float, layer_id: int | None = None) -> list[GridHit]:
    """Grids containing a WGS-84 point (all layers, or one)."""
    return index().at(lat=lat, lng=lng, layer_id=layer_id)
