"""The supervision pages in real headless Chromium (the pattern of jiesu/web/tests/test_browser.py):
a leader finds the lagging items in one click, a street reports progress with a photo, the
public progress page and the meetings page. Screenshots go to var/screenshots/ (or
JIESU_SCREENSHOTS_DIR=docs/screenshots)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.supervision.demo import load_all
from jiesu.supervision.models import SupervisionItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(settings.BASE_DIR) / os.environ.get("JIESU_SCREENSHOTS_DIR", "var/screenshots")
PASSWORD = "pw-test-123"


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


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(width=1440):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}, locale="zh-CN"
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def demo(reference):
    return load_all(data_dir=settings.BASE_DIR / "data" / "supervision", today=timezone.localdate())


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_leader_unit_and_public(new_page, demo, users, tmp_path):
    # The leader: the nav leads to 督办, one click on 滞后 lists only lagging items.
    leader = new_page()
    login(leader, "district_leader")
    leader.click("header nav >> text=督办")
    leader.wait_for_selector("#kpi-lagging")
    lagging = int(leader.locator("#kpi-lagging b").inner_text())
    assert lagging > 0
    shot(leader, "supervision-leader")
    leader.click("#kpi-lagging")
    leader.wait_for_url("**/supervision/?status=lagging")
    statuses = set(leader.locator("table.items tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)"))
    assert statuses == {"lagging"}
    assert leader.locator("table.items tbody tr").count() == min(lagging, 50)
    leader.goto("/supervision/?source=target_responsibility")
    leader.click("tr[data-item='ZRS2024-17'] a")
    assert "学前教育公办率提升至50%" in leader.locator("#item-title").inner_text()
    assert "2024-12-31" in leader.locator("#next-step").inner_text()
    shot(leader, "supervision-task")

    # The street (方庄) reports progress on its project with a photo as evidence.
    item = SupervisionItem.objects.get(number="MSXM-DEMO-12")
    unit = new_page()
    login(unit, "handler")
    unit.goto("/supervision/")
    assert (
        unit.locator("table.items tbody tr").count() == SupervisionItem.objects.filter(lead_unit=item.lead_unit).count()
    )
    unit.click("tr[data-item='MSXM-DEMO-12'] a")
    photo = tmp_path / "竣工照片.jpg"
    photo.write_bytes(samples.photo())
    form = unit.locator("details[data-action=report_progress] form")
    form.locator("textarea[name=text]").fill("4部电梯主体完工，已报特检院验收")
    form.locator("input[name=value]").fill("4")
    form.locator("select[name=milestone]").select_option(
        label=unit.locator("details[data-action=report_progress] select[name=milestone] option").nth(1).inner_text()
    )
    form.locator("input[name=completes_milestone]").check()
    form.locator("input[type=file]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    unit.wait_for_selector("text=已报送进展")
    assert unit.locator("#reports img").count() >= 1
    shot(unit, "supervision-unit-report")
    evidence = Attachment.objects.filter(original_name="竣工照片.jpg").get()
    assert evidence.gps_lat is not None  # staff keep the position …

    # … the public sees the progress and the photo without it, and no names.
    public = new_page(width=1100)
    public.goto("/supervision/public/?source=livelihood_project")
    assert public.locator(".public-card").count() == 21
    shot(public, "supervision-public")
    public.goto(f"/supervision/public/{item.pk}/")
    assert "4部电梯主体完工" in public.content() and "handler" not in public.content()
    image = public.request.get(f"/attachments/{evidence.pk}/public/")
    assert image.ok and b"iPhone" not in image.body()
    shot(public, "supervision-public-item")


def test_meetings_and_proactive_pages(new_page, demo, users):
    page = new_page()
    login(page, "dispatcher")
    page.goto("/supervision/meetings/")
    assert page.locator("#fig-asked").inner_text() == "191"
    assert page.locator("#fig-collected").inner_text() == "1216"
    assert page.locator("#fig-solved").inner_text() == "725"
    shot(page, "supervision-meetings")
    page.goto("/supervision/proactive/")
    assert page.locator("#proactive-list tbody tr").count() == 1
    shot(page, "supervision-proactive")
