"""The supervision pages render for each audience and refuse what they must."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from jiesu.attachments.tests import samples
from jiesu.supervision import services
from jiesu.supervision.demo import load_all
from jiesu.supervision.models import Source, SupervisionItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(reference):
    return load_all(data_dir=settings.BASE_DIR / "data" / "supervision", today=timezone.localdate())


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_leader_reaches_lagging_items_in_one_click(demo, users):
    page = logged_in(users["district_leader"]).get("/supervision/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="kpi-lagging"' in html
    lagging = logged_in(users["district_leader"]).get("/supervision/?status=lagging")
    rows = lagging.content.decode().count('data-status="lagging"')
    assert rows > 0 and 'data-status="in_progress"' not in lagging.content.decode()
    target = logged_in(users["district_leader"]).get("/supervision/?source=target_responsibility")
    assert "ZRS2024-01" in target.content.decode() and "2024-06-30" in target.content.decode()


def test_pool_ranking_and_rollups(demo, users):
    html = logged_in(users["district_leader"]).get("/supervision/?source=livelihood_project").content.decode()
    assert 'id="pool-ranking"' in html and "演示数据" in html
    html = logged_in(users["district_leader"]).get("/supervision/?by=unit").content.decode()
    assert 'id="rollups"' in html and "牵头单位" in html


def test_unit_sees_its_items_and_reports_with_evidence(demo, users, units):
    item = SupervisionItem.objects.get(number="MSXM-DEMO-12")  # 方庄
    client = logged_in(users["handler"])
    listing = client.get("/supervision/").content.decode()
    assert "MSXM-DEMO-12" in listing and "MSXM-DEMO-01" not in listing
    answer = client.post(
        f"/supervision/items/{item.pk}/act/report_progress/",
        {"text": "电梯已通过验收", "files": [_upload()]},
    )
    assert answer.status_code == 302
    detail = client.get(f"/supervision/items/{item.pk}/").content.decode()
    assert "电梯已通过验收" in detail and "/thumbnail/" in detail


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("验收.jpg", samples.photo(), "image/jpeg")


def test_report_on_another_units_item_is_403_on_the_page(demo, users):
    other = SupervisionItem.objects.get(number="MSXM-DEMO-12")  # 方庄's, other_handler is 右安门
    answer = logged_in(users["other_handler"]).post(
        f"/supervision/items/{other.pk}/act/report_progress/", {"text": "x"}
    )
    assert answer.status_code == 404  # not even visible to another street on the page
    leader = logged_in(users["district_leader"])
    answer = leader.post(f"/supervision/items/{other.pk}/act/report_progress/", {"text": "代报"})
    assert answer.status_code == 403 and "您的角色（区领导）不能执行“报送进展”" in answer.content.decode()
    # An assisting unit sees the item but does not report on it.
    services.assign(
        user=users["dispatcher"],
        item_id=other.pk,
        lead_unit=other.lead_unit,
        assisting_units=[users["other_handler"].unit],
    )
    helper = logged_in(users["other_handler"])
    answer = helper.post(f"/supervision/items/{other.pk}/act/report_progress/", {"text": "我们来报"})
    assert answer.status_code == 403 and "只有牵头单位可以执行“报送进展”" in answer.content.decode()
    assert other.reports.filter(text="我们来报").count() == 0


def test_missing_evidence_is_a_chinese_message(demo, users):
    item = SupervisionItem.objects.get(number="MSXM-DEMO-12")
    milestone = item.milestones.filter(done_at__isnull=True).first()
    client = logged_in(users["handler"])
    answer = client.post(
        f"/supervision/items/{item.pk}/act/report_progress/",
        {"text": "完成", "milestone": milestone.pk, "completes_milestone": "1"},
        follow=True,
    )
    assert "须上传佐证材料" in answer.content.decode()


def test_public_page_has_no_people(demo, users):
    item = SupervisionItem.objects.get(number="MSXM-DEMO-12")
    services.report_progress(user=users["handler"], item_id=item.pk, text="公开的进展")
    anonymous = Client()
    listing = anonymous.get("/supervision/public/")
    assert listing.status_code == 200 and "进度公开" in listing.content.decode()
    detail = anonymous.get(f"/supervision/public/{item.pk}/").content.decode()
    assert "公开的进展" in detail and "handler" not in detail and str(users["handler"]) not in detail
    hidden = SupervisionItem.objects.get(number="ZRS2024-35")
    assert anonymous.get(f"/supervision/public/{hidden.pk}/").status_code == 404
    assert anonymous.get("/supervision/").status_code == 302  # staff pages need a login


def test_other_pages_render(demo, users):
    client = logged_in(users["dispatcher"])
    for path in ("/supervision/proactive/", "/supervision/meetings/", "/supervision/assistance/"):
        answer = client.get(path)
        assert answer.status_code == 200, path
    meetings = client.get("/supervision/meetings/").content.decode()
    assert "1216" in meetings and "725" in meetings and "191" in meetings
    proactive = client.get("/supervision/proactive/").content.decode()
    assert "治理成效" in proactive and SupervisionItem.objects.filter(source=Source.PROACTIVE).exists()


def test_admin_lists_supervision_records(demo, users):
    client = logged_in(users["admin"])
    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    item = SupervisionItem.objects.get(number="ZRS2024-01")
    for path in (
        "/admin/supervision/supervisionitem/",
        f"/admin/supervision/supervisionitem/{item.pk}/change/",
        "/admin/supervision/area/",
        "/admin/supervision/leaderpatch/",
        "/admin/supervision/supervisionevent/",
        "/admin/supervision/reportmeeting/",
        "/admin/attachments/attachment/",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/supervision/supervisionitem/add/").status_code == 403
