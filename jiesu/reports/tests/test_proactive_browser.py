"""The proactive pages in real headless Chromium: the hotspot map draws its points, the seasonal
charts and the forecast charts render, a click on a hotspot opens its page. Screenshots go to
var/screenshots (JIESU_SCREENSHOTS_DIR=docs/screenshots refreshes the documentation's)."""

import pytest
from django.utils import timezone

from jiesu.common.testing.browser import login, shot
from jiesu.insights.services import refresh_forecasts, refresh_hotspots, refresh_seasonal
from jiesu.insights.testing import history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_proactive_pages_render_their_charts(new_page, users, units):
    now = timezone.now()
    history(now=now)
    refresh_hotspots(now=now)
    refresh_seasonal(now=now)
    refresh_forecasts(now=now)
    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "district_leader")

    page.goto("/overview/")
    page.wait_for_selector("#overview-hotspots table")
    shot(page, "overview-hotspots")

    page.goto("/reports/hotspots/")
    page.wait_for_selector("#hotspot-map canvas")
    assert page.locator("#hotspot-table tbody tr").count() >= 1
    shot(page, "hotspots")
    page.locator("#hotspot-table tbody tr a").first.click()
    page.wait_for_selector("#member-orders")
    assert page.locator("#member-orders tbody tr").count() >= 6
    assert page.locator("#proposal-ref").inner_text().startswith("hotspot:")
    shot(page, "hotspot-detail")

    page.goto("/reports/seasonal/")
    page.wait_for_selector("#chart-months canvas")
    assert page.locator("#calendar section").count() == 3
    rows = page.locator("#recurring tbody tr").all_inner_texts()
    assert any(r.startswith("7月") and "右安门街道" in r for r in rows)  # the summer waterlogging
    assert any("供暖季" in r for r in rows)  # and the heating season
    shot(page, "seasonal")

    page.goto("/reports/forecasts/?freq=M")
    page.wait_for_selector("#forecast-charts canvas")
    shot(page, "forecasts")
    assert errors == []
