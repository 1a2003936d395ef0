"""Headless Chromium through the workflow pages of issue 13: the callback desk and its 重办 queue,
提级响应 and 吹哨报到, intake's contact rule — each with its screenshot (see test_browser.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.web.tests.test_browser import browser, login, new_page, shot  # noqa: F401  (fixtures)
from jiesu.web.tests.test_callback_desk import resolved_order
from jiesu.workorders.models import State, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_callback_desk_errors_on_the_page_then_redo(new_page, users, units):  # noqa: F811
    old = resolved_order(users, units, at=timezone.now() - dt.timedelta(days=400), content="去年办结未回访")
    order = resolved_order(users, units, content="今天办结：芳城园路灯不亮")
    page = new_page()
    login(page, "callback")
    assert page.locator("tr[data-order]").first.get_attribute("data-order") == old.number  # due first
    page.select_option("select[name=when]", "today")
    page.click("#callback-filters button[type=submit]")
    row = page.locator(f"tr[data-order='{order.number}']")
    assert page.locator("tr[data-order]").count() == 1
    # 是否解决 left blank: the message stands on the row, the typed note is kept
    row.locator("select[name=satisfaction]").select_option("2")
    row.locator("input[name=note]").fill("诉求人说晚上还是黑")
    row.locator("button").click()
    page.wait_for_selector("tr.row-error")
    assert "请选择是否解决" in page.locator("tr.row-error [role=alert]").inner_text()
    assert page.locator("tr.row-error input[name=note]").input_value() == "诉求人说晚上还是黑"
    shot(page, "callback-error")
    row = page.locator(f"tr[data-order='{order.number}']")
    row.locator("select[name=solved]").select_option("0")
    row.locator("button").click()
    page.wait_for_selector(".msg-warning")
    assert "已转入重办队列" in page.locator(".msg-warning").inner_text()
    assert "回访已记录" in page.locator(".msg-success").inner_text()
    # the 重办 queue
    page.goto("/redo/")
    row = page.locator(f"tr[data-order='{order.number}']")
    assert "未解决" in row.inner_text()
    row.locator("input[name=reason]").fill("诉求人反映路灯仍不亮，请重新维修")
    shot(page, "redo")
    row.locator("[data-button=reopen]").click()
    page.wait_for_selector(".msg-success")
    assert "已退回方庄街道重办" in page.locator(".msg-success").inner_text()
    assert WorkOrder.objects.get(pk=order.pk).state == State.IN_PROGRESS
