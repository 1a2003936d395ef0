"""The hand-built SVG charts and the street map's two modes (markers / loaded polygons)."""

import math
import xml.etree.ElementTree as ET

import pytest
from shapely.geometry import Point

from jiesu.reports import charts
from jiesu.reports.streetmap import MODE_MARKERS, MODE_POLYGONS, MapStreet, marker_positions, score_map_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_nice_ticks_are_round_and_respect_limits():
    assert charts._nice_ticks([68.7, 92.3], floor=None, ceil=100) == [60, 70, 80, 90, 100]
    assert charts._nice_ticks([81, 112], floor=0, ceil=None) == [0, 50, 100, 150]


def test_line_chart_breaks_at_missing_months_and_labels_last_value():
    svg = charts.line_chart(
        title="走势", labels=["1月", "2月", "3月", "4月"], series=[charts.Series("满意率", [90.0, None, 92.0, 95.5])]
    )
    root = ET.fromstring(svg)
    assert len(root.findall(f".//{SVG}polyline")) == 2  # [1月] and [3月, 4月]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "95.5" in texts and "走势" in texts


def test_empty_charts_say_so():
    assert "暂无数据" in charts.bar_chart(title="类别", items=[])
    assert "暂无数据" in charts.line_chart(title="走势", labels=[], series=[])


def test_score_classes_run_from_red_to_green():
    breaks = charts.class_breaks([50.0, 100.0])
    assert breaks == [60.0, 70.0, 80.0, 90.0]
    assert charts.score_class(50.0, breaks=breaks) == charts.SCORE_CLASSES[0]
    assert charts.score_class(100.0, breaks=breaks) == charts.SCORE_CLASSES[-1]
    assert charts.score_class(None, breaks=breaks) == charts.NO_DATA


def _streets(with_boundaries: bool) -> list[MapStreet]:
    rows = []
    for n, (code, (lng, lat)) in enumerate(sorted(marker_positions().items())):
        square = {
            "type": "Polygon",
            "coordinates": [[[lng - 0.01, lat - 0.01], [lng + 0.01, lat - 0.01], [lng + 0.01, lat + 0.01],
                             [lng - 0.01, lat + 0.01], [lng - 0.01, lat - 0.01]]],
        }  # fmt: skip
        rows.append(MapStreet(code, f"街镇{n}", 70.0 + n, n + 1, square if with_boundaries else None))
    return rows


def test_map_draws_markers_without_boundaries_and_says_so():
    svg, mode = score_map_svg(title="得分分布", streets=_streets(False))
    assert mode == MODE_MARKERS
    root = ET.fromstring(svg)
    assert len(root.findall(f".//{SVG}circle")) == 26
    assert any("非行政边界" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_map_fills_loaded_polygons():
    streets = _streets(True)
    svg, mode = score_map_svg(title="得分分布", streets=streets)
    assert mode == MODE_POLYGONS
    root = ET.fromstring(svg)
    fills = {p.get("fill") for p in root.findall(f".//{SVG}path")}
    assert set(charts.SCORE_CLASSES) <= fills  # 26 scores over five classes
    assert not root.findall(f".//{SVG}circle")
    # One street without a boundary → back to the marker schematic for all.
    streets[0] = MapStreet(streets[0].code, streets[0].name, 70.0, 1, None)
    assert score_map_svg(title="得分分布", streets=streets)[1] == MODE_MARKERS


@pytest.mark.django_db
def test_map_outline_is_in_the_same_coordinates_as_stored_boundaries(reference):
    """The simplified outline is drawn in WGS-84 like Unit.boundary: its centroid sits on the stored
    (full-resolution, converted) district outline's, not a GCJ-02 offset (~500 m) away."""
    from shapely.geometry import shape

    from jiesu.common.geo import geometry_of
    from jiesu.org.models import Unit, UnitKind
    from jiesu.reports.streetmap import district_outline

    stored = geometry_of(Unit.objects.get(kind=UnitKind.DISTRICT).boundary).centroid
    drawn = shape(district_outline()).centroid
    metres = math.hypot((drawn.x - stored.x) * 85_000, (drawn.y - stored.y) * 111_000)
    assert metres < 100
    assert all(shape(district_outline()).contains(Point(lng, lat)) for lng, lat in marker_positions().values())
