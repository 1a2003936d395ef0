"""End to end in real headless Chromium against a live server: the full loop by five roles in
turn, and the refusals. Saves a screenshot of each main page (see jiesu/common/testing/browser.py,
which also holds the fixtures: Chromium, new_page, phone_page)."""

import re

import pytest
from django.utils import timezone

from jiesu.common.testing.browser import login, post_with_csrf, shot
from jiesu.workorders.models import State, WorkOrder, WorkOrderEvent
from jiesu.workorders.tests.factories import spot_check_rates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_full_loop_by_five_roles(new_page, users, units, busy_district):
    # 1. The citizen submits a request with a point on the map.
    citizen = new_page()
    citizen.goto("/citizen/")
    citizen.fill("textarea[name=content]", "方庄芳城园一区5号楼前下水道堵塞，污水漫到人行道上，已经三天了")
    citizen.fill("input[name=address]", "方庄芳城园一区5号楼")
    citizen.wait_for_selector("#map canvas")
    box = citizen.locator("#map").bounding_box()
    citizen.mouse.click(box["x"] + box["width"] * 0.72, box["y"] + box["height"] * 0.5)
    assert citizen.input_value("#lat") != ""
    citizen.fill("input[name=requester_phone]", "13800004321")
    shot(citizen, "citizen-submit")
    citizen.click("#citizen-form button[type=submit]")
    number = citizen.locator("[data-number]").inner_text().strip()
    order = WorkOrder.objects.get(number=number)
    assert order.channel == "web" and 39.7 < order.lat < 39.95 and 116.0 < order.lng < 116.5

    # 2. The hotline agent corrects the order (urgency, category, street).
    agent = new_page()
    login(agent, "agent")
    assert agent.url.endswith("/intake/")
    agent.fill("#content", "丰台路口红绿灯不亮，车辆通行混乱")
    shot(agent, "intake")
    agent.goto(f"/orders/{order.pk}/")
    agent.click("#edit-order")
    agent.select_option("select[name=urgency]", "utility")
    agent.select_option("select[name=street]", str(units["110106013"].pk))
    agent.fill("input[name=title]", "芳城园一区下水道堵塞")
    agent.click("button.primary")
    agent.wait_for_selector("text=芳城园一区下水道堵塞")
    order.refresh_from_db()
    assert (order.urgency, order.street_id) == ("utility", units["110106013"].pk)

    # 3. The dispatcher dispatches it from the console to 方庄街道.
    dispatcher = new_page()
    login(dispatcher, "dispatcher")
    row = dispatcher.locator(f"tr[data-order='{number}']")
    row.locator("select[name=lead_unit]").select_option(str(units["110106013"].pk))
    shot(dispatcher, "console")
    row.locator("button", has_text="派单").last.click()
    dispatcher.wait_for_load_state("networkidle")
    assert dispatcher.locator(f"tr[data-order='{number}']").count() == 0
    order.refresh_from_db()
    assert order.state == State.DISPATCHED and order.lead_unit == units["110106013"]
    dispatcher.goto("/console/?tab=disputes")
    assert "属于产权单位维修责任" in dispatcher.content()
    shot(dispatcher, "console-disputes")

    # 4. The unit acknowledges, responds and resolves from its workbench.
    unit = new_page()
    login(unit, "handler")
    assert unit.url.endswith("/workbench/")
    shot(unit, "workbench")
    unit.click(f"tr[data-order='{number}'] a.button")
    unit.click("[data-button=acknowledge]")
    unit.click("[data-button=respond]")
    unit.fill("form[data-action=submit_check] textarea[name=reply]", "已组织排水集团疏通管道，污水已清理，路面已冲洗。")
    shot(unit, "order-detail")
    unit.click("[data-button=submit_check]")
    unit.wait_for_selector(".pagehead .state-pending_check")

    # 4b. 多级核查: the unit leader finds it in his 待核查 queue and approves it (not in the sample).
    leader = new_page()
    login(leader, "unit_leader")
    assert leader.locator(".tabs a.active").inner_text().startswith("待核查")
    shot(leader, "workbench-check")
    # Outside the sample whatever id the database gave the order: the page shows the button the
    # sample decides (approve_check or approve_to_spot_check), so the rate is set before it renders.
    with spot_check_rates(0.0):
        leader.click(f"tr[data-order='{number}'] a.button")
        assert leader.locator("[data-button=approve_check], [data-button=approve_to_spot_check]").count() == 1
        assert leader.locator("[data-button=send_back]").get_attribute("class") == "danger"
        shot(leader, "order-check")
        leader.click("[data-button=approve_check]")
        leader.wait_for_selector(".pagehead .state-resolved")
    order.refresh_from_db()
    assert order.state == State.RESOLVED
    assert list(order.events.values_list("action", flat=True)) == [
        "create",
        "recategorize",  # the citizen page has no clerk: the routing model's category is recorded
        "edit",
        "dispatch",
        "acknowledge",
        "respond",
        "submit_check",
        "approve_check",
    ]

    # 5. The callback staff record "solved, very satisfied".
    staff = new_page()
    login(staff, "callback")
    row = staff.locator(f"tr[data-order='{number}']")
    row.locator("select[name=solved]").select_option("1")
    row.locator("select[name=satisfaction]").select_option("5")
    shot(staff, "callback")
    row.locator("button").click()
    staff.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert (order.state, order.solved, order.satisfaction) == (State.CALLBACK_DONE, True, 5)

    # 6. The citizen sees the result and rates it.
    citizen.goto("/citizen/track/")
    citizen.fill("input[name=number]", number)
    citizen.fill("input[name=tail]", "4321")
    citizen.click("#track-by-tail button[type=submit]")
    assert citizen.locator("[data-state]").inner_text() == "已回访"
    assert "已组织排水集团疏通管道" in citizen.locator("#reply").inner_text()
    citizen.select_option("#rate-form select[name=satisfaction]", "5")
    shot(citizen, "citizen-track")
    citizen.click("#rate-form button")
    citizen.wait_for_selector("text=感谢您的评价")
    assert WorkOrderEvent.objects.get(order=order, action="citizen_rate").payload == {"satisfaction": 5}

    # The leader's overview shows the day, with charts that link to the list.
    units_by_pk = {u.pk: u for u in units.values()}
    leader = new_page()
    login(leader, "district_leader")
    leader.wait_for_selector("#chart-streets svg")
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert leader.locator("#kpi-today").inner_text() == str(WorkOrder.objects.filter(received_at__gte=today).count())
    shot(leader, "overview")
    # A click on the top street's bar opens the order list filtered to that street.
    bar = leader.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById('chart-streets'));
          const option = chart.getOption(), names = option.yAxis[0].data, values = option.series[0].data;
          const last = names.length - 1;  // the longest bar is drawn on top
          const [x, y] = chart.convertToPixel({seriesIndex: 0}, [values[last] / 2, names[last]]);
          return {x, y, name: names[last]};
        }"""
    )
    box = leader.locator("#chart-streets").bounding_box()
    leader.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    leader.wait_for_url(re.compile(r"/orders/\?street=\d+"))
    street_id = int(re.search(r"street=(\d+)", leader.url).group(1))
    assert units_by_pk[street_id].name == bar["name"]
    listed = leader.locator("table.grid tbody tr td:nth-child(5)").all_inner_texts()
    assert listed and set(listed) == {bar["name"]}
    leader.goto("/orders/")
    shot(leader, "order-list")


def test_refusals(new_page, users, units):
    from jiesu.workorders import services

    order, _ = services.create_order(user=users["agent"], content="人行道地砖破损", requester_phone="13800001111")
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])

    # Another unit neither sees the order in its lists nor opens it.
    other = new_page()
    login(other, "other_handler")
    assert order.number not in other.content()
    other.goto("/orders/")
    assert order.number not in other.content()
    response = other.goto(f"/orders/{order.pk}/")
    assert response.status == 404 and "工单不存在或无权查看" in other.content()

    # The lead unit sees only the buttons the state machine allows; the others' URLs refuse.
    unit = new_page()
    login(unit, "handler")
    unit.goto(f"/orders/{order.pk}/")
    buttons = set(unit.locator("[data-button]").evaluate_all("els => els.map(e => e.dataset.button)"))
    assert {"acknowledge", "return"} <= buttons
    assert not buttons & {"resolve", "dispatch", "callback", "close"}
    assert post_with_csrf(unit, f"/orders/{order.pk}/act/dispatch/", {"lead_unit": "1"}).status == 403
    assert post_with_csrf(unit, f"/orders/{order.pk}/act/submit_check/", {"reply": "好"}).status == 409
    assert post_with_csrf(other, f"/orders/{order.pk}/act/acknowledge/").status == 404
    assert unit.goto("/console/").status == 403
    order.refresh_from_db()
    assert order.state == State.DISPATCHED

    # Refusal messages are Chinese and never a 500 page.
    page = unit.goto("/console/")
    assert re.search("无权访问", unit.content()) and page.status == 403


def test_console_counters_update_without_reload(new_page, users):
    from jiesu.workorders import services

    page = new_page()
    login(page, "dispatcher")
    assert page.locator("[data-counter=waiting]").inner_text() == "0"
    page.evaluate("window.__marker = 'same page'")
    services.create_order(user=users["agent"], content="公交站牌倾斜，存在倒塌风险")
    page.wait_for_function("document.querySelector('[data-counter=waiting]').textContent === '1'", timeout=20000)
    assert page.evaluate("window.__marker") == "same page"  # htmx swapped the counters, no reload


def test_intake_by_keyboard_only(new_page, users):
    page = new_page()
    login(page, "agent")
    page.keyboard.type("小区东门路灯坏了一周，晚上很黑")  # the content field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("方庄路8号")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("13700002222")
    page.keyboard.press("Control+Enter")
    number = page.locator("#saved [data-number]").inner_text()
    order = WorkOrder.objects.get(number=number)
    assert (order.content, order.address, order.requester_phone) == (
        "小区东门路灯坏了一周，晚上很黑",
        "方庄路8号",
        "13700002222",
    )
    assert page.evaluate("document.activeElement.id") == "content"  # ready for the next call


def saved_order(page, *, after: WorkOrder | None = None) -> WorkOrder:
    """The order the intake page reports as saved — once the report names a new one (the previous
    save's report stays on screen until the next answer arrives)."""
    old = after.number if after else ""
    page.wait_for_function(
        "old => { const n = document.querySelector('#saved [data-number]'); return n && n.textContent.trim() && n.textContent.trim() !== old; }",
        arg=old,
    )
    return WorkOrder.objects.get(number=page.locator("#saved [data-number]").inner_text().strip())


def test_intake_property_project_by_keyboard(new_page, users, units):
    from jiesu.dispatch import locator
    from jiesu.org.models import PropertyCompany, PropertyProject

    sun = PropertyCompany.objects.create(credit_code="91110106BROWSER1", name="阳光物业")
    green = PropertyCompany.objects.create(credit_code="91110106BROWSER2", name="翠林物业")
    sun_garden = PropertyProject.objects.create(company=sun, name="阳光花园", street=units["110106013"])
    green_court = PropertyProject.objects.create(company=green, name="翠林小区", street=units["110106001"])
    locator.cache.clear()
    page = new_page()
    login(page, "agent")

    def call(content, address):
        page.keyboard.type(content)
        page.keyboard.press("Tab")
        page.keyboard.type(address)
        page.keyboard.press("Tab")  # leaving the address asks for a proposal

    # 1. The address names a compound: proposed, kept, saved as an address match.
    call("电梯停运两天", "方庄阳光花园3号楼")
    page.locator("#project-matched").wait_for()
    assert page.input_value("#project-search").startswith("阳光花园 · 阳光物业")
    shot(page, "intake-property")
    page.fill("#phone", "13900001111")  # a contact, or 匿名 with a reason
    page.keyboard.press("Control+Enter")
    first = saved_order(page)
    assert first.property_project == sun_garden
    assert first.events.get(action="create").payload["property_project_by"] == "address_match"

    # 2. Proposed, then cleared with Esc in the field (Alt+P jumps there): saved without a link.
    call("楼道灯不亮", "阳光花园5号楼")
    page.locator("#project-matched").wait_for()
    page.focus("#project-search")
    page.keyboard.press("Escape")
    assert page.input_value("#project-search") == "" and page.locator("#project-matched").count() == 0
    page.fill("#phone", "13900001111")  # a contact, or 匿名 with a reason
    page.keyboard.press("Control+Enter")
    second = saved_order(page, after=first)
    assert second.property_project is None

    # 3. Picked by typing in the type-ahead.
    page.keyboard.type("垃圾无人清运")
    page.focus("#project-search")
    page.keyboard.type("翠林小区 · 翠林物业 · 右安门街道")
    page.wait_for_function(f"document.getElementById('project-id').value === '{green_court.pk}'")
    page.fill("#phone", "13900001111")  # a contact, or 匿名 with a reason
    page.keyboard.press("Control+Enter")
    third = saved_order(page, after=second)
    assert third.property_project == green_court
    assert third.events.get(action="create").payload["property_project_by"] == "clerk"
