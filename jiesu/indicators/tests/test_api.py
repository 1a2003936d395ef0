"""GET/POST /api/v1/indicators and the catalogue: values pushed all or nothing, errors as
{code, message}, the schema valid under `spectacular --validate --fail-on-warn`."""

import yaml
from django.contrib.auth.models import Permission
from django.core.management import call_command
from rest_framework.test import APIClient

from jiesu.indicators.models import ImportBatch, IndicatorValue, Origin


def client_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def push(user, values, **extra):
    return client_for(user).post(
        "/api/v1/indicators", {"source": "区城管委拆违系统", "values": values, **extra}, format="json"
    )


def test_admin_pushes_values_once(users, shipped_catalogue):
    values = [
        {"indicator": "demolition_writeoff", "unit": "110106003", "month": "2026-09", "value": 91.5},
        {"indicator": "治乱完成率", "unit": "西罗园街道", "month": "2026-09", "value": "88", "source": "台账"},
    ]
    response = push(users["admin"], values)
    assert response.status_code == 201, response.content
    assert response.json() | {"batch_id": 0} == {"batch_id": 0, "total": 2, "created": 2, "replaced": 0, "unchanged": 0}
    again = push(users["admin"], values)
    assert again.status_code == 201 and again.json()["unchanged"] == 2 and again.json()["created"] == 0
    assert IndicatorValue.objects.count() == 2
    assert set(IndicatorValue.objects.values_list("origin", flat=True)) == {Origin.API}
    assert IndicatorValue.objects.get(indicator="disorder_completion").source == "台账"


def test_one_bad_value_refuses_the_whole_push(users, shipped_catalogue):
    values = [
        {"indicator": "fires", "unit": "方庄街道", "month": "2026-09", "value": 1},
        {"indicator": "fires", "unit": "方庄街道", "month": "2099-09", "value": 1},
        {"indicator": "fires", "unit": "方庄街道", "month": "2026-08", "value": "many"},
    ]
    response = push(users["admin"], values)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_values" and "未写入任何数据" in body["message"] and "第2条" in body["message"]
    assert [(r["index"], r["code"]) for r in body["details"]["rows"]] == [(2, "future_month"), (3, "bad_value")]
    assert not IndicatorValue.objects.exists() and not ImportBatch.objects.exists()


def test_a_changed_value_needs_replace(users, shipped_catalogue):
    push(users["admin"], [{"indicator": "fires", "unit": "方庄街道", "month": "2026-09", "value": 1}])
    refused = push(users["admin"], [{"indicator": "fires", "unit": "方庄街道", "month": "2026-09", "value": 2}])
    assert refused.status_code == 400 and refused.json()["details"]["rows"][0]["code"] == "value_exists"
    accepted = push(
        users["admin"], [{"indicator": "fires", "unit": "方庄街道", "month": "2026-09", "value": 2}], replace=True
    )
    assert accepted.status_code == 201 and accepted.json()["replaced"] == 1
    assert IndicatorValue.objects.get().value == 2


def test_who_may_push(users, shipped_catalogue):
    value = [{"indicator": "fires", "unit": "方庄街道", "month": "2026-09", "value": 1}]
    response = push(users["handler"], value)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    system = users["dispatcher"]
    system.user_permissions.add(Permission.objects.get(codename="push_indicatorvalue"))
    system = type(system).objects.get(pk=system.pk)  # drop the permission cache
    assert push(system, value).status_code == 201
    anonymous = APIClient().post("/api/v1/indicators", {"source": "x", "values": value}, format="json")
    assert anonymous.status_code in (401, 403) and anonymous.json()["code"] == "not_authenticated"


def test_malformed_bodies_are_chinese_errors(users, shipped_catalogue):
    api = client_for(users["admin"])
    no_source = api.post("/api/v1/indicators", {"values": []}, format="json")
    assert no_source.status_code == 400 and no_source.json()["code"] == "invalid_input"
    assert "source" in no_source.json()["message"]
    empty = api.post("/api/v1/indicators", {"source": "x", "values": []}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "empty_values"
    not_json = api.post("/api/v1/indicators", "{oops", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json()["code"] == "parse_error"


def test_readers_list_values_with_filters(users, shipped_catalogue, units):
    for month, value in (("2026-08-01", 1.0), ("2026-09-01", 2.0)):
        IndicatorValue.objects.create(indicator="fires", unit=units["110106013"], month=month, value=value,
                                      origin=Origin.IMPORT, source="消防")  # fmt: skip
    IndicatorValue.objects.create(indicator="fires", unit=units["110106003"], month="2026-09-01", value=0,
                                  origin=Origin.IMPORT, source="消防")  # fmt: skip
    api = client_for(users["handler"])
    body = api.get("/api/v1/indicators?indicator=fires&unit=方庄街道").json()
    assert body["count"] == 2
    assert [(r["month"], r["value"], r["indicator_name"]) for r in body["results"]] == [
        ("2026-09", 2.0, "火灾数"),
        ("2026-08", 1.0, "火灾数"),
    ]
    assert api.get("/api/v1/indicators?month=2026-09").json()["count"] == 2
    assert api.get("/api/v1/indicators?from=2026-09&to=2026-09&unit=110106013").json()["count"] == 1
    bad = api.get("/api/v1/indicators?month=2026-9x")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_month"


def test_catalogue_tells_what_may_be_pushed(users, shipped_catalogue):
    body = client_for(users["handler"]).get("/api/v1/indicators/catalogue?month=2026-09").json()
    assert body["version"] == "fengtai-2024"
    importable = {i["code"]: i["importable"] for i in body["indicators"]}
    assert importable["jiesu_composite"] is False and importable["qiyou_score"] is False
    assert importable["fires"] is True
    # Platform indicators whose provider app is installed are computed, the others may be pushed.
    from jiesu.indicators import providers

    for code in ("project_pool_completion", "hazard_rectification", "grid_closure"):
        assert importable[code] is (code not in providers.registered()), code


def test_schema_validates_without_warnings(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/indicators"])
    assert "get" in paths["/api/v1/indicators/catalogue"]
