"""Issue 13's leader pages in real headless Chromium: the dashboard shows n and the small-sample
warning, the review's cards never read "排名前列 —。", /reports/ lists the reports, an unknown page
is a Chinese 404 with a way back, an order's timeline carries the year and a relative time.
Screenshots go to var/screenshots (JIESU_SCREENSHOTS_DIR=docs/screenshots refreshes the docs')."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.common.testing.browser import login, shot
from jiesu.workorders import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_pages_tell_the_truth(new_page, users, month_of_orders):
    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "district_leader")

    page.goto("/reports/dashboard/?month=2026-10")
    page.wait_for_selector("#chart-ranking canvas")
    assert "样本提示" in page.locator(".sample-warning").first.inner_text()
    assert page.locator("th", has_text="有效回访（n）").count() == 1
    assert page.locator("tr.small-sample .sample-tag").count() >= 4
    assert "怀柔" not in page.locator("body").inner_text() and "huairou" not in page.locator("body").inner_text()
    shot(page, "dashboard-sample")

    page.goto("/reports/review/2026-10/")
    body = page.locator("body").inner_text()
    assert "本月无有效回访，未参与排名，不作点评" in body and "排名前列\n—" not in body and "—。" not in body
    assert "（n=4）" in body and "表1　全区主要指标" in body
    # The KPI table's header row sits on its body (the web's .kpi tile style once made it a flex box).
    head, first = page.locator("table.kpi-table thead tr"), page.locator("table.kpi-table tbody tr").first
    assert page.locator("table.kpi-table").evaluate("t => getComputedStyle(t).display") == "table"
    assert abs(head.bounding_box()["width"] - first.bounding_box()["width"]) < 2
    shot(page, "review-truthful")

    page.goto("/reports/")
    assert page.locator("#reports-index a", has_text="领导驾驶舱").count() == 1
    shot(page, "reports-index")
    page.goto("/reports/no-such-report/")
    assert page.locator("h1").inner_text() == "页面不存在"
    page.locator("#error-home").wait_for()
    shot(page, "error-404")
    assert errors == []


def test_timeline_shows_years_and_relative_times(new_page, users, units):
    tz = dt.timezone(dt.timedelta(hours=8))
    old, _ = services.create_order(
        user=users["agent"],
        content="楼道灯坏了很久没人修",
        requester_phone="13800001234",
        at=dt.datetime(2011, 12, 1, 9, 0, tzinfo=tz),
    )
    services.dispatch(user=users["dispatcher"], order_id=old.pk, lead_unit=units["110106013"])
    page = new_page()
    login(page, "dispatcher")
    page.goto(f"/orders/{old.pk}/")
    timeline = page.locator(".timeline").inner_text()
    assert "2011-12-01 09:00" in timeline  # the 2011 intake keeps its year
    assert f"{timezone.localdate().year}-" not in timeline  # today's dispatch: no year
    shot(page, "order-timeline-years")
    page.goto("/console/")
    text = page.locator("body").inner_text()
    assert "周，" not in text and "0 分钟" not in text
