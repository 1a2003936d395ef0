"""登记排查 at 390 px in real headless Chromium (/usr/bin/chromium): a grid worker finds an enterprise
of their grid, answers every item (one card each), marks one 不符合 with a note and a photo, submits;
no horizontal scrolling before or after, a refused form keeps the answers. The hazard list and a
hazard at 390 px: cards instead of tables, thumb-sized actions within the screen, 报告整改完成 and
复查通过销号 from the phone; the list is still a table at 1280 px. Screenshots `hazard-inspect-390`,
`hazard-list-390`, `hazard-detail-390` to var/screenshots/ (or JIESU_SCREENSHOTS_DIR, e.g.
docs/screenshots)."""

import pytest

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.common.testing.browser import _shot, login, no_horizontal_scroll
from jiesu.grids.tests.helpers import PHOTO_POINT, make_grid, make_worker
from jiesu.hazards import services
from jiesu.hazards.models import Hazard, HazardState, Inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(phone_page):
    page = phone_page()
    login(page, "wg1")
    page.wait_for_url("**/grid/")
    return page


def _within_screen_and_thumb_sized(locator) -> None:
    """Visible, inside the 390 px screen, at least 44 px high (a thumb's target)."""
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert box["height"] >= 44, box


def test_inspection_form_at_390px(phone_page, units, users, _attachments_in_tmp):
    grid = make_grid()
    make_worker(units, grid)
    services.load_checklists()
    enterprise = services.register_enterprise(
        name="和美餐厅（方庄店）餐饮管理有限公司",
        credit_code="91110106MA01ABCD1X",
        industry="餐饮",
        street=grid.layer.owner,
        address="丰台区某路1号",
        lat=PHOTO_POINT[0],
        lng=PHOTO_POINT[1],
    )
    assert enterprise.grid_id == grid.pk

    page = _phone(phone_page)
    page.click("text=企安安排查")
    page.wait_for_selector("#enterprises")
    no_horizontal_scroll(page)
    page.locator(f"[data-enterprise='{enterprise.pk}'] a").click()
    page.wait_for_selector("#inspection-form")
    no_horizontal_scroll(page)

    # Refused first (a 不符合 item without a note): the message, and the answers are kept.
    page.locator("[data-item=C02] label.insp-fail").click()
    page.click("#inspection-form button[type=submit]")
    page.wait_for_selector("[data-error]")
    assert "请说明隐患情况" in page.inner_text("[data-error]")
    assert page.locator("[data-item=C02] input[value='0']").is_checked()
    assert not Inspection.objects.exists()

    page.locator("[data-item=C02] input[name=note_C02]").fill("燃气软管老化开裂，长度超过2米")
    page.locator("[data-item=C02] select").select_option("major")
    page.set_input_files(
        "#inspection-form input[name=photos]",
        files=[{"name": "软管.jpg", "mimeType": "image/jpeg", "buffer": samples.photo()}],
    )
    no_horizontal_scroll(page)
    page.screenshot(path=str(_shot("hazard-inspect-390")), full_page=True)
    page.click("#inspection-form button[type=submit]")
    page.wait_for_selector("text=发现隐患 1 项")
    assert page.url.endswith("/hazards/inspect/")  # back to the list for the next enterprise
    no_horizontal_scroll(page)

    hazard = Hazard.objects.get()
    assert hazard.finding.item_code == "C02" and hazard.level == "major"
    assert hazard.description.endswith("燃气软管老化开裂，长度超过2米")
    assert Attachment.objects.get().owner == hazard.finding.inspection


def test_hazard_list_and_detail_at_390px(phone_page, new_page, units, users, _attachments_in_tmp):
    grid = make_grid()
    make_worker(units, grid)
    services.load_checklists()
    enterprise = services.register_enterprise(
        name="北京市丰台区和美餐厅（方庄店）餐饮管理有限公司第一分公司",
        credit_code="91110106MA01ABCD1X",
        industry="餐饮",
        street=grid.layer.owner,
        address="丰台区方庄路某号院某号楼底商",
        lat=PHOTO_POINT[0],
        lng=PHOTO_POINT[1],
    )
    services.inspect(
        user=users["handler"],
        enterprise_id=enterprise.pk,
        checklist="CATERING",
        results=[
            services.ItemResult(item=i, passed=i == "C03", note="" if i == "C03" else "燃气报警器损坏，未按期检测维护")
            for i in ("C01", "C02", "C03")
        ],
    )
    hazard = Hazard.objects.filter(finding__item_code="C02").get()

    page = _phone(phone_page)
    page.click("#nav-hazards")
    page.wait_for_selector("#hazards")
    no_horizontal_scroll(page)
    # Cards, not a table: no column headers; each figure and each hazard under its label.
    assert not page.locator("#hazards thead").is_visible()
    assert not page.locator("#hazard-figures thead").is_visible()
    assert page.locator("[data-hazard]").count() == 2
    card = page.locator(f"[data-hazard='{hazard.pk}']")
    assert "燃气报警器损坏" in card.inner_text()
    labels = card.locator("td[data-label]").evaluate_all(
        "tds => tds.map(td => getComputedStyle(td, '::before').content)"
    )
    assert '"整改期限"' in labels and '"状态"' in labels
    _within_screen_and_thumb_sized(page.locator("#new-inspection"))
    _within_screen_and_thumb_sized(page.locator(".hz-filter button"))
    # 只看我的网格 from the phone: both hazards are in the worker's grid.
    _within_screen_and_thumb_sized(page.locator("label", has=page.locator("#only-mine")))
    page.check("#only-mine")
    page.click(".hz-filter button")
    page.wait_for_url("**mine=1**")
    no_horizontal_scroll(page)
    assert page.locator("[data-hazard]").count() == 2
    go = card.locator("a.button")
    _within_screen_and_thumb_sized(go)
    page.screenshot(path=str(_shot("hazard-list-390")), full_page=True)

    go.click()
    page.wait_for_selector("#hazard-actions")
    no_horizontal_scroll(page)
    rectified = page.locator("form[data-action=rectified]")
    _within_screen_and_thumb_sized(rectified.locator("input[name=note]"))
    _within_screen_and_thumb_sized(rectified.locator("button[type=submit]"))
    page.screenshot(path=str(_shot("hazard-detail-390")), full_page=True)
    rectified.locator("input[name=note]").fill("已更换燃气报警器并检测合格")
    rectified.locator("button[type=submit]").click()
    page.wait_for_selector("text=已保存")
    no_horizontal_scroll(page)
    hazard.refresh_from_db()
    assert hazard.state == HazardState.AWAITING

    # 复查 from the phone: pass (with a photo) and fail are both within reach; pass closes it.
    passed = page.locator("form[data-action=reinspect_pass]")
    _within_screen_and_thumb_sized(page.locator("form[data-action=reinspect_fail] button[type=submit]"))
    _within_screen_and_thumb_sized(passed.locator("button[type=submit]"))
    passed.locator("input[name=note]").fill("复查合格")
    passed.locator("input[name=photos]").set_input_files(
        files=[{"name": "复查.jpg", "mimeType": "image/jpeg", "buffer": samples.photo()}]
    )
    passed.locator("button[type=submit]").click()
    page.wait_for_selector("text=已保存")
    hazard.refresh_from_db()
    assert hazard.state == HazardState.CLOSED
    assert page.locator("text=当前无可执行操作").is_visible()

    # The desk keeps its table: column headers and a row per hazard.
    page = new_page(1280)
    login(page, "wg1")
    page.goto("/hazards/")
    assert page.locator("#hazards thead").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('#hazards tbody tr')).display") == "table-row"
