"""The district leader on a phone (390 × 844, real headless Chromium, production CSP): the menu behind
菜单 reaches the overview, the reports, the dashboard and the month's review, and none of them scrolls
sideways once styled (wide tables scroll inside their own box). Screenshots *-390."""

import pytest

from jiesu.common.testing.browser import _shot, login, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_pages_fit_a_phone(phone_page, users, ranked_month):
    page = phone_page()
    login(page, "district_leader")
    assert page.url.endswith("/overview/")
    no_horizontal_scroll(page)
    page.screenshot(path=str(_shot("overview-390")), full_page=True)

    page.click("#menu-toggle")
    assert page.locator("#menu-toggle").get_attribute("aria-expanded") == "true"
    page.locator("#site-nav a", has_text="报表").click()
    page.wait_for_url("**/reports/")
    no_horizontal_scroll(page)

    page.goto("/reports/dashboard/?month=2026-10")
    page.wait_for_selector("#chart-ranking canvas")
    no_horizontal_scroll(page)
    page.screenshot(path=str(_shot("dashboard-390")), full_page=True)
    # The ranking's rows are all there, readable by scrolling the table, not the page.
    assert page.locator("tr", has_text="方庄街道").first.is_visible()

    page.goto("/reports/review/2026-10/")
    assert "表1　全区主要指标" in page.locator("body").inner_text()
    no_horizontal_scroll(page)
    page.screenshot(path=str(_shot("review-390")), full_page=True)

    for path in ("/orders/", "/escalations/", "/supervision/", "/hazards/"):
        assert page.goto(path).ok, path
        no_horizontal_scroll(page)
