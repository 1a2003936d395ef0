"""登记排查 at 390 px in real headless Chromium (/usr/bin/chromium): a grid worker finds an enterprise
of their grid, answers every item (one card each), marks one 不符合 with a note and a photo, submits;
no horizontal scrolling before or after, a refused form keeps the answers. Screenshot
`hazard-inspect-390` to var/screenshots/ (or JIESU_SCREENSHOTS_DIR, e.g. docs/screenshots)."""

import pytest

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.grids.tests.helpers import PHOTO_POINT, make_grid, make_worker
from jiesu.grids.tests.test_browser import _shot, browser  # noqa: F401  (fixture)
from jiesu.hazards import services
from jiesu.hazards.models import Hazard, Inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Nor any single control wider than the screen.
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('input,select,button,label,a')].map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 390


def test_inspection_form_at_390px(browser, live_server, units, users, _attachments_in_tmp):  # noqa: F811
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

    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/login/")
    page.fill("input[name=username]", "wg1")
    page.fill("input[name=password]", "pw-test-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/grid/")
    page.click("text=企安安排查")
    page.wait_for_selector("#enterprises")
    _no_horizontal_scroll(page)
    page.locator(f"[data-enterprise='{enterprise.pk}'] a").click()
    page.wait_for_selector("#inspection-form")
    _no_horizontal_scroll(page)

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
    _no_horizontal_scroll(page)
    page.screenshot(path=str(_shot("hazard-inspect-390")), full_page=True)
    page.click("#inspection-form button[type=submit]")
    page.wait_for_selector("text=发现隐患 1 项")
    assert page.url.endswith("/hazards/inspect/")  # back to the list for the next enterprise
    _no_horizontal_scroll(page)

    hazard = Hazard.objects.get()
    assert hazard.finding.item_code == "C02" and hazard.level == "major"
    assert hazard.description.endswith("燃气软管老化开裂，长度超过2米")
    assert Attachment.objects.get().owner == hazard.finding.inspection
    context.close()
