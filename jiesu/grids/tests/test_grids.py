import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from jiesu.common import geo
from jiesu.grids import lookup, selectors, services
from jiesu.grids.demo import load_demo_grids
from jiesu.grids.models import GridAssignment
from jiesu.org.models import Grid, GridLayer, Role, User
from jiesu.org.services import create_user

FENGTAI = "110106009"


def square(lng, lat, d=0.01, closed=True):
    ring = [[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d]]
    if closed:
        ring.append([lng, lat])
    return {"type": "Polygon", "coordinates": [ring]}


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def feature(code, name, geometry, **props):
    return {"type": "Feature", "properties": {"code": code, "name": name, **props}, "geometry": geometry}


def load(spec, **kw):
    return services.load_layer(
        spec=spec,
        layer_code=kw.pop("layer", "T-1"),
        layer_name="测试图层",
        owner=kw.pop("owner", FENGTAI),
        kind=kw.pop("kind", "community"),
        crs=kw.pop("crs", geo.WGS84),
        **kw,
    )


@pytest.fixture
def demo(units):
    return load_demo_grids()


def test_demo_layers_are_derived_and_cover_the_district(demo):
    """18 community grids for 丰台街道 (its official list) and 54 城管执法 grids, all marked derived;
    the 54 tile the district: every street's position lies in exactly one of them."""
    assert GridLayer.objects.filter(code="CG-ZF").get().owner.code == "110106-D22"
    cg = Grid.objects.filter(layer__code="CG-ZF")
    assert cg.count() == 54
    assert Grid.objects.filter(layer__code=f"SQ-{FENGTAI}").count() == 18
    assert not Grid.objects.filter(is_derived=False).exists()
    assert set(cg.values_list("street__code", flat=True)) >= {FENGTAI, "110106013"}
    lat, lng = geo.gcj02_to_wgs84(39.859, 116.285)  # 丰台街道's position
    hits = lookup.grids_at(lat=lat, lng=lng)
    layers = sorted(GridLayer.objects.get(pk=h.layer_id).code for h in hits)
    assert layers == ["CG-ZF", f"SQ-{FENGTAI}"]
    assert GridAssignment.objects.filter(ended_at__isnull=True, worker__role=Role.GRID_WORKER).count() == 72
    assert ("chengguan", "城管执法第01网格（" + Grid.objects.get(code="CG01").name.split("（")[1]) in demo.workers
    # Demo orders lie in the aliases' grids; the first waits for the community grid worker's 先行核实.
    from jiesu.workorders.models import WorkOrder

    wanggeyuan = User.objects.get(username="wanggeyuan")
    mine = selectors.orders_in_grids(grids=list(selectors.grids_of_worker(user=wanggeyuan)))
    assert len(mine) == 4 and WorkOrder.objects.filter(content__startswith="（演示）").count() == 8
    assert WorkOrder.objects.filter(pending_verification__worker=wanggeyuan.pk).count() == 1


def test_demo_load_is_repeatable(demo):
    from jiesu.workorders.models import WorkOrder

    again = load_demo_grids()
    assert WorkOrder.objects.count() == 8
    assert again.grids == 72
    assert Grid.objects.count() == 72
    assert GridAssignment.objects.filter(ended_at__isnull=True).count() == 72


def test_gcj02_file_is_converted_to_wgs84(units):
    gcj_lat, gcj_lng = geo.wgs84_to_gcj02(39.85, 116.30)
    load(fc(feature("G1", "网格一", square(gcj_lng, gcj_lat))), crs=geo.GCJ02)
    ring = Grid.objects.get(code="G1").boundary["coordinates"][0]
    assert ring[0] == pytest.approx([116.30, 39.85], abs=1e-6)


