"""The citizen's map picker in real headless Chromium: a click on a known place of the district
outline gives an order whose point, read the way the server reads order points
(JIESU_ORDER_COORDINATES → WGS-84, jiesu.common.geo), is that place. With the point converted
GCJ-02 → WGS-84 in the browser as well (the bug this guards), the order lands ~500 m off."""

import math
import time

import pytest

from jiesu.common import geo
from jiesu.grids.selectors import order_point
from jiesu.workorders.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TARGET = (39.8500, 116.3000)  # WGS-84, inside 丰台区


def _metres(a, b) -> float:
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def test_picked_point_is_stored_where_the_citizen_clicked(new_page, units, settings):
    assert getattr(settings, "JIESU_ORDER_COORDINATES", geo.GCJ02) == geo.GCJ02  # the page is drawn in it
    page = new_page(1280)
    page.goto("/citizen/")
    page.wait_for_selector("#map[data-ready='1']")
    # Where TARGET is drawn: the outline is in GCJ-02, so is the pixel's place on it.
    lat_g, lng_g = geo.wgs84_to_gcj02(*TARGET)
    pixel = None
    for _ in range(50):  # ECharts lays the geo component out on its first frame
        pixel = page.evaluate(
            "([lng, lat]) => echarts.getInstanceByDom(document.getElementById('map'))"
            ".convertToPixel({geoIndex: 0}, [lng, lat])",
            [lng_g, lat_g],
        )
        if pixel and all(math.isfinite(v) for v in pixel):
            break
        time.sleep(0.1)
    box = page.locator("#map").bounding_box()
    assert 0 < pixel[0] < box["width"] and 0 < pixel[1] < box["height"]
    page.mouse.click(box["x"] + pixel[0], box["y"] + pixel[1])
    sent = (float(page.input_value("#lat")), float(page.input_value("#lng")))
    # One pixel is ~60 m here; the GCJ-02 offset is ~550 m.
    assert _metres(geo.to_wgs84(*sent, crs=geo.GCJ02), TARGET) < 150

    page.fill("textarea[name=content]", "路口信号灯不亮，晚上过马路很危险")
    page.fill("input[name=requester_phone]", "13800004321")
    # The submission also computes the dispatch proposal (models load on first use): a longer wait.
    page.click("#citizen-form button[type=submit]", timeout=120_000)
    page.wait_for_selector("[data-number]", timeout=120_000)
    order = WorkOrder.objects.get()
    assert (order.lat, order.lng) == pytest.approx(sent, abs=1e-6)
    assert _metres(order_point(order), TARGET) < 150  # what grid lookup and the map use
