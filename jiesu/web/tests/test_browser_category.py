"""The 诉求类别 field in real headless Chromium (issue 12): the model's proposal appears while the clerk
types, a pick by pinyin initials replaces it, and the order records which."""

import pytest

from jiesu.common.testing.browser import login, shot
from jiesu.dispatch.routing import load_routing_model
from jiesu.workorders.models import Category, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def saved(page, old: str = "") -> WorkOrder:
    page.wait_for_function(
        "old => { const n = document.querySelector('#saved [data-number]'); return n && n.textContent.trim() && n.textContent.trim() !== old; }",
        arg=old,
    )
    return WorkOrder.objects.get(number=page.locator("#saved [data-number]").inner_text().strip())


def test_category_proposed_then_picked_by_initials(new_page, users):
    load_routing_model()  # loaded once per process: the live server's thread finds it ready
    page = new_page()
    login(page, "agent")
    page.keyboard.type("公司拖欠工资三个月不发，老板联系不上")
    page.keyboard.press("Tab")  # leaving the content asks for a proposal
    page.locator("#category-proposed").wait_for(timeout=60000)
    wages = Category.objects.get(path="劳动就业与社保/劳动关系/拖欠工资")
    assert page.input_value("#category-code") == wages.code
    assert page.input_value("#category-search") == wages.path
    shot(page, "intake-category")
    page.fill("#address", "方庄路8号")
    page.fill("#phone", "13900001111")  # a contact, or 匿名 with a reason
    page.keyboard.press("Control+Enter")
    first = saved(page)
    assert first.category == wages
    assert first.events.get(action="create").payload["category_by"] == "clerk"  # kept as shown

    # The clerk disagrees: types pinyin initials and picks from the list.
    page.keyboard.type("小区楼道堆满杂物，物业不清理")
    page.keyboard.press("Tab")
    page.locator("#category-proposed").wait_for()
    page.fill("#category-search", "")
    page.type("#category-search", "ldlf")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#category-list option')).some(o => o.textContent.startsWith('ldlf'))"
    )
    value = page.evaluate(
        "Array.from(document.querySelectorAll('#category-list option')).find(o => o.textContent.startsWith('ldlf')).value"
    )
    page.fill("#category-search", value)
    page.wait_for_function("document.getElementById('category-by').value === 'clerk'")
    page.fill("#phone", "13900001111")  # a contact, or 匿名 with a reason
    page.keyboard.press("Control+Enter")
    second = saved(page, first.number)
    assert second.category.path == value and second.category.initials.startswith("ldlf")
    assert second.events.get(action="create").payload["category_by"] == "clerk"
