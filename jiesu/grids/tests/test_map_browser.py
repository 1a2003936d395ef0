"""Leaflet maps in real headless Chromium under the production CSP (no bypass): the order page
draws the district, street and grid layers and the order's point, with no CSP violation or script
error; the dispatcher sends the order to the grid worker to verify (先行核实) from its grid box."""

import pytest
from playwright.sync_api import expect

from jiesu.grids.tests.helpers import make_grid, make_worker, order_datum
from jiesu.grids.tests.test_browser import _shot, browser  # noqa: F401  (fixture)
from jiesu.workorders import services as orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_order_page_map_and_verification_under_csp(browser, live_server, units, users):  # noqa: F811
    grid = make_grid()
    worker = make_worker(units, grid)
    lat, lng = order_datum(39.861, 116.291)
    order, _ = orders.create_order(user=users["agent"], content="路灯不亮", lat=lat, lng=lng)

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    # Chromium asks for /favicon.ico by itself; the site has none.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and "favicon.ico" not in m.location.get("url", "") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/login/")
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", "pw-test-123")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

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
    context.close()
