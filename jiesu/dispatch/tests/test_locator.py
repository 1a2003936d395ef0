"""Locator: GCJ-02 conversion, addresses through the gazetteer, points through loaded boundaries."""

import json

import pytest

from jiesu.common import geo
from jiesu.dispatch.locator import cache, locate
from jiesu.dispatch.services import load_boundaries
from jiesu.org.models import Community, Grid

# Published test vector of the GCJ-02 algorithm (eviltransform test suite, Beijing): WGS-84 → GCJ-02.
WGS_BEIJING = (39.911954, 116.377817)
GCJ_BEIJING = (39.91334545536069, 116.38404722455657)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_wgs84_to_gcj02_matches_published_vector():
    lat, lng = geo.wgs84_to_gcj02(*WGS_BEIJING)
    assert lat == pytest.approx(GCJ_BEIJING[0], abs=1e-9)
    assert lng == pytest.approx(GCJ_BEIJING[1], abs=1e-9)


def test_gcj02_to_wgs84_inverts_to_centimetres():
    lat, lng = geo.gcj02_to_wgs84(*GCJ_BEIJING)
    # 1e-7 degrees ≈ 1 cm
    assert lat == pytest.approx(WGS_BEIJING[0], abs=1e-7)
    assert lng == pytest.approx(WGS_BEIJING[1], abs=1e-7)
    # The offset in Beijing is a few hundred metres, so skipping the conversion would matter.
    assert abs(lng - GCJ_BEIJING[1]) > 0.005


def test_outside_china_is_unchanged():
    assert geo.gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)


@pytest.mark.parametrize(
    ("address", "street"),
    [
        ("北京市丰台区芳群园三区12号楼", "方庄街道"),
        ("丰台区青塔蔚园小区门口", "青塔街道"),
        ("新发地农产品批发市场东门", "花乡街道"),
        ("马家堡西路角门东里3号院", "马家堡街道"),
        ("长辛店大街老镇菜市场", "长辛店街道"),
        ("方庄芳城园1区", "方庄街道"),  # Arabic numeral in 1区
    ],
)
def test_known_addresses(reference, address, street):
    found = locate(address=address)
    assert found.street_name == street
    assert found.method == "gazetteer"
    assert found.confidence >= 0.6
    assert found.explanation


def test_fuzzy_match_on_a_typo(reference):
    found = locate(address="丰台区芳群圆三区6号楼")  # 芳群园 written 芳群圆
    assert found.street_name == "方庄街道"
    assert found.method == "fuzzy"


def test_unknown_instead_of_a_guess(reference):
    assert locate(address="朝阳区望京SOHO").method == "unknown"
    ambiguous = locate(address="南三环西路辅路")  # runs through several streets
    assert ambiguous.method == "unknown" and not ambiguous.known
    assert len(ambiguous.candidates) >= 2
    assert "不作猜测" in ambiguous.explanation
    assert locate(address="").method == "unknown"


def test_database_community_feeds_the_gazetteer(reference, units):
    Community.objects.create(code="C-TEST-1", name="彩虹新苑", street=units["110106005"])
    found = locate(address="彩虹新苑7号楼")
    assert found.street_name == "南苑街道"
    assert found.community_id is not None


# A 0.01° square around a point of 方庄 (WGS-84) as an operator-supplied GeoJSON file in GCJ-02.
FANGZHUANG_WGS = (39.8650, 116.4300)


def _square_gcj(lat, lng, half=0.005):
    ring = [(lat - half, lng - half), (lat - half, lng + half), (lat + half, lng + half), (lat + half, lng - half)]
    coords = [[*reversed(geo.wgs84_to_gcj02(a, b))] for a, b in ring]
    return [[*coords, coords[0]]]


def _feature(props, lat, lng, half=0.005):
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": _square_gcj(lat, lng, half)}}


def test_point_in_loaded_boundaries_with_gcj02_input(reference, units, tmp_path):
    grid = Grid.objects.create(code="G-FZ-01", name="方庄第一网格", street=units["110106013"])
    streets = tmp_path / "streets.geojson"
    streets.write_text(
        json.dumps({"type": "FeatureCollection", "features": [_feature({"name": "方庄街道"}, *FANGZHUANG_WGS, half=0.01)]}),
        encoding="utf-8",
    )
    grids = tmp_path / "grids.geojson"
    grids.write_text(
        json.dumps({"type": "FeatureCollection", "features": [_feature({"code": "G-FZ-01"}, *FANGZHUANG_WGS)]}),
        encoding="utf-8",
    )
    assert load_boundaries(path=streets, level="street", crs="gcj02").loaded == 1
    assert load_boundaries(path=grids, level="grid", crs="gcj02").loaded == 1

    gcj = geo.wgs84_to_gcj02(*FANGZHUANG_WGS)
    found = locate(lat=gcj[0], lng=gcj[1], crs="gcj02", address="芳古园")
    assert found.method == "boundary"
    assert found.street_name == "方庄街道" and found.grid_id == grid.pk
    assert found.wgs84 == pytest.approx(FANGZHUANG_WGS, abs=1e-6)

    # A point just outside the grid but inside the street polygon: street yes, grid no.
    outside_grid = geo.wgs84_to_gcj02(FANGZHUANG_WGS[0] - 0.008, FANGZHUANG_WGS[1])
    found = locate(lat=outside_grid[0], lng=outside_grid[1], crs="gcj02")
    assert found.street_name == "方庄街道" and found.grid_id is None


def test_point_without_boundaries_falls_back_to_address(reference):
    gcj = geo.wgs84_to_gcj02(*FANGZHUANG_WGS)
    found = locate(lat=gcj[0], lng=gcj[1], crs="gcj02", address="芳星园二区")
    assert found.method == "gazetteer" and found.street_name == "方庄街道"
    assert found.in_district is True
    assert "未加载" in found.explanation


def test_point_outside_the_district_is_flagged(reference):
    found = locate(lat=39.99, lng=116.48, crs="wgs84", address="")  # 朝阳区
    assert found.in_district is False and not found.known


def test_gazetteer_communities_agree_with_the_official_list():
    """Every street whose official community list is committed (data/org/fengtai_communities_official.csv):
    the gazetteer lists only official communities there, and no official one under another street."""
    import csv
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[3]
    spec = yaml.safe_load((root / "data" / "dispatch" / "gazetteer.yaml").read_text(encoding="utf-8"))
    with (root / "data" / "org" / "fengtai_communities_official.csv").open(encoding="utf-8") as fh:
        official = list(csv.DictReader(fh))
    by_street: dict[str, set[str]] = {}
    for row in official:
        assert row["code"].startswith(row["street_code"]) and len(row["code"]) == 12
        by_street.setdefault(row["street_code"], set()).add(row["name"])
    for code, entry in spec["streets"].items():
        names = set(entry.get("communities", []))
        if code in by_street:
            assert names <= by_street[code], f"{code}: not official {names - by_street[code]}"
        for street, official_names in by_street.items():
            if street != code:
                assert not names & official_names, f"{code} lists {names & official_names} of {street}"
