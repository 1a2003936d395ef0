"""Headless Chromium through the workflow pages of issue 13: the callback desk and its 重办 queue,
提级响应 and 吹哨报到, intake's contact rule — each with its screenshot (see test_browser.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.common.testing.browser import login, shot
from jiesu.web.tests.test_callback_desk import resolved_order
from jiesu.workorders.models import State, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_callback_desk_errors_on_the_page_then_redo(new_page, users, units):
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


def test_escalate_whistle_report_and_joint_handling(new_page, users, units):
    from jiesu.workorders.tests.factories import order_in_state

    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    zhujianwei = units["110106-D01"]
    # the unit leader escalates to 区部门 with 区住建委 coordinating
    leader = new_page()
    login(leader, "unit_leader")
    leader.goto(f"/orders/{order.pk}/")
    form = leader.locator("form[data-action=escalate]")
    form.locator("select[name=coordinator_unit]").select_option(str(zhujianwei.pk))
    form.locator("input[name=reason]").fill("涉及多个产权单位，属疑难件")
    assert form.locator("[data-button=escalate]").get_attribute("class") == "secondary"
    form.locator("[data-button=escalate]").click()
    leader.wait_for_selector(".msg-success")
    assert "已提级至区部门，由北京市丰台区住房和城乡建设委员会统筹" in leader.locator(".msg-success").inner_text()
    assert leader.locator("#order-level").inner_text().startswith("区部门")
    # the handler whistles for 区住建委 (picked in the unit picker)
    handler = new_page()
    login(handler, "handler")
    handler.goto(f"/orders/{order.pk}/")
    form = handler.locator("form[data-action=whistle]")
    # the unit picker: type to filter, tick the unit (no Ctrl-click multi-select)
    assert form.locator("select[multiple]").count() == 0
    form.locator("input.picker-search").fill("房屋")
    assert form.locator("[data-picker-list] label:visible").count() == 1
    form.locator("[data-picker-list] label:visible input").check()
    assert "已选 1 个" in form.locator("[data-picker-chosen]").inner_text()
    form.locator("input[name=reason]").fill("需房管局到场协调物业")
    form.locator("[data-button=whistle]").click()
    handler.wait_for_selector("#whistle-calls")
    # the called department reports in from its 吹哨报到 page, then records what it did
    dept = new_page()
    from jiesu.org.models import Role
    from jiesu.org.services import create_user

    create_user(username="h_fgj", password="pw-test-123", role=Role.HANDLER, unit=units["110106-D03"])
    login(dept, "h_fgj")
    dept.goto("/whistle/")
    dept.locator(f"tr[data-order='{order.number}'] a.button").click()
    dept.locator("form[data-action=report_in] input[name=note]").fill("物业科两人到场")
    dept.click("[data-button=report_in]")
    dept.wait_for_selector("[data-button=contribute]")
    dept.fill("form[data-action=contribute] textarea[name=contribution]", "约谈物业公司，限期清理")
    dept.click("[data-button=contribute]")
    dept.wait_for_selector("text=约谈物业公司，限期清理")
    # the lead unit records the joint handling on site
    handler.goto(f"/orders/{order.pk}/")
    form = handler.locator("form[data-action=joint_handling]")
    form.locator("input[name=held_at]").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    form.locator("textarea[name=result]").fill("物业清理楼道堆物，房管局督促整改")
    form.locator("[data-button=joint_handling]").click()
    handler.wait_for_selector("ul.joint")
    shot(handler, "order-whistle")
    dept.goto("/whistle/")
    assert "100%" in dept.locator("#whistle-rates").inner_text()
    shot(dept, "whistle")
    leader.goto("/escalations/")
    assert order.number in leader.locator("#escalation-table").inner_text()
    shot(leader, "escalations")


def test_intake_asks_for_a_phone_or_an_anonymous_reason(new_page, users):
    page = new_page()
    login(page, "agent")
    page.fill("#content", "楼下烧烤店油烟很大，晚上一直营业")
    page.fill("#address", "方庄路8号")
    page.click("#intake-form button.primary")
    page.wait_for_selector("[role=alert]")
    assert "勾选“匿名”并说明原因" in page.locator("[role=alert]").inner_text()
    assert page.locator("#content").input_value() == "楼下烧烤店油烟很大，晚上一直营业"
    page.check("#anonymous")
    page.fill("#anonymous-reason", "担心被店家报复")
    shot(page, "intake-anonymous")
    page.click("#intake-form button.primary")
    page.wait_for_selector("#saved [data-number]")
    order = WorkOrder.objects.get(number=page.locator("#saved [data-number]").inner_text().strip())
    assert order.requester_phone == "" and order.events.get(action="create").payload["anonymous"] is True
