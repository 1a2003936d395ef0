"""Leaflet maps in real headless Chromium under the production CSP (no bypass): the order page
draws the district, street and grid layers and the order's point, with no CSP violation or script
error; the dispatcher sends the order to the grid worker to verify (先行核实) from its grid box."""

import pytest
from playwright.sync_api import expect

from jiesu.common.testing.browser import _shot, login
from jiesu.grids.tests.helpers import make_grid, make_worker, order_datum
from jiesu.workorders import services as orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_order_page_map_and_verification_under_csp(new_page, units, users):
    grid = make_grid()
    worker = make_worker(units, grid)
    lat, lng = order_datum(39.861, 116.291)
    order, _ = orders.create_order(user=users["agent"], content="路灯不亮", lat=lat, lng=lng)

    page = new_page(1280, bypass_csp=False)
    problems = []
    # Chromium asks for /favicon.ico by itself; the site has none.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and "favicon.ico" not in m.location.get("url", "") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, "dispatcher")

    page.goto(f"/orders/{order.pk}/")
    page.wait_for_selector(".lmap[data-ready='1']")
    # District outline, 26 street points, the grid and the order's point are drawn as SVG paths.
    assert page.locator(".lmap path.leaflet-interactive").count() >= 1 + 26 + 1 + 1
    expect(page.locator("#grid-box")).to_contain_text("网格S1")
    page.screenshot(path=str(_shot("order-map")), full_page=False)
    page.click("#request-verification")
    expect(page.locator("#grid-box")).to_contain_text(f"已派网格员{worker}先行核实")
    order.refresh_from_db()
    assert order.pending_verification["worker"] == worker.pk

    for path in ("/console/", "/citizen/"):
        page.goto(path)
        page.wait_for_selector(".lmap[data-ready='1']", state="attached")
    assert problems == []


def test_dashboard_map_shades_grids_by_volume(new_page, units, users):
    import random

    from django.core.management import call_command
    from shapely.geometry import Point, shape

    from jiesu.common import geo
    from jiesu.grids.demo import load_demo_grids
    from jiesu.org.models import Grid

    call_command("load_assessment_rules", verbosity=0)
    load_demo_grids(with_workers=False)
    rng = random.Random(3)
    grids = list(Grid.objects.filter(layer__code="CG-ZF"))
    for n in range(60):
        area = shape(rng.choice(grids[:12]).boundary)  # a few busy grids
        point = area.representative_point() if n % 2 else Point(area.centroid.x, area.centroid.y)
        lat, lng = geo.wgs84_to_gcj02(point.y, point.x)
        orders.create_order(user=users["agent"], content=f"诉求{n}", lat=lat, lng=lng)

    page = new_page(1280, bypass_csp=False)
    login(page, "district_leader")
    from django.utils import timezone

    page.goto(f"/reports/dashboard/?month={timezone.localdate():%Y-%m}")
    page.wait_for_selector(".lmap[data-ready='1']")
    expect(page.locator("#grids-section")).to_contain_text("城管执法")
    shaded = page.locator(".lmap path[fill='#7f2704'], .lmap path[fill='#d94801']")
    assert shaded.count() >= 1
    page.locator(".lmap").scroll_into_view_if_needed()
    page.locator(".lmap").screenshot(path=str(_shot("dashboard-grids")))
