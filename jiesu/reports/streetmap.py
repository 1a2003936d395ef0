"""The street score map. Street polygons are not public, so by default the map is the district
outline with each street/town as a coloured marker at an approximate position
(data/street_markers.yaml); when an operator has loaded Unit.boundary for every street shown, the
real polygons are filled instead. The caption always says which of the two the reader sees.

Everything is drawn in WGS-84, the system's one coordinate system (Unit.boundary is stored in it): the
simplified outline and the marker positions are kept in GCJ-02 as published and converted on load."""

import json
import math
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

import yaml
from shapely.geometry import shape

from jiesu.common.geo import GCJ02, gcj02_to_wgs84, transform_geojson
from jiesu.reports.charts import NO_DATA, SCORE_CLASSES, _svg, _text, class_breaks, score_class

DATA = Path(__file__).resolve().parent / "data"
MODE_POLYGONS = "polygons"
MODE_MARKERS = "markers"
CAPTIONS = {
    MODE_POLYGONS: "按已加载的街镇边界着色",
    MODE_MARKERS: "示意图：街镇边界未加载，圆点为街镇近似位置（非行政边界），圆内数字为综合得分排名",
}


@dataclass(frozen=True)
class MapStreet:
    code: str
    name: str
    score: float | None
    rank: int | None
    boundary: dict | None = None


@cache
def district_outline() -> dict:
    """丰台区 outline (simplified, 190 vertices, from ../shared/data/fengtai_geo), in WGS-84."""
    geometry = json.loads((DATA / "fengtai_outline.geojson").read_text(encoding="utf-8"))["features"][0]["geometry"]
    return transform_geojson(geometry, crs=GCJ02)


@cache
def marker_positions() -> dict[str, tuple[float, float]]:
    spec = yaml.safe_load((DATA / "street_markers.yaml").read_text(encoding="utf-8"))
    out = {}
    for code, (lng, lat) in spec["markers"].items():
        w_lat, w_lng = gcj02_to_wgs84(float(lat), float(lng))
        out[str(code)] = (w_lng, w_lat)
    return out


def _geometry(boundary: dict | None):
    if not boundary:
        return None
    geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    try:
        return shape(geometry)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def map_mode(streets: list[MapStreet]) -> str:
    return MODE_POLYGONS if streets and all(_geometry(s.boundary) for s in streets) else MODE_MARKERS


def positions(streets: list[MapStreet]) -> dict[str, tuple[float, float]]:
    """A point per street: the polygon's inner point when loaded, else the marker position."""
    markers = marker_positions()
    out = {}
    for s in streets:
        geometry = _geometry(s.boundary)
        if geometry is not None:
            point = geometry.representative_point()
            out[s.code] = (point.x, point.y)
        elif s.code in markers:
            out[s.code] = markers[s.code]
    return out


class _Projection:
    """Equirectangular, scaled by cos(latitude) so the district keeps its shape."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int, height: int, pad: int):
        minx, miny, maxx, maxy = bounds
        self.minx, self.maxy = minx, maxy
        self.kx = math.cos(math.radians((miny + maxy) / 2))
        span_x, span_y = (maxx - minx) * self.kx, maxy - miny
        self.scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        self.ox = pad + ((width - 2 * pad) - span_x * self.scale) / 2
        self.oy = pad + ((height - 2 * pad) - span_y * self.scale) / 2

    def __call__(self, lng: float, lat: float) -> tuple[float, float]:
        return self.ox + (lng - self.minx) * self.kx * self.scale, self.oy + (self.maxy - lat) * self.scale

    def path(self, geometry) -> str:
        polygons = getattr(geometry, "geoms", [geometry])
        parts = []
        for polygon in polygons:
            for ring in [polygon.exterior, *polygon.interiors]:
                points = [self(x, y) for x, y in ring.coords]
                parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z")
        return " ".join(parts)


def score_map_svg(*, title: str, streets: list[MapStreet], width: int = 680, height: int = 430) -> tuple[str, str]:
    """(svg, mode). Colours: five equal classes between the month's lowest and highest score."""
    mode = map_mode(streets)
    outline = shape(district_outline())
    project = _Projection(outline.bounds, width, height - 70, 16)
    breaks = class_breaks([s.score for s in streets if s.score is not None])
    body = [
        _text(width / 2, 18, title, size=14, anchor="middle", fill="#111827", bold=True),
        '<g transform="translate(0,24)">',
    ]
    body.append(f'<path d="{project.path(outline)}" fill="#f9fafb" stroke="#6b7280" stroke-width="1.2"/>')
    if mode == MODE_POLYGONS:
        for s in streets:
            colour = score_class(s.score, breaks=breaks)
            body.append(
                f'<path d="{project.path(_geometry(s.boundary))}" fill="{colour}" fill-opacity="0.85" '
                f'stroke="#ffffff" stroke-width="0.8"><title>{escape(s.name)}</title></path>'
            )
    points = positions(streets)
    for s in sorted(streets, key=lambda s: -(points.get(s.code, (0, 0))[1])):  # north first, south on top
        if s.code not in points:
            continue
        x, y = project(*points[s.code])
        colour = score_class(s.score, breaks=breaks)
        short = s.name.removesuffix("街道") or s.name
        if mode == MODE_MARKERS:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}" stroke="#ffffff" stroke-width="1.2"/>'
            )
            if s.rank is not None:
                body.append(_text(x, y + 3.5, str(s.rank), size=9, anchor="middle", fill="#111827", bold=True))
            body.append(_text(x, y + 19, short, size=8.5, anchor="middle", fill="#1f2937"))
        else:
            body.append(_text(x, y + 3, short, size=8.5, anchor="middle", fill="#111827"))
    body.append("</g>")
    body += _legend(breaks, y=height - 40, width=width)
    body.append(_text(width / 2, height - 6, CAPTIONS[mode], size=9.5, anchor="middle", fill="#6b7280"))
    return _svg(width, height, body, title), mode


def _legend(breaks: list[float], *, y: float, width: int) -> list[str]:
    edges = [None, *breaks, None]
    labels = []
    for k in range(5):
        low, high = edges[k], edges[k + 1]
        labels.append(f"< {high:.1f}" if low is None else f"≥ {low:.1f}" if high is None else f"{low:.1f}–{high:.1f}")
    box, gap = 14, 110
    x0 = (width - gap * 6) / 2
    out = [_text(x0, y + 11, "综合得分", size=10, fill="#374151")]
    for k, (colour, label) in enumerate(zip(SCORE_CLASSES, labels, strict=True)):
        x = x0 + gap * (k + 0.6)
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{box}" height="{box}" fill="{colour}"/>')
        out.append(_text(x + box + 4, y + 11, label, size=9.5))
    x = x0 + gap * 5.6
    out.append(f'<rect x="{x:.1f}" y="{y}" width="{box}" height="{box}" fill="{NO_DATA}"/>')
    out.append(_text(x + box + 4, y + 11, "无数据", size=9.5))
    return out
