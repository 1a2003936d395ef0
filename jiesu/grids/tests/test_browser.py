"""The grid worker's page at 390 px in real headless Chromium (Debian's /usr/bin/chromium): report
with a photo and the browser's position, check in at an order, record and close a minor finding.
Screenshot to var/screenshots/ (or JIESU_SCREENSHOTS_DIR, e.g. docs/screenshots)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from jiesu.attachments.tests import samples
from jiesu.grids.models import CheckIn, GridReport, ReportKind
from jiesu.grids.tests.helpers import make_grid, make_worker, order_datum
from jiesu.workorders import services as orders
from jiesu.workorders.models import Channel, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(settings.BASE_DIR) / os.environ.get("JIESU_SCREENSHOTS_DIR", "var/screenshots")


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def test_grid_worker_page_at_390px(browser, live_server, units, users):
    grid = make_grid()
    make_worker(units, grid)
    lat, lng = order_datum(39.861, 116.291)
    order, _ = orders.create_order(user=users["agent"], content="小区路灯不亮，晚上很黑", lat=lat, lng=lng)

    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": 39.8605, "longitude": 116.2905},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/login/")
    page.fill("input[name=username]", "wg1")
    page.fill("input[name=password]", "pw-test-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/grid/")
    page.wait_for_selector("text=已定位")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
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
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

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
    context.close()


def _shot(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"
