"""The map layers every page draws (district, streets, grids), as GeoJSON in the tiles' datum
(settings.JIESU_MAP_TILE_CRS). Streets are polygons when an operator loaded them, else points at
their approximate positions (data); derived grids say so in their properties."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.conf import settings

from jiesu.common import geo
from jiesu.org.models import LOCAL_KINDS, Grid, Unit, UnitKind

DEMO_SPEC = "data/grids/demo.yaml"


def datum() -> str:
    value = getattr(settings, "JIESU_MAP_TILE_CRS", geo.WGS84)
    return value if value in geo.CRS_CHOICES else geo.WGS84


def to_map(geometry: dict) -> dict:
    """A WGS-84 GeoJSON geometry in the map's datum."""
    return geo.transform_geojson(geometry, crs=geo.WGS84, to=datum())


def point_to_map(*, lat: float, lng: float) -> tuple[float, float]:
    return (lat, lng) if datum() == geo.WGS84 else geo.wgs84_to_gcj02(lat, lng)


def _feature(geometry: dict, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": to_map(geometry)}


def _spec() -> dict:
    return yaml.safe_load((Path(settings.BASE_DIR) / DEMO_SPEC).read_text(encoding="utf-8"))


def district() -> dict:
    stored = Unit.objects.filter(kind=UnitKind.DISTRICT).exclude(boundary=None).values_list("boundary", flat=True)
    if stored:
        boundary = stored[0]
    else:
        outline = json.loads((Path(settings.BASE_DIR) / _spec()["outline"]).read_text(encoding="utf-8"))
        boundary = geo.transform_geojson(outline, crs=geo.GCJ02)
    geometry = geo.geometry_of(boundary)
    from shapely.geometry import mapping

    return {"type": "FeatureCollection", "features": [_feature(mapping(geometry), name="区界")]}


def streets() -> dict:
    units = list(Unit.objects.filter(kind__in=LOCAL_KINDS, is_active=True).order_by("code"))
    features = [_feature(u.boundary, code=u.code, name=u.name) for u in units if u.boundary]
    if not features:
        markers = yaml.safe_load((Path(settings.BASE_DIR) / _spec()["street_positions"]).read_text(encoding="utf-8"))
        names = {u.code: u.short_name or u.name for u in units}
        for code, (lng, lat) in markers["markers"].items():
            if str(code) in names:
                w_lat, w_lng = geo.gcj02_to_wgs84(float(lat), float(lng))
                point = {"type": "Point", "coordinates": [w_lng, w_lat]}
                features.append(_feature(point, code=str(code), name=names[str(code)], approximate=True))
    return {"type": "FeatureCollection", "features": features}


def grid_layers() -> list[dict]:
    out: dict[int, dict] = {}
    rows = Grid.objects.exclude(boundary=None).select_related("layer").order_by("layer__code", "code")
    for grid in rows:
        key = grid.layer_id or 0
        if key not in out:
            name = grid.layer.name if grid.layer else "网格"
            out[key] = {"code": grid.layer.code if grid.layer else "", "name": name, "features": []}
        out[key]["features"].append(_feature(grid.boundary, code=grid.code, name=grid.name, derived=grid.is_derived))
    return [
        {"code": v["code"], "name": v["name"], "geojson": {"type": "FeatureCollection", "features": v["features"]}}
        for v in out.values()
    ]


def all_layers() -> dict:
    return {
        "datum": datum(),
        "tiles": {"url": settings.JIESU_MAP_TILE_URL, "attribution": settings.JIESU_MAP_TILE_ATTRIBUTION},
        "district": district(),
        "streets": streets(),
        "grids": grid_layers(),
    }
