"""The supervision pages in real headless Chromium (the pattern of jiesu/web/tests/test_browser.py):
a leader finds the lagging items in one click, a street reports progress with a photo, the
public progress page and the meetings page. Screenshots go to var/screenshots/ (or
JIESU_SCREENSHOTS_DIR=docs/screenshots)."""

import pytest
from django.conf import settings
from django.utils import timezone

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.common.testing.browser import login, shot
from jiesu.supervision.demo import load_all
from jiesu.supervision.models import SupervisionItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(reference):
    return load_all(data_dir=settings.BASE_DIR / "data" / "supervision", today=timezone.localdate())


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
