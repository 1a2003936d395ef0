"""Every desk role on a phone (390 × 844, real headless Chromium, production CSP): the menu folds behind
菜单 and opens by touch and by keyboard, each main page fits the screen (no sideways scrolling once
styled), and each role's key action is done from the phone — the handler acknowledges, the dispatcher
dispatches, the callback staff record a callback, the unit leader approves a check. At 1440 px the
desk keeps its bar and tables. Screenshots *-390 (see jiesu/common/testing/browser.py)."""

import pytest

from jiesu.common.testing.browser import _shot, login, no_horizontal_scroll, shot
from jiesu.web.tests.test_callback_desk import resolved_order
from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import order_in_state, spot_check_rates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def thumb_sized(locator, *, height: int = 40) -> None:
    """Visible, inside the 390 px screen and tall enough for a thumb."""
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert box["height"] >= height, box


def open_menu(page):
    """The menu starts folded; 菜单 opens it and says so (aria-expanded). Returns the menu."""
    toggle, menu = page.locator("#menu-toggle"), page.locator("#site-nav")
    thumb_sized(toggle)
    assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
    for link in menu.locator("a").all():
        thumb_sized(link)
    return menu


def test_handler_on_a_phone_acknowledges_an_order(phone_page, users, units, busy_district):
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    page = phone_page()
    login(page, "handler")
    assert page.url.endswith("/workbench/")
    no_horizontal_scroll(page)
    # The list is cards: no column headers, each deadline under its label.
    card = page.locator(f"tr[data-order='{order.number}']")
    assert not page.locator("table.phone-cards thead").is_visible()
    labels = card.locator("td[data-label]").evaluate_all(
        "tds => tds.map(td => getComputedStyle(td, '::before').content)"
    )
    assert '"办理期限"' in labels and '"响应期限"' in labels
    page.screenshot(path=str(_shot("workbench-390")), full_page=True)

    # The menu leads to the unit's order list, which fits too.
    menu = open_menu(page)
    page.screenshot(path=str(_shot("menu-390")))
    menu.locator("a", has_text="本单位工单").click()
    page.wait_for_url("**/orders/")
    no_horizontal_scroll(page)
    assert not page.locator("#site-nav").is_visible()  # a new page starts folded
    shot(page, "order-list-390")

    # From the workbench card to the order, acknowledged from the phone.
    page.goto("/workbench/")
    go = page.locator(f"tr[data-order='{order.number}'] a.button")
    thumb_sized(go)
    go.click()
    page.wait_for_selector("[data-button=acknowledge]")
    no_horizontal_scroll(page)
    thumb_sized(page.locator("[data-button=acknowledge]"))
    page.screenshot(path=str(_shot("order-detail-390")), full_page=True)
    page.click("[data-button=acknowledge]")
    page.wait_for_selector(".pagehead .state-acknowledged")
    no_horizontal_scroll(page)
    order.refresh_from_db()
    assert order.state == State.ACKNOWLEDGED


def test_dispatcher_on_a_phone_uses_the_menu_by_keyboard_and_dispatches(phone_page, users, units, busy_district):
    page = phone_page()
    login(page, "dispatcher")
    assert page.url.endswith("/console/")
    no_horizontal_scroll(page)
    shot(page, "console-390")

    # Keyboard: the button opens the menu, Tab walks into it, Esc folds it and returns to the button.
    toggle, menu = page.locator("#menu-toggle"), page.locator("#site-nav")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#site-nav') !== null")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    assert page.evaluate("document.activeElement.id") == "menu-toggle"
    page.keyboard.press("Space")
    assert menu.is_visible()
    menu.locator("a", has_text="工单查询").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/orders/")
    no_horizontal_scroll(page)

    # Dispatch from a card of the queue.
    page.goto("/console/")
    waiting = WorkOrder.objects.filter(state=State.RECEIVED).order_by("pk").first()
    card = page.locator(f"tr[data-order='{waiting.number}']")
    form = card.locator("form", has=page.locator("select[name=lead_unit]"))
    form.locator("select[name=lead_unit]").select_option(str(units["110106013"].pk))
    button = form.locator("button", has_text="派单")
    thumb_sized(button)
    button.click()
    page.wait_for_load_state("networkidle")
    no_horizontal_scroll(page)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.lead_unit) == (State.DISPATCHED, units["110106013"])
    for tab in ("disputes", "spot_checks", "extensions"):
        page.goto(f"/console/?tab={tab}")
        no_horizontal_scroll(page)


def test_callback_staff_on_a_phone_record_a_callback(phone_page, users, units):
    order = resolved_order(users, units, content="芳城园路灯不亮，晚上很黑")
    page = phone_page()
    login(page, "callback")
    assert page.url.endswith("/callback/")
    no_horizontal_scroll(page)
    card = page.locator(f"tr[data-order='{order.number}']")
    card.locator("select[name=solved]").select_option("1")
    card.locator("select[name=satisfaction]").select_option("5")
    thumb_sized(card.locator("button"))
    shot(page, "callback-390")
    card.locator("button").click()
    page.wait_for_selector(".msg-success")
    no_horizontal_scroll(page)
    order.refresh_from_db()
    assert (order.state, order.solved, order.satisfaction) == (State.CALLBACK_DONE, True, 5)
    for path in ("/redo/", "/callback/?tab=done"):
        page.goto(path)
        no_horizontal_scroll(page)


