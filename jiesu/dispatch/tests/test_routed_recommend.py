"""The recommendation with the routing model (issue 12): tree categories and units, abstention with a
reason instead of a 500, the model's category recorded on orders from channels without a clerk, a
clerk's category routed by its 权责清单 rule, auto-dispatch only above the threshold."""

import pytest
from rest_framework.test import APIClient

from jiesu.dispatch import locator, recommend, router
from jiesu.dispatch.routing import model as rm
from jiesu.dispatch.routing.testing import small_model_path
from jiesu.dispatch.services import update_settings
from jiesu.workorders import services
from jiesu.workorders.models import Category, State


@pytest.fixture(scope="module")
def small_model():
    return rm.load(small_model_path())


@pytest.fixture(autouse=True)
def routed(monkeypatch, small_model):
    monkeypatch.setattr(recommend, "_routing_model", lambda: small_model)
    locator.cache.clear()
    router.cache.clear()
    yield
    locator.cache.clear()
    router.cache.clear()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_api_order_gets_tree_category_and_unit_and_keeps_the_models_category(users):
    response = client_for(users["agent"]).post(
        "/api/v1/orders",
        {"title": "拖欠工资", "content": "公司拖欠工资三个月不发，老板不见了", "requester_phone": "13800001111"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()["recommendation"]
    assert body["category"]["top"][0]["path"].startswith("劳动就业与社保/")
    assert body["lead_units"][0]["name"] == "北京市丰台区人力资源和社会保障局"
    assert body["abstained"] == {"abstained": False, "reason": ""}
    event = services_order_event(response.json()["id"], "recategorize")
    assert event.payload["category_by"] == "model" and event.payload["probability"] > 0
    # The recorded category is the model's, so the next proposal still routes by the model.
    again = client_for(users["dispatcher"]).post(f"/api/v1/orders/{response.json()['id']}/recommendation").json()
    assert again["category"]["source"] == "model"


def services_order_event(order_id, action):
    from jiesu.workorders.models import WorkOrderEvent

    return WorkOrderEvent.objects.get(order_id=order_id, action=action)


@pytest.mark.django_db
@pytest.mark.parametrize("content", ["hello world", "好", "投诉" * 3000])
def test_unroutable_text_is_an_abstention_not_an_error(users, content):
    order, _ = services.create_order(user=users["agent"], content=content, requester_phone="13800001111")
    response = client_for(users["dispatcher"]).post(f"/api/v1/orders/{order.pk}/recommendation")
    assert response.status_code == 200
    body = response.json()
    assert body["abstained"]["abstained"] is True and body["abstained"]["reason"]
    assert body["lead_units"] == [] and body["auto_dispatch"]["eligible"] is False
    assert any("转人工" in r for r in body["auto_dispatch"]["reasons"])


@pytest.mark.django_db
def test_a_clerks_category_is_certain_and_its_rule_leads(users):
    school = Category.objects.get(path="教育/义务教育/入学与学位")
    order, _ = services.create_order(
        user=users["agent"], content="想咨询一下这件事情应该怎么办理", category=school, requester_phone="13800001111"
    )
    body = client_for(users["dispatcher"]).post(f"/api/v1/orders/{order.pk}/recommendation").json()
    assert body["category"]["source"] == "order" and body["category"]["chosen"]["path"] == school.path
    assert body["lead_units"][0]["name"] == "北京市丰台区教育委员会"


@pytest.mark.django_db
def test_auto_dispatch_only_above_the_threshold(users):
    update_settings(auto_dispatch_enabled=True, confidence_threshold=0.999, min_category_probability=0.0)
    order, _ = services.create_order(
        user=users["agent"], content="家里手机信号很差，打不了电话", requester_phone="13800001111"
    )
    from jiesu.dispatch.services import recommend_order

    body = recommend_order(order_id=order.pk, allow_auto=True)
    order.refresh_from_db()
    assert order.state == State.RECEIVED and body["auto_dispatch"]["done"] is False
    assert any("低于阈值" in r for r in body["auto_dispatch"]["reasons"])
