"""Demo grid layers derived from public data (data/grids/demo.yaml), every one marked derived:
the district outline cut into a Voronoi cell per street around its approximate position, each cell
cut again into its grids. Then one 网格员 login per grid, assigned to it."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth.hashers import make_password
from shapely import voronoi_polygons
from shapely.geometry import MultiPoint, Point, mapping
from shapely.geometry.base import BaseGeometry

from jiesu.common import geo
from jiesu.grids import services
from jiesu.org.models import LOCAL_KINDS, GridLayerKind, Role, Unit

SPEC = "data/grids/demo.yaml"
SOURCE = "推算：区界按街镇近似位置作泰森多边形切分后再细分（data/grids/demo.yaml），非官方边界"


@dataclass(frozen=True)
class DemoResult:
    layers: int
    grids: int
    workers: list[tuple[str, str]]  # (username, grid name) of the friendly aliases


def _root() -> Path:
    return Path(settings.BASE_DIR)


def _rounded(geometry: BaseGeometry) -> dict:
    def r(coords):
        if coords and isinstance(coords[0], (int, float)):
            return [round(coords[0], 6), round(coords[1], 6)]
        return [r(c) for c in coords]

    g = mapping(geometry)
    return {"type": g["type"], "coordinates": r(g["coordinates"])}


def _cells(area: BaseGeometry, seeds: list[Point]) -> list[BaseGeometry]:
    """Voronoi cells of `seeds` clipped to `area`, in the seeds' order; slivers of a multipolygon
    cell that fall outside are dropped by keeping the part that holds the seed."""
    if len(seeds) == 1:
        return [area]
    cells = list(voronoi_polygons(MultiPoint(seeds), extend_to=area).geoms)
    out = []
    for seed in seeds:
        cell = next(c for c in cells if c.covers(seed)).intersection(area)
        if cell.geom_type != "Polygon":
            cell = next(
                (p for p in getattr(cell, "geoms", []) if p.covers(seed)), max(cell.geoms, key=lambda p: p.area)
            )
        out.append(cell.buffer(0))
    return out


def _spread(area: BaseGeometry, count: int, rng: random.Random) -> list[Point]:
    """`count` points spread inside `area`: the best of a few random candidates farthest from
    those already placed (a simple Mitchell's best-candidate sampler)."""
    minx, miny, maxx, maxy = area.bounds
    points: list[Point] = [area.representative_point()]
    while len(points) < count:
        best, best_d = None, -1.0
        for _ in range(30):
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if not area.contains(p):
                continue
            d = min(p.distance(q) for q in points)
            if d > best_d:
                best, best_d = p, d
        if best is not None:
            points.append(best)
    return points


def street_areas(spec: dict) -> dict[str, BaseGeometry]:
    """WGS-84 polygon per street code: the district cut around each street's position."""
    root = _root()
    outline = json.loads((root / spec["outline"]).read_text(encoding="utf-8"))
    district = geo.geometry_of(geo.transform_geojson(outline, crs=geo.GCJ02)).buffer(0)
    if district.geom_type == "MultiPolygon":
        district = max(district.geoms, key=lambda p: p.area)
    markers = yaml.safe_load((root / spec["street_positions"]).read_text(encoding="utf-8"))["markers"]
    codes, seeds = [], []
    for code, (lng, lat) in markers.items():
        w_lat, w_lng = geo.gcj02_to_wgs84(float(lat), float(lng))
        codes.append(str(code))
        seeds.append(Point(w_lng, w_lat))
    return dict(zip(codes, _cells(district, seeds), strict=True))


def _allocate(areas: dict[str, BaseGeometry], total: int) -> dict[str, int]:
    """At least one grid per street; the rest to the largest areas (largest remainder by area)."""
    base = {code: 1 for code in areas}
    spare = total - len(areas)
    whole = sum(a.area for a in areas.values())
    shares = {code: spare * a.area / whole for code, a in areas.items()}
    for code, share in shares.items():
        base[code] += int(share)
    left = total - sum(base.values())
    for code in sorted(shares, key=lambda c: shares[c] - int(shares[c]), reverse=True)[:left]:
        base[code] += 1
    return base


def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(code: str, name: str, geometry: BaseGeometry, street: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "street_code": street},
        "geometry": _rounded(geometry),
    }


