"""Coordinates: GCJ-02 ↔ WGS-84 and point-in-polygon tests on GeoJSON boundaries.

Chinese map apps (高德, 腾讯, Apple Maps in China) report GCJ-02 ("火星坐标"), an obfuscated datum a
few hundred metres off WGS-84. The platform keeps boundaries in WGS-84, so points are converted
before testing. The forward formula is the published GCJ-02 algorithm (as in the widely used
eviltransform implementations); the inverse has no closed form and is solved by fixed-point
iteration to about a centimetre."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

WGS84 = "wgs84"
GCJ02 = "gcj02"
CRS_CHOICES = (WGS84, GCJ02)

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its eccentricity squared


def out_of_china(lat: float, lng: float) -> bool:
    """GCJ-02 is defined only inside China's rough bounding box; outside it equals WGS-84."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng += common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if out_of_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _delta(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float, *, tolerance: float = 1e-9) -> tuple[float, float]:
    """Invert wgs84_to_gcj02 by iteration: start at the GCJ point, move by the residual."""
    if out_of_china(lat, lng):
        return lat, lng
    w_lat, w_lng = lat, lng
    for _ in range(30):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        e_lat, e_lng = g_lat - lat, g_lng - lng
        w_lat, w_lng = w_lat - e_lat, w_lng - e_lng
        if abs(e_lat) < tolerance and abs(e_lng) < tolerance:
            break
    return w_lat, w_lng


def to_wgs84(lat: float, lng: float, *, crs: str) -> tuple[float, float]:
    if crs == GCJ02:
        return gcj02_to_wgs84(lat, lng)
    if crs == WGS84:
        return lat, lng
    raise ValueError(f"未知坐标系：{crs}（可选 {', '.join(CRS_CHOICES)}）")


# ---------------------------------------------------------------- GeoJSON geometry


def geometry_of(geojson: dict) -> BaseGeometry:
    """A shapely geometry from a GeoJSON Geometry, Feature or FeatureCollection (union of features)."""
    kind = geojson.get("type")
    if kind == "FeatureCollection":
        parts = [geometry_of(f) for f in geojson.get("features", [])]
        if not parts:
            raise ValueError("GeoJSON 要素集合为空")
        geom = parts[0]
        for part in parts[1:]:
            geom = geom.union(part)
        return geom
    if kind == "Feature":
        return shape(geojson["geometry"])
    return shape(geojson)


def transform_geojson(geojson: dict, *, crs: str, to: str = WGS84) -> dict:
    """The same GeoJSON geometry with every position converted from `crs` to `to` (WGS-84 by
    default; WGS-84 → GCJ-02 for maps whose picked points must match what map apps send)."""
    if crs == to:
        return geojson
    if to == WGS84:
        point = lambda lat, lng: to_wgs84(lat, lng, crs=crs)  # noqa: E731
    elif (crs, to) == (WGS84, GCJ02):
        point = wgs84_to_gcj02
    else:
        raise ValueError(f"不支持从 {crs} 转换到 {to}")

    def convert(coords):
        if coords and isinstance(coords[0], (int, float)):
            lat, lng = point(coords[1], coords[0])
            return [lng, lat, *coords[2:]]
        return [convert(c) for c in coords]

    kind = geojson.get("type")
    if kind == "FeatureCollection":
        return {**geojson, "features": [transform_geojson(f, crs=crs, to=to) for f in geojson["features"]]}
    if kind == "Feature":
        return {**geojson, "geometry": transform_geojson(geojson["geometry"], crs=crs, to=to)}
    if kind == "GeometryCollection":
        return {**geojson, "geometries": [transform_geojson(g, crs=crs, to=to) for g in geojson["geometries"]]}
    return {**geojson, "coordinates": convert(geojson["coordinates"])}


def prepared(geojson: dict) -> PreparedGeometry:
    return prep(geometry_of(geojson))


def contains(area: PreparedGeometry, *, lat: float, lng: float) -> bool:
    return area.covers(Point(lng, lat))


# ---------------------------------------------------------------- the region (Beijing)

REGION_MARGIN_DEG = 0.02  # the outline is simplified; a phone's GPS near the border stays inside


@cache
def _region(path: str) -> PreparedGeometry:
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    return prep(geometry_of(transform_geojson(spec, crs=GCJ02)).buffer(REGION_MARGIN_DEG))


def region() -> PreparedGeometry:
    """settings.JIESU_REGION_OUTLINE (GCJ-02 as published) in WGS-84, with the margin."""
    from django.conf import settings

    return _region(str(settings.JIESU_REGION_OUTLINE))


def region_name() -> str:
    from django.conf import settings

    return getattr(settings, "JIESU_REGION_NAME", "本市")


def in_region(*, lat: float, lng: float) -> bool:
    """A WGS-84 point inside the region."""
    return -90 <= lat <= 90 and -180 <= lng <= 180 and contains(region(), lat=lat, lng=lng)


def require_in_region(*, lat: float, lng: float, what: str = "位置") -> None:
    from jiesu.common.errors import InvalidInput

    if not in_region(lat=lat, lng=lng):
        raise InvalidInput(
            f"{what}（纬度 {lat:.5f}，经度 {lng:.5f}）不在{region_name()}范围内，请检查定位或经纬度顺序",
            code="location_outside_beijing",
            details={"lat": lat, "lng": lng},
        )