def test_unit_leader_on_a_phone_approves_a_check(phone_page, users, units):
    order = order_in_state(State.PENDING_CHECK, users=users, units=units)
    page = phone_page()
    login(page, "unit_leader")
    no_horizontal_scroll(page)
    with spot_check_rates(0.0):
        page.click(f"tr[data-order='{order.number}'] a.button")
        page.wait_for_selector("[data-button=approve_check]")
        no_horizontal_scroll(page)
        thumb_sized(page.locator("[data-button=approve_check]"))
        page.click("[data-button=approve_check]")
        page.wait_for_selector(".pagehead .state-resolved")
    no_horizontal_scroll(page)
    order.refresh_from_db()
    assert order.state == State.RESOLVED
    menu = open_menu(page)
    menu.locator("a", has_text="提级响应").click()
    page.wait_for_url("**/escalations/")
    no_horizontal_scroll(page)
    for path in ("/whistle/", "/supervision/", "/inbox/"):
        page.goto(path)
        no_horizontal_scroll(page)


def test_the_desk_keeps_its_bar_and_tables(new_page, users, busy_district):
    page = new_page()
    login(page, "handler")
    assert not page.locator("#menu-toggle").is_visible()
    assert page.locator("#site-nav a", has_text="本单位工单").is_visible()
    assert page.locator("table.phone-cards thead").is_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('table.phone-cards tbody tr')).display") == "table-row"
    )
    no_horizontal_scroll(page, width=1440)


@pytest.mark.parametrize(
    "username", ["agent", "dispatcher", "callback", "handler", "unit_leader", "district_leader", "auditor", "admin"]
)
def test_every_menu_entry_of_every_role_fits_a_phone(phone_page, users, busy_district, username):
    """Each role's whole menu at 390 px, reached through 菜单, plus an order's page."""
    from pathlib import Path

    from django.conf import settings

    from jiesu.indicators import demo
    from jiesu.indicators.services import load_catalogue_file

    # The scorecard (月度点评评分卡) needs its catalogue and a month of values.
    load_catalogue_file(path=Path(settings.BASE_DIR) / "data" / "indicators" / "catalogue-fengtai-2024.yaml")
    demo.load_demo_values(end=demo.demo_months()[-1])
    page = phone_page()
    login(page, username)
    no_horizontal_scroll(page)
    hrefs = page.locator("#site-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs
    for href in hrefs:
        page.click("#menu-toggle")
        with page.expect_navigation() as navigation:
            page.locator(f"#site-nav a[href='{href}']").click()
        assert navigation.value.ok, href  # some entries redirect (a month's page): the last answer counts
        no_horizontal_scroll(page)
    order = WorkOrder.objects.filter(lead_unit=users["handler"].unit).order_by("pk").first()
    page.goto(f"/orders/{order.pk}/")
    no_horizontal_scroll(page)


def test_without_javascript_the_menu_stays_open_and_wrapped(phone_page, users):
    page = phone_page(java_script_enabled=False)
    login(page, "dispatcher")
    assert page.url.endswith("/console/")
    assert not page.locator("#menu-toggle").is_visible()
    links = page.locator("#site-nav a")
    assert links.count() >= 5 and all(link.is_visible() for link in links.all())
    no_horizontal_scroll(page)
    links.filter(has_text="工单查询").click()
    page.wait_for_url("**/orders/")
    no_horizontal_scroll(page)


def test_agent_on_a_phone_files_and_corrects_an_order(phone_page, users, units):
    """Intake and the order's edit form at 390 px: every field and the buttons within the screen and
    tall enough for a thumb; the order is filed by tapping 保存, then corrected from its page."""
    page = phone_page()
    login(page, "agent")
    assert page.url.endswith("/intake/")
    no_horizontal_scroll(page)
    for field in ("#content", "input[name=address]", "input[name=requester_phone]"):
        thumb_sized(page.locator(field), height=36)
    page.fill("#content", "小区南门路灯坏了三天，晚上老人出行不便")
    page.fill("input[name=address]", "方庄路8号")
    page.fill("input[name=requester_phone]", "13700003333")
    submit = page.locator("#intake-form button.primary")
    thumb_sized(submit)
    shot(page, "intake-390")
    submit.tap()
    page.wait_for_function("() => (document.querySelector('#saved [data-number]')?.textContent || '').trim()")
    order = WorkOrder.objects.get(number=page.locator("#saved [data-number]").inner_text().strip())
    assert (order.address, order.requester_phone) == ("方庄路8号", "13700003333")
    no_horizontal_scroll(page)  # the saved report and the proposal fit too

    page.goto(f"/orders/{order.pk}/")
    page.wait_for_load_state("load")
    page.locator("#edit-order").tap()
    title = page.locator("input[name=title]")
    title.wait_for()
    page.wait_for_load_state("load")
    no_horizontal_scroll(page)
    thumb_sized(title, height=36)
    title.fill("方庄路8号南门路灯不亮")
    page.select_option("select[name=street]", str(units["110106013"].pk))
    save = page.locator("button.primary", has_text="保存")
    thumb_sized(save)
    save.tap()
    page.wait_for_selector("text=方庄路8号南门路灯不亮")
    no_horizontal_scroll(page)
    order.refresh_from_db()
    assert (order.title, order.street_id) == ("方庄路8号南门路灯不亮", units["110106013"].pk)