def load_demo_grids(*, spec_path: Path | None = None, with_workers: bool = True) -> DemoResult:
    spec = yaml.safe_load((spec_path or _root() / SPEC).read_text(encoding="utf-8"))
    rng = random.Random(spec.get("seed", 17))
    areas = street_areas(spec)
    units = {u.code: u for u in Unit.objects.filter(kind__in=LOCAL_KINDS)}
    areas = {code: a for code, a in areas.items() if code in units}
    layers = grids = 0
    loaded = []

    community = spec.get("community_layers") or {}
    if community:
        by_street: dict[str, list[dict]] = {}
        with (_root() / community["communities_csv"]).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                by_street.setdefault(row["street_code"], []).append(row)
        prefix = community.get("code_prefix", "SQ")
        for street_code, rows in sorted(by_street.items()):
            if street_code not in areas:
                continue
            area = areas[street_code]
            cells = _cells(area, _spread(area, len(rows), rng))
            features = [
                _feature(f"{prefix}{row['code']}", f"{row['name']}社区网格", cell, street_code)
                for row, cell in zip(rows, cells, strict=True)
            ]
            street = units[street_code]
            result = services.load_layer(
                spec=_fc(features),
                layer_code=f"{prefix}-{street_code}",
                layer_name=f"{street.short_name or street.name}社区网格（推算）",
                owner=street,
                kind=GridLayerKind.COMMUNITY,
                crs=geo.WGS84,
                is_derived=True,
                source=SOURCE,
            )
            layers += 1
            grids += result.created + result.updated
            loaded.append(result.layer)

    for dept in spec.get("department_layers") or []:
        counts = _allocate(areas, int(dept["count"]))
        features, n = [], 0
        for street_code in sorted(areas):
            area = areas[street_code]
            cells = _cells(area, _spread(area, counts[street_code], rng))
            street = units[street_code]
            for cell in cells:
                n += 1
                name = dept["grid_name"].format(n=n, street=street.short_name or street.name)
                features.append(_feature(f"{dept['grid_prefix']}{n:02d}", name, cell, street_code))
        result = services.load_layer(
            spec=_fc(features),
            layer_code=dept["code"],
            layer_name=dept["name"],
            owner=dept["owner"],
            kind=GridLayerKind.DEPARTMENT,
            crs=geo.WGS84,
            is_derived=True,
            source=SOURCE,
        )
        layers += 1
        grids += result.created + result.updated
        loaded.append(result.layer)

    aliases = []
    if with_workers:
        aliases = _demo_workers(spec=spec.get("workers") or {}, layers=loaded)
        _demo_orders(spec=spec, rng=rng)
    return DemoResult(layers=layers, grids=grids, workers=aliases)


def _demo_orders(*, spec: dict, rng: random.Random) -> int:
    """Hotline orders (演示) inside the aliases' grids; the first goes to 先行核实. Idempotent by
    client_ref."""
    from shapely.geometry import shape

    from jiesu.org.models import Grid
    from jiesu.workorders import services as orders

    wanted = spec.get("demo_orders") or {}
    made = 0
    first = None
    for code in (spec.get("workers") or {}).get("aliases", {}).values():
        grid = Grid.objects.filter(code=code).first()
        if grid is None:
            continue
        area = shape(grid.boundary)
        for n, text in enumerate(wanted.get("texts", [])[: int(wanted.get("per_grid", 0))]):
            point = _spread(area, 1, rng)[0] if n == 0 else _point_in(area, rng)
            lat, lng = geo.wgs84_to_gcj02(point.y, point.x)
            order, created = orders.create_order(
                user=None,
                content=f"（演示）{text}",
                lat=lat,
                lng=lng,
                address=f"{grid.name}附近",
                client_ref=f"grid-demo-{code}-{n}",
            )
            made += created
            first = first or (order if created else None)
    if first is not None:
        orders.request_verification(user=None, order_id=first.pk)
    return made


def _point_in(area: BaseGeometry, rng: random.Random) -> Point:
    minx, miny, maxx, maxy = area.bounds
    while True:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if area.contains(p):
            return p


def _demo_workers(*, spec: dict, layers) -> list[tuple[str, str]]:
    """One 网格员 per grid (wg_<grid code>), assigned to it; aliases log in as the same role."""
    from jiesu.grids.selectors import assignment_at
    from jiesu.org.models import Grid
    from jiesu.org.services import create_user

    password = spec.get("password", "jiesu2026")
    hashed = make_password(password)
    alias_of = {grid: name for name, grid in (spec.get("aliases") or {}).items()}
    out = []
    for grid in Grid.objects.filter(layer__in=layers).select_related("layer__owner", "street"):
        username = alias_of.get(grid.code) or f"wg_{grid.code.lower()}"
        worker = create_user(
            username=username,
            password=password,
            password_hash=hashed,
            role=Role.GRID_WORKER,
            unit=grid.layer.owner,
            display_name=f"{grid.name}网格员",
        )
        current = assignment_at(grid_id=grid.pk)
        if current is None or current.worker_id != worker.pk:
            services.assign(user=None, grid=grid, worker=worker, note="演示数据")
        if grid.code in alias_of:
            out.append((username, grid.name))
    return out
