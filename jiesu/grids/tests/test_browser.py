"""The grid worker's page at 390 px in real headless Chromium (Debian's /usr/bin/chromium): report
with a photo and the browser's position, check in at an order, record and close a minor finding.
Screenshot to var/screenshots/ (or JIESU_SCREENSHOTS_DIR, e.g. docs/screenshots)."""

import pytest

from jiesu.attachments.tests import samples
from jiesu.common.testing.browser import _shot, login, no_horizontal_scroll
from jiesu.grids.models import CheckIn, GridReport, ReportKind
from jiesu.grids.tests.helpers import make_grid, make_worker, order_datum
from jiesu.workorders import services as orders
from jiesu.workorders.models import Channel, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_page_at_390px(phone_page, units, users):
    grid = make_grid()
    make_worker(units, grid)
    lat, lng = order_datum(39.861, 116.291)
    order, _ = orders.create_order(user=users["agent"], content="小区路灯不亮，晚上很黑", lat=lat, lng=lng)

    page = phone_page(geolocation={"latitude": 39.8605, "longitude": 116.2905}, permissions=["geolocation"])
    login(page, "wg1")
    page.wait_for_url("**/grid/")
    page.wait_for_selector("text=已定位")
    no_horizontal_scroll(page)
    assert page.locator(f"[data-order='{order.number}']").is_visible()

    # Report a problem with a photo: the browser's position, an order on channel 网格上报.
    page.fill("textarea[name=description]", "人行道地砖破损，有绊倒风险")
    page.set_input_files(
        "form[action='/grid/report/'] input[name=photos]",
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": samples.photo()}],
    )
    page.click("form[action='/grid/report/'] button[type=submit]")
    page.wait_for_selector("text=已上报，生成工单")
    reported = GridReport.objects.get()
    assert reported.location_source == "browser" and reported.lat == pytest.approx(39.8605)
    assert WorkOrder.objects.get(pk=reported.order_id).channel == Channel.GRID

    # 到场 at the citizen's order.
    page.locator(f"[data-order='{order.number}'] button").click()
    page.wait_for_selector("text=已到场签到")
    assert CheckIn.objects.get().order_id == order.pk

    # A minor finding, then closed on the spot with a photo (自发现自处置).
    page.check("input[name=kind][value=self_handled]")
    page.fill("textarea[name=description]", "共享单车倒伏堵塞盲道")
    page.set_input_files(
        "form[action='/grid/report/'] input[name=photos]",
        files=[{"name": "单车.jpg", "mimeType": "image/jpeg", "buffer": samples.photo()}],
    )
    page.click("form[action='/grid/report/'] button[type=submit]")
    page.wait_for_selector("text=已记录自发现问题")
    finding = GridReport.objects.get(kind=ReportKind.SELF_HANDLED)
    card = page.locator(f"[data-finding='{finding.pk}']")
    card.locator("input[name=note]").fill("已扶正摆放")
    card.locator("input[name=photos]").set_input_files(
        files=[{"name": "处置后.jpg", "mimeType": "image/jpeg", "buffer": samples.photo()}]
    )
    page.screenshot(path=str(_shot("grid-worker-390")), full_page=True)
    card.locator("button").click()
    page.wait_for_selector("text=已处置完成")
    finding.refresh_from_db()
    assert finding.closed_at is not None
    no_horizontal_scroll(page)

    # A bad file: a Chinese message on the page, nothing stored.
    page.fill("textarea[name=description]", "再报一个")
    page.set_input_files(
        "form[action='/grid/report/'] input[name=photos]",
        files=[{"name": "照片.jpg", "mimeType": "image/jpeg", "buffer": samples.executable()}],
    )
    page.click("form[action='/grid/report/'] button[type=submit]")
    page.wait_for_selector("[data-error]")
    assert "可执行程序" in page.inner_text("[data-error]")
    assert GridReport.objects.count() == 2
