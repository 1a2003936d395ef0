"""The supervision API: list filters, detail, progress with evidence (multipart), milestones,
actions; 403 for another unit's report, Chinese errors, the public list without personal data."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jiesu.attachments.tests import samples
from jiesu.supervision.models import Source

pytestmark = pytest.mark.django_db
FANGZHUANG = "110106013"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def items(make_item, units):
    return {
        "project": make_item(),
        "task": make_item(
            source=Source.TARGET_RESPONSIBILITY,
            title="学前教育公办率提升至50%",
            target_value=50,
            target_unit="%",
            lead_unit=units["110106-D01"],
            is_public=True,
        ),
    }


def test_list_filters_by_source_unit_and_status(items, users):
    api = client_for(users["district_leader"])
    body = api.get("/api/v1/supervision/items").json()
    assert body["count"] == 2
    only = api.get("/api/v1/supervision/items", {"source": "target_responsibility"}).json()["results"]
    assert [r["title"] for r in only] == ["学前教育公办率提升至50%"]
    assert only[0]["target_value"] == "50.00" and only[0]["next_milestone"]["title"] == "完成居民意见征询"
    by_unit = api.get("/api/v1/supervision/items", {"unit": FANGZHUANG}).json()["results"]
    assert [r["number"] for r in by_unit] == [items["project"].number]
    statuses = {r["status"] for r in body["results"]}
    lagging = api.get("/api/v1/supervision/items", {"status": "lagging"}).json()["count"]
    assert lagging == sum(1 for r in body["results"] if r["status"] == "lagging") and statuses
    bad = api.get("/api/v1/supervision/items", {"status": "late"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_parameter" and "未知状态" in bad.json()["message"]
    assert api.get("/api/v1/supervision/items", {"source": "nope"}).status_code == 400


def test_units_see_their_own_items_only(items, users):
    api = client_for(users["other_handler"])
    assert api.get("/api/v1/supervision/items").json()["count"] == 0
    assert api.get(f"/api/v1/supervision/items/{items['project'].pk}").status_code == 404


def test_progress_report_on_someone_elses_item_is_403(items, users):
    item = items["task"]  # led by 区住建委
    for user in ("handler", "district_leader"):
        answer = client_for(users[user]).post(
            f"/api/v1/supervision/items/{item.pk}/progress", {"text": "进展"}, format="json"
        )
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert item.reports.count() == 0


def test_progress_with_evidence_by_multipart(items, users):
    item = items["project"]
    milestone = item.milestones.get(seq=1)
    api = client_for(users["handler"])
    missing = api.post(
        f"/api/v1/supervision/items/{item.pk}/progress",
        {"text": "征询完成", "milestone": milestone.pk, "completes_milestone": "true"},
        format="multipart",
    )
    assert missing.status_code == 400 and missing.json()["code"] == "evidence_required"
    assert "佐证材料" in missing.json()["message"]
    answer = api.post(
        f"/api/v1/supervision/items/{item.pk}/progress",
        {
            "text": "征询完成",
            "value": "1",
            "milestone": milestone.pk,
            "completes_milestone": "true",
            "files": [
                SimpleUploadedFile("征询表.pdf", samples.pdf(), "application/pdf"),
                SimpleUploadedFile("现场.jpg", samples.photo(), "image/jpeg"),
            ],
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    (report,) = body["reports"]
    assert [e["name"] for e in report["evidence"]] == ["征询表.pdf", "现场.jpg"]
    assert report["evidence"][1]["thumbnail_url"].endswith("/thumbnail/")
    assert body["milestones"][0]["done_at"] and body["next_milestone"]["title"] == "开工"
    assert body["history"][-1]["summary"].startswith("报送进展（完成节点“完成居民意见征询”")


def test_milestone_before_start_and_bad_dates_are_chinese_errors(items, users):
    item = items["project"]
    api = client_for(users["dispatcher"])
    answer = api.post(
        f"/api/v1/supervision/items/{item.pk}/milestones", {"title": "验收", "due_date": "2026-01-01"}, format="json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "milestone_before_start"
    assert "早于事项开始日期" in answer.json()["message"]
    answer = api.post(
        f"/api/v1/supervision/items/{item.pk}/milestones", {"title": "验收", "due_date": "明年"}, format="json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_input"
    ok = api.post(
        f"/api/v1/supervision/items/{item.pk}/milestones", {"title": "验收", "due_date": "2026-12-20"}, format="json"
    )
    assert ok.status_code == 201 and len(ok.json()["milestones"]) == 3


def test_create_and_actions(users, units):
    api = client_for(users["district_leader"])
    answer = api.post(
        "/api/v1/supervision/items",
        {
            "source": "leader_instruction",
            "title": "解决方庄地区停车难",
            "lead_unit": FANGZHUANG,
            "start_date": "2026-06-01",
            "milestones": [{"title": "方案", "due_date": "2026-05-01"}],
        },
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "milestone_before_start"
    answer = api.post(
        "/api/v1/supervision/items",
        {
            "source": "leader_instruction",
            "title": "解决方庄地区停车难",
            "lead_unit": FANGZHUANG,
            "start_date": "2026-06-01",
            "milestones": [{"title": "方案", "due_date": "2026-07-01"}],
        },
        format="json",
    )
    assert answer.status_code == 201
    item_id = answer.json()["id"]
    assert (
        client_for(users["handler"])
        .post("/api/v1/supervision/items", {"source": "proactive", "title": "x"}, format="json")
        .status_code
        == 403
    )
    supervise = api.post(f"/api/v1/supervision/items/{item_id}/actions/supervise", {"reason": "请加快"}, format="json")
    assert supervise.status_code == 200 and supervise.json()["history"][-1]["action"] == "supervise"
    close = api.post(f"/api/v1/supervision/items/{item_id}/actions/close", {}, format="json")
    assert close.status_code == 409 and "在办" in close.json()["message"]
    assert api.post(f"/api/v1/supervision/items/{item_id}/actions/fly", {}, format="json").status_code == 404
    rollup = api.get("/api/v1/supervision/rollups", {"by": "unit"}).json()
    assert rollup[0]["label"] == "方庄街道" and rollup[0]["total"] == 1


def test_public_list_needs_no_login_and_shows_no_people(items, users):
    from jiesu.supervision import services

    services.report_progress(user=users["handler"], item_id=items["project"].pk, text="进展")
    anonymous = APIClient()
    body = anonymous.get("/api/v1/supervision/public/items").json()
    assert [r["title"] for r in body["results"]] == ["学前教育公办率提升至50%"]
    assert anonymous.get("/api/v1/supervision/items").status_code in (401, 403)
