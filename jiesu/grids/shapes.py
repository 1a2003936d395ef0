"""Operator GeoJSON → checked WGS-84 polygons. Every feature is checked before anything is stored:
closed rings, a valid area, inside Beijing. The checks speak Chinese because operators read them."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from jiesu.common import geo
from jiesu.common.errors import InvalidInput


@dataclass(frozen=True)
class Feature:
    code: str
    name: str
    geometry: dict  # GeoJSON geometry, WGS-84
    area: BaseGeometry
    properties: dict


def in_beijing(*, lat: float, lng: float) -> bool:
    """A WGS-84 point inside the region (settings.JIESU_REGION_OUTLINE: Beijing)."""
    return geo.in_region(lat=lat, lng=lng)


def require_in_beijing(*, lat: float, lng: float, what: str = "位置") -> None:
    geo.require_in_region(lat=lat, lng=lng, what=what)


def _rings(geometry: dict) -> list[list]:
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return list(coords or [])
    if kind == "MultiPolygon":
        return [ring for polygon in coords or [] for ring in polygon]
    return []


def _label(index: int, props: dict, code: str, name: str) -> str:
    return f"第{index}个要素「{name or code or '无名称'}」"


def check_geometry(geometry: dict, *, crs: str, label: str) -> tuple[dict, BaseGeometry]:
    """One polygon checked and converted to WGS-84, or InvalidInput naming `label`."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"{label}不是面（需要 Polygon 或 MultiPolygon）", code="invalid_geometry")
    rings = _rings(geometry)
    if not rings:
        raise InvalidInput(f"{label}没有坐标", code="invalid_geometry")
    for ring in rings:
        try:
            points = [(float(p[0]), float(p[1])) for p in ring]
        except (TypeError, ValueError, IndexError) as exc:
            raise InvalidInput(f"{label}的坐标格式不正确", code="invalid_geometry") from exc
        if len(points) < 4:
            raise InvalidInput(f"{label}的边界少于3个顶点", code="invalid_geometry")
        if points[0] != points[-1]:
            raise InvalidInput(
                f"{label}的多边形未闭合：首个坐标 {points[0]} 与末个坐标 {points[-1]} 不同，未导入任何网格",
                code="polygon_not_closed",
            )
    try:
        converted = geo.transform_geojson(geometry, crs=crs)
        area = shape(converted)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{label}的几何无效：{exc}", code="invalid_geometry") from exc
    if area.is_empty or not area.is_valid:
        raise InvalidInput(f"{label}的多边形自相交或无效，请在 GIS 软件中修复后再导入", code="invalid_geometry")
    if not geo.region().covers(area):
        polygons = [area] if area.geom_type == "Polygon" else list(area.geoms)
        lng, lat = next(
            (p for g in polygons for p in g.exterior.coords if not in_beijing(lat=p[1], lng=p[0])),
            (area.centroid.x, area.centroid.y),
        )
        raise InvalidInput(
            f"{label}有顶点（纬度 {lat:.5f}，经度 {lng:.5f}）不在北京市范围内，请检查坐标系或经纬度顺序，未导入任何网格",
            code="location_outside_beijing",
        )
    return converted, area


def read_features(
    spec: dict,
    *,
    crs: str,
    code_property: str = "code",
    name_property: str = "name",
) -> list[Feature]:
    """Every feature of a FeatureCollection (or one Feature), checked; the first problem raises."""
    if crs not in geo.CRS_CHOICES:
        raise InvalidInput(f"未知坐标系：{crs}（可选 gcj02、wgs84）", code="invalid_crs")
    if not isinstance(spec, dict):
        raise InvalidInput("GeoJSON 内容不是对象", code="invalid_geojson")
    features = spec.get("features") if spec.get("type") == "FeatureCollection" else [spec]
    if not features:
        raise InvalidInput("GeoJSON 中没有要素", code="invalid_geojson")
    out: list[Feature] = []
    seen: set[str] = set()
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidInput(f"第{index}个要素不是 GeoJSON Feature", code="invalid_geojson")
        props = feature.get("properties") or {}
        code = str(props.get(code_property) or "").strip()
        name = str(props.get(name_property) or "").strip()
        label = _label(index, props, code, name)
        if not code or not name:
            raise InvalidInput(f"{label}缺少编码（{code_property}）或名称（{name_property}）", code="invalid_geojson")
        if len(code) > 32 or len(name) > 64:
            raise InvalidInput(f"{label}的编码或名称过长（编码≤32字，名称≤64字）", code="invalid_geojson")
        if code in seen:
            raise InvalidInput(f"{label}的编码 {code} 在文件中重复", code="duplicate_code")
        seen.add(code)
        geometry, area = check_geometry(feature.get("geometry"), crs=crs, label=label)
        out.append(Feature(code=code, name=name, geometry=geometry, area=area, properties=props))
    return out
