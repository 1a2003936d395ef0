"""Every input that gave a 500 (issue 14, points 1 and 5) now gets a clear 4xx — one test per URL.
NUL in a query reaches PostgreSQL as an error, so these run on both databases."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jiesu.intake.models import ApiKey
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent


@pytest.fixture
def web(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    return client


@pytest.fixture
def anonymous(db):
    return Client(raise_request_exception=False)


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, expected",
    [
        ("/open311/v2/requests.json?start_date=9999-12-31T23:59:59Z", 400),
        ("/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z", 400),
        ("/open311/v2/requests.json?status=%00", 400),
        ("/open311/v2/requests/%00.json", 400),
        ("/open311/v2/services.json?jurisdiction_id=a%00", 400),
        ("/citizen/track/?number=%00", 400),
        ("/citizen/track/?number=FT%00&tail=1234", 400),
        ("/supervision/public/?q=%00", 400),
    ],
)
def test_anonymous_urls(anonymous, url, expected):
    response = anonymous.get(url)
    assert response.status_code == expected, (url, response.status_code)
    assert chinese(response.content.decode())


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/orders/?to=9999-12-31", 200),  # an impossible filter date counts as not given
        ("/orders/?from=0001-01-01", 200),
        ("/orders/?q=%00", 400),
        ("/intake/projects/?q=%00", 400),
        ("/reports/dashboard/?month=9999-12", None),
        ("/reports/dashboard/?month=0000-01", None),
        ("/console/?tab=%00", 400),
    ],
)
def test_signed_in_pages(web, url, expected):
    response = web.get(url)
    assert response.status_code < 500, (url, response.status_code)
    if expected:
        assert response.status_code == expected, (url, response.status_code)


@pytest.mark.parametrize(
    "url, code",
    [
        ("/api/v1/orders?unit=%00", "control_characters"),
        ("/api/v1/orders?received_to=9999-12-31", "invalid_parameter"),
        ("/api/v1/orders?received_from=0001-01-01", "invalid_parameter"),
        ("/api/v1/orders?category=%00", "control_characters"),
    ],
)
def test_api_query_parameters(web, url, code):
    response = web.get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and chinese(body["message"])


def test_a_3mb_body_is_413(web):
    response = web.post("/api/v1/orders", data="x" * 3_000_000, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large" and "MB" in response.json()["message"]


def test_a_3mb_form_is_413(web):
    response = web.post("/intake/", data="content=" + "x" * 3_000_000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_json_nested_5000_deep_is_400(users):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(users["agent"])
    response = api.post("/api/v1/orders", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "too_deep"
    nested: list = [1]
    for _ in range(40):
        nested = [nested]
    response = api.post("/api/v1/orders", data=json.dumps({"content": nested}), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "too_deep"


def test_json_nul_in_a_string_is_400(users):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(users["agent"])
    response = api.post("/api/v1/orders", {"content": "井盖\u0000缺失"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "control_characters"
    assert not WorkOrder.objects.exists()


def test_api_refuses_out_of_window_times_and_points(users):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(users["agent"])
    base = {"content": "井盖缺失", "address": "马家堡东路"}
    for patch, code in (
        ({"occurred_at": "9999-12-31T00:00:00+08:00"}, "out_of_range"),
        ({"occurred_at": "1900-01-01T00:00:00+08:00"}, "out_of_range"),
        ({"lat": 0, "lng": 0}, "invalid_location"),
        ({"lat": 39.84}, "invalid_location"),
    ):
        response = api.post("/api/v1/orders", {**base, **patch}, format="json")
        assert response.status_code == 400, (patch, response.content)
        assert response.json()["code"] == code and chinese(response.json()["message"])
    assert not WorkOrder.objects.exists()


@pytest.fixture
def order(users):
    created, _ = services.create_order(user=users["agent"], content="楼道堆物", requester_phone="13800001234")
    return created


@pytest.mark.parametrize("action", ["mark_unreasonable", "merge"])
def test_600_character_reasons_are_a_clear_400(web, order, users, action):
    other, _ = services.create_order(user=users["agent"], content="另一件")
    data = {"reason": "长" * 600, "kind": "repeat", "master": other.number}
    response = web.post(f"/orders/{order.pk}/act/{action}/", data)
    assert response.status_code == 400
    assert "不能超过500字" in response.content.decode()
    order.refresh_from_db()
    assert order.state == "received" and order.events.count() == 1


def test_600_character_reason_on_the_api(users, order):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(users["dispatcher"])
    response = api.post(
        f"/api/v1/orders/{order.pk}/actions/mark_unreasonable", {"kind": "repeat", "reason": "长" * 600}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_service_refuses_long_reasons_for_every_caller(users, order):
    with pytest.raises(Exception) as error:
        services.mark_unreasonable(user=users["dispatcher"], order_id=order.pk, kind="repeat", reason="长" * 600)
    assert getattr(error.value, "code", "") == "too_long"


def test_confidence_abc_and_forged_confidence(web, order, units, monkeypatch):
    from jiesu.web import integrations

    monkeypatch.setattr(integrations, "recommend", lambda **kw: None)  # no stored proposal
    for confidence in ("abc", "0.999"):
        response = web.post(
            f"/orders/{order.pk}/act/dispatch/",
            {"lead_unit": units["110106013"].pk, "recommended": "1", "confidence": confidence},
        )
        assert response.status_code in (302, 409), response.status_code
    decision = WorkOrderEvent.objects.get(order=order, action="dispatch").payload["decision"]
    assert decision == {"method": "manual"}  # the browser's number is never written


def test_forged_confidence_is_replaced_by_the_stored_one(web, order, units, monkeypatch):
    from jiesu.web import integrations

    stored = integrations.Recommendation(
        unit_id=units["110106013"].pk,
        unit_name="方庄街道",
        category_code="",
        category_name="",
        confidence=0.42,
        reasons=[],
    )
    monkeypatch.setattr(integrations, "recommend", lambda **kw: stored)
    web.post(
        f"/orders/{order.pk}/act/dispatch/",
        {"lead_unit": units["110106013"].pk, "recommended": "1", "confidence": "0.999"},
    )
    decision = WorkOrderEvent.objects.get(order=order, action="dispatch").payload["decision"]
    assert decision == {"method": "recommendation", "confidence": 0.42}


def test_open311_nul_and_huge_numbers(anonymous, reference):
    key = ApiKey.objects.create(name="随手拍")
    response = anonymous.post(
        "/open311/v2/requests.json",
        {"api_key": key.key, "service_code": "01.02", "address_string": "丰台路", "description": "a\x00b"},
    )
    assert response.status_code == 400 and response.json()[0]["code"] == "control_characters"
    response = anonymous.post(
        "/open311/v2/requests.json",
        {
            "api_key": key.key,
            "service_code": "01.02",
            "address_string": "丰台路",
            "description": "路灯不亮",
            "attribute[affected_households]": "9" * 5000,
        },
    )
    assert response.status_code == 400 and response.json()[0]["code"] == "attribute_invalid"
    response = anonymous.post(
        "/open311/v2/requests.json",
        {"api_key": key.key, "service_code": "01.02", "lat": "0", "long": "0", "description": "路灯不亮"},
    )
    assert response.status_code == 400 and response.json()[0]["code"] == "invalid_location"


def test_services_check_keys_before_looking_them_up_and_edits_too(users, order):
    from jiesu.common.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        services.create_order(user=users["agent"], content="井盖缺失", client_ref="ref\x00")
    assert error.value.code == "control_characters"
    with pytest.raises(InvalidInput) as error:
        services.edit_order(user=users["agent"], order_id=order.pk, address="长" * 301)
    assert error.value.code == "too_long" and error.value.details == {"field": "address"}
    order.refresh_from_db()
    assert order.address == "" and order.version == 1