@pytest.mark.parametrize(
    ("geometry", "code", "words"),
    [
        (square(116.3, 39.85, closed=False), "polygon_not_closed", "未闭合"),
        (square(121.47, 31.23), "location_outside_beijing", "不在北京市范围内"),
        (square(39.85, 116.3), "location_outside_beijing", "不在北京市范围内"),  # lat/lng swapped
        ({"type": "Point", "coordinates": [116.3, 39.85]}, "invalid_geometry", "不是面"),
    ],
)
def test_a_bad_feature_refuses_the_whole_file(units, geometry, code, words):
    spec = fc(feature("OK1", "好网格", square(116.30, 39.85)), feature("BAD", "坏网格", geometry))
    with pytest.raises(Exception) as err:
        load(spec)
    assert err.value.code == code and words in err.value.message and "坏网格" in err.value.message
    assert not Grid.objects.exists() and not GridLayer.objects.exists()


def test_command_reports_chinese_error_and_stores_nothing(units, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(fc(feature("X", "未闭合网格", square(116.3, 39.85, closed=False)))), encoding="utf-8")
    with pytest.raises(CommandError, match="未闭合"):
        call_command("load_grids", str(path), layer="T", layer_name="测试", owner=FENGTAI, crs="wgs84")
    assert not Grid.objects.exists()


def test_department_layer_overlaps_community_layer(units):
    load(fc(feature("S1", "社区网格", square(116.30, 39.85))))
    load(fc(feature("C1", "执法网格", square(116.305, 39.855))), layer="CG", owner="110106-D22", kind="department")
    assert Grid.objects.get(code="C1").street is None
    hits = {h.code for h in lookup.grids_at(lat=39.857, lng=116.307)}
    assert hits == {"S1", "C1"}
    assert {h.code for h in lookup.grids_at(lat=39.851, lng=116.301)} == {"S1"}
    assert lookup.grids_at(lat=39.80, lng=116.20) == []
    # A community grid wins when a point has both.
    assert selectors.grid_at(lat=39.857, lng=116.307).code == "S1"


def test_assignment_keeps_history(units, users):
    load(fc(feature("S1", "社区网格", square(116.30, 39.85))))
    grid = Grid.objects.get(code="S1")
    a = create_user(username="wg_a", password="x", role=Role.GRID_WORKER, unit=units[FENGTAI])
    b = create_user(username="wg_b", password="x", role=Role.GRID_WORKER, unit=units[FENGTAI])
    first = services.assign(user=users["admin"], grid=grid, worker=a)
    services.assign(user=users["admin"], grid=grid, worker=b)
    assert selectors.assignment_at(grid_id=grid.pk).worker == b
    assert selectors.assignment_at(grid_id=grid.pk, at=first.started_at).worker == a
    assert [x.worker.username for x in selectors.history(grid_id=grid.pk)] == ["wg_b", "wg_a"]
    assert list(selectors.grids_of_worker(user=a)) == []
    with pytest.raises(Exception, match="不是网格员"):
        services.assign(user=users["admin"], grid=grid, worker=users["handler"])
    with pytest.raises(Exception, match="只有管理员"):
        services.assign(user=users["handler"], grid=grid, worker=a)


def test_api_lists_creates_and_looks_up(units, users):
    load(fc(feature("S1", "社区网格", square(116.30, 39.85))))
    client = APIClient()
    client.force_authenticate(users["dispatcher"])
    created = client.post(
        "/api/v1/grids",
        {"layer": "T-1", "code": "S2", "name": "第二网格", "boundary": square(116.32, 39.85), "crs": "wgs84"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["street"] == FENGTAI
    listed = client.get("/api/v1/grids", {"lat": 39.855, "lng": 116.325, "crs": "wgs84"}).json()
    assert [g["code"] for g in listed] == ["S2"]
    bad = client.post(
        "/api/v1/grids",
        {"layer": "T-1", "code": "S3", "name": "坏", "boundary": square(116.34, 39.85, closed=False)},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "polygon_not_closed"
    outside = client.get("/api/v1/grids", {"lat": 31.2, "lng": 121.4, "crs": "wgs84"})
    assert outside.status_code == 400 and "不在北京市范围内" in outside.json()["message"]
    client.force_authenticate(users["handler"])
    denied = client.post(
        "/api/v1/grids", {"layer": "T-1", "code": "S4", "name": "x", "boundary": square(116.36, 39.85)}, format="json"
    )
    assert denied.status_code == 403
    assert not Grid.objects.filter(code__in=["S3", "S4"]).exists()
