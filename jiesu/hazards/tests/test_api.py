"""企安安 through the API: register → checklists → inspection (JSON or multipart with photos) →
报告整改完成 → 复查 (fail, then pass → 销号); permissions, `{code, message}` for bad input, and
nothing half-written when a request is refused."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.hazards import services
from jiesu.hazards.models import Enterprise, Finding, Hazard, HazardEvent, HazardState, Inspection

FANGZHUANG = "110106013"
CREDIT = "91110106MA01ABCD1X"
ALL_PASS = [{"item": "C01", "passed": True}, {"item": "C02", "passed": True}, {"item": "C03", "passed": True}]


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def enterprise(units):
    services.load_checklists()
    return services.register_enterprise(
        name="和美餐厅", credit_code=CREDIT, industry="餐饮", street=FANGZHUANG, lat=39.86, lng=116.42
    )


def _inspect(user, target, results, **extra):
    body = {"enterprise": target.pk, "checklist": "CATERING", "results": results, **extra}
    return _api(user).post("/api/v1/hazards/inspections", body, format="json")


def _failed_c02():
    return [ALL_PASS[0], {"item": "C02", "passed": False, "note": "燃气软管老化开裂"}, ALL_PASS[2]]


def _nothing_written():
    return not (Inspection.objects.exists() or Finding.objects.exists() or Hazard.objects.exists()) and not (
        Attachment.objects.exists()
    )


def test_the_whole_workflow_through_the_api(units, users, _attachments_in_tmp):
    services.load_checklists()
    handler = _api(users["handler"])
    made = handler.post(
        "/api/v1/hazards/enterprises",
        {"name": "和美餐厅", "credit_code": CREDIT.lower(), "industry": "餐饮", "street": FANGZHUANG,
         "address": "方庄路1号", "lat": 39.86, "lng": 116.42},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    enterprise = Enterprise.objects.get(credit_code=CREDIT)
    assert made.json()["street_name"] and made.json()["credit_code"] == CREDIT

    found = handler.get("/api/v1/hazards/enterprises", {"q": "和美"}).json()
    assert [row["id"] for row in found["results"]] == [enterprise.pk]
    checklists = handler.get("/api/v1/hazards/checklists", {"enterprise": enterprise.pk}).json()
    # The general list applies to every industry; the warehouse list not to 餐饮.
    assert [c["code"] for c in checklists] == ["CATERING", "GENERAL"]
    items = [i["code"] for i in checklists[0]["items"]]
    assert items == ["C01", "C02", "C03"]

    # Multipart: the results as a JSON string, photos as files; one hazard for the failed item.
    answer = handler.post(
        "/api/v1/hazards/inspections",
        {"enterprise": enterprise.pk, "checklist": "CATERING", "results": json.dumps(_failed_c02()),
         "note": "例行检查", "photos": [SimpleUploadedFile("现场.jpg", samples.photo())]},
        format="multipart",
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert [f["passed"] for f in body["findings"]] == [True, False, True]
    assert len(body["hazards"]) == 1 and body["hazards"][0]["level"] == "general" and len(body["photos"]) == 1
    hazard_id = body["hazards"][0]["id"]
    assert Attachment.objects.get().owner == Inspection.objects.get()

    detail = handler.get(f"/api/v1/hazards/{hazard_id}").json()
    assert detail["state"] == "open" and detail["item"] == "C02"
    assert detail["allowed_actions"] == ["rectified", "reinspect_pass"]
    assert [e["action"] for e in detail["events"]] == ["create"]

    def act(action, **body):
        return handler.post(f"/api/v1/hazards/{hazard_id}/actions/{action}", body, format="json")

    assert act("rectified", note="已更换软管").json()["state"] == "awaiting"
    failed = act("reinspect_fail", note="软管接口仍松动")
    assert failed.status_code == 200 and failed.json()["state"] == "open"
    assert act("rectified", note="已紧固接口").status_code == 200
    closed = handler.post(
        f"/api/v1/hazards/{hazard_id}/actions/reinspect_pass",
        {"note": "复查合格", "photos": [SimpleUploadedFile("复查.jpg", samples.photo())]},
        format="multipart",
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed" and closed.json()["allowed_actions"] == []
    assert [e["action"] for e in closed.json()["events"]] == [
        "create", "rectified", "reinspect_fail", "rectified", "reinspect_pass"]  # fmt: skip
    assert Attachment.objects.filter(purpose=f"reinspect:{hazard_id}").count() == 1


@pytest.mark.parametrize(
    ("results", "extra", "status", "code"),
    [
        (ALL_PASS[:2], {}, 400, "incomplete"),  # C03 not answered
        ([*ALL_PASS, {"item": "X99", "passed": True}], {}, 400, "unknown_item"),
        ([ALL_PASS[0], {"item": "C02", "passed": False}, ALL_PASS[2]], {}, 400, "required"),  # no note
        ([ALL_PASS[0], {"item": "C02", "passed": False, "note": "x", "level": "huge"}, ALL_PASS[2]], {}, 400, None),
        ([ALL_PASS[0], {"item": "C02", "passed": "perhaps"}, ALL_PASS[2]], {}, 400, None),
        ([ALL_PASS[0], {"item": "C02", "passed": False, "note": "坏\x00"}, ALL_PASS[2]], {}, 400, None),
        ([ALL_PASS[0], {"item": "C02", "passed": False, "note": "长" * 600}, ALL_PASS[2]], {}, 400, None),
        ([], {}, 400, None),
        ("not a list", {}, 400, None),
        (ALL_PASS, {"checklist": "WAREHOUSE"}, 400, "checklist_not_applicable"),
        (ALL_PASS, {"checklist": "NOPE"}, 400, "checklist_not_found"),
        (ALL_PASS, {"enterprise": 999999}, 404, "enterprise_not_found"),
        (ALL_PASS, {"enterprise": "abc"}, 400, None),
    ],
)
def test_bad_inspections_are_code_and_message_and_write_nothing(enterprise, users, results, extra, status, code):
    answer = _inspect(users["handler"], enterprise, results, **extra)
    assert answer.status_code == status, answer.content
    assert set(answer.json()) >= {"code", "message"} and answer.json()["message"]
    if code:
        assert answer.json()["code"] == code
    assert _nothing_written()


def test_a_bad_photo_in_a_multipart_inspection_stores_nothing(enterprise, users, _attachments_in_tmp):
    answer = _api(users["handler"]).post(
        "/api/v1/hazards/inspections",
        {"enterprise": enterprise.pk, "checklist": "CATERING", "results": json.dumps(_failed_c02()),
         "photos": [SimpleUploadedFile("good.jpg", samples.photo()), SimpleUploadedFile("a.jpg", samples.executable())]},
        format="multipart",
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["code"] == "file_executable"
    assert "可执行程序" in answer.json()["message"]
    assert _nothing_written() and not any(_attachments_in_tmp.rglob("*.*"))
    broken = _api(users["handler"]).post(
        "/api/v1/hazards/inspections",
        {"enterprise": enterprise.pk, "checklist": "CATERING", "results": "[{"},
        format="multipart",
    )
    assert broken.status_code == 400 and "JSON" in broken.json()["message"] and _nothing_written()


def test_permissions(enterprise, users):
    # Hotline agents neither read nor write 企安安; the callback agent cannot inspect.
    assert _api(users["agent"]).get("/api/v1/hazards").status_code == 403
    assert _api(users["agent"]).get("/api/v1/hazards/enterprises").json()["code"] == "forbidden"
    refused = _inspect(users["callback"], enterprise, ALL_PASS)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden" and _nothing_written()

    assert _inspect(users["handler"], enterprise, _failed_c02()).status_code == 201
    hazard = Hazard.objects.get()
    # Another street's handler may read but not act on this street's hazard; nothing is written.
    other = _api(users["other_handler"])
    assert other.get(f"/api/v1/hazards/{hazard.pk}").json()["allowed_actions"] == []
    refused = other.post(f"/api/v1/hazards/{hazard.pk}/actions/rectified", {"note": "已整改"}, format="json")
    assert refused.status_code == 403 and "责任街镇" in refused.json()["message"]
    # Wrong state: 复查未通过 needs 待复查.
    handler = _api(users["handler"])
    wrong = handler.post(f"/api/v1/hazards/{hazard.pk}/actions/reinspect_fail", {"note": "未整改"}, format="json")
    assert wrong.status_code == 409 and wrong.json()["code"]
    assert handler.post(f"/api/v1/hazards/{hazard.pk}/actions/close", {"note": "x"}, format="json").status_code == 404
    missing = handler.post(f"/api/v1/hazards/{hazard.pk}/actions/rectified", {"note": "  "}, format="json")
    assert missing.status_code == 400 and missing.json()["code"]
    photo = handler.post(
        f"/api/v1/hazards/{hazard.pk}/actions/rectified",
        {"note": "已整改", "photos": [SimpleUploadedFile("a.jpg", samples.photo())]},
        format="multipart",
    )
    assert photo.status_code == 400 and photo.json()["code"] == "unexpected_file"
    hazard.refresh_from_db()
    assert hazard.state == HazardState.OPEN and HazardEvent.objects.filter(hazard=hazard).count() == 1
    assert handler.get("/api/v1/hazards/999999").status_code == 404


def test_registering_enterprises_is_scoped(units, users):
    body = {"name": "安达仓储", "credit_code": "91110106MA01WXYZ2K", "industry": "仓储", "street": FANGZHUANG}
    refused = _api(users["other_handler"]).post("/api/v1/hazards/enterprises", body, format="json")
    assert refused.status_code == 403 and "本街镇" in refused.json()["message"]
    assert _api(users["agent"]).post("/api/v1/hazards/enterprises", body, format="json").status_code == 403
    bad = _api(users["handler"]).post("/api/v1/hazards/enterprises", {**body, "credit_code": "123"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_credit_code"
    far = _api(users["handler"]).post(
        "/api/v1/hazards/enterprises", {**body, "lat": 31.23, "lng": 121.47}, format="json"
    )  # Shanghai
    assert far.status_code == 400 and far.json()["message"]
    assert not Enterprise.objects.exists()
    assert _api(users["handler"]).post("/api/v1/hazards/enterprises", body, format="json").status_code == 201
    # Moving it to another street by re-posting its credit code is refused to that street's handler.
    moved = _api(users["other_handler"]).post(
        "/api/v1/hazards/enterprises",
        {**body, "street": "110106001"},  # their own street, format="json"
    )
    assert moved.status_code == 403 and Enterprise.objects.get().street.code == FANGZHUANG


def test_schema_has_the_hazard_endpoints(users):
    schema = _api(users["admin"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("/api/v1/hazards/inspections", "/api/v1/hazards/enterprises", "/api/v1/hazards/checklists",
                 "/api/v1/hazards/{hazard_id}", "/api/v1/hazards/{hazard_id}/actions/{action}"):  # fmt: skip
        assert path in paths, path
    body = paths["/api/v1/hazards/inspections"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
