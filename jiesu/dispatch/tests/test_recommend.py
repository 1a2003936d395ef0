"""The recommendation in the flow: the API endpoint, the proposal on create, auto-dispatch."""

import pytest
from rest_framework.test import APIClient

from jiesu.dispatch import locator, recommend, router
from jiesu.dispatch.classifier import ClassifierMissing
from jiesu.dispatch.models import DispatchSettings, Recommendation
from jiesu.dispatch.services import update_settings
from jiesu.dispatch.tests.fakes import LABELS, FakeClassifier, no_routing_model
from jiesu.workorders import services
from jiesu.workorders.models import Category, State

FANGZHUANG = "110106013"
PROPERTY = {
    "title": "物业不管楼道漏水",
    "content": "芳城园一区5号楼楼道水管漏水，物业一直不来修，请尽快处理。",
    "address": "北京市丰台区芳城园一区5号楼",
    "requester_phone": "13800001111",
}


@pytest.fixture(autouse=True)
def fake_classifier(monkeypatch):
    fake = FakeClassifier()
    monkeypatch.setattr(recommend, "_classifier", lambda: fake)
    monkeypatch.setattr(recommend, "_routing_model", no_routing_model)  # these tests cover the 7-label path
    locator.cache.clear()
    router.cache.clear()
    yield fake
    locator.cache.clear()
    router.cache.clear()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def create(users, **fields):
    order, _ = services.create_order(user=users["agent"], **{**PROPERTY, **fields})
    return order


def url(order_id):
    return f"/api/v1/orders/{order_id}/recommendation"


def test_recommendation_endpoint_proposes_category_place_and_units(users, units):
    order = create(users)
    res = client_for(users["dispatcher"]).post(url(order.pk))
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["category"]["source"] == "model"
    assert [c["path"] for c in body["category"]["top"]][0] == "城乡建设"
    assert body["category"]["top"][0]["probability"] == pytest.approx(0.95)
    assert len(body["category"]["top"]) == 3
    assert body["dimensions"]["qiyou"] or body["dimensions"]["wuxing"]
    assert body["location"]["street_name"] == "方庄街道" and body["location"]["method"] == "gazetteer"
    leads = body["lead_units"]
    assert len(leads) == 3
    assert leads[0]["code"] == FANGZHUANG
    assert leads[0]["confidence"] > leads[1]["confidence"]
    assert any("类别：城乡建设（概率 0.95）" in r and "属地街镇（方庄街道）" in r for r in leads[0]["reasons"])
    assert "fake-1" in body["model_version"]
    assert body["auto_dispatch"]["eligible"] is False and body["auto_dispatch"]["done"] is False
    assert "自动派单未开启" in body["auto_dispatch"]["reasons"]
    assert Recommendation.objects.filter(order_id=order.pk).count() == 1
    order.refresh_from_db()
    assert order.state == State.RECEIVED  # asking never dispatches


def test_category_chosen_at_intake_is_used_for_routing(users, units):
    bus = Category.objects.get(path="交通运输")
    order = create(users, title="公交站牌损坏", content="方庄路公交站牌倒了", category=bus)
    body = client_for(users["dispatcher"]).post(url(order.pk)).json()
    assert body["category"]["source"] == "order" and body["category"]["chosen"]["path"] == "交通运输"
    assert body["lead_units"][0]["code"] == "110106-D18"  # 区交通委 by the responsibility list


def test_duplicates_are_listed(users):
    first = create(users)
    second = create(users, content="芳城园一区5号楼楼道水管漏水了，物业不来修，请处理。")
    body = client_for(users["dispatcher"]).post(url(second.pk)).json()
    assert [d["order_id"] for d in body["duplicates"]] == [first.pk]
    assert "同一诉求人" in body["duplicates"][0]["reasons"]


def test_errors_not_found_other_unit_and_anonymous(users):
    order = create(users)
    assert client_for(users["dispatcher"]).post(url(999999)).json()["code"] == "order_not_found"
    res = client_for(users["other_handler"]).post(url(order.pk))  # not their unit's order
    assert res.status_code == 404 and res.json()["code"] == "order_not_found"
    assert APIClient().post(url(order.pk)).status_code in (401, 403)
    assert client_for(users["dispatcher"]).get(url(order.pk)).status_code == 405


def test_without_a_model_the_rest_still_works(users, monkeypatch):
    def missing():
        raise ClassifierMissing("分类模型尚未训练")

    monkeypatch.setattr(recommend, "_classifier", missing)
    order = create(users)
    body = client_for(users["dispatcher"]).post(url(order.pk)).json()
    assert body["category"]["top"] == [] and body["category"]["chosen"] is None
    assert "分类模型不可用" in body["warnings"][0]
    assert body["location"]["street_name"] == "方庄街道"
    assert body["auto_dispatch"]["eligible"] is False


def test_create_api_returns_the_recommendation_without_dispatching_by_default(users):
    res = client_for(users["agent"]).post("/api/v1/orders", PROPERTY, format="json")
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["recommendation"]["lead_units"][0]["code"] == FANGZHUANG
    assert body["state"] == State.RECEIVED


def test_auto_dispatch_when_threshold_met(users, units):
    update_settings(auto_dispatch_enabled=True, confidence_threshold=0.8, min_category_probability=0.8)
    res = client_for(users["agent"]).post("/api/v1/orders", PROPERTY, format="json")
    body = res.json()
    assert body["recommendation"]["auto_dispatch"]["done"] is True
    assert body["state"] == State.DISPATCHED and body["lead_unit"]
    order_id = body["id"]
    from jiesu.workorders.models import WorkOrderEvent

    event = WorkOrderEvent.objects.get(order_id=order_id, action="dispatch")
    assert event.actor_id is None
    decision = event.payload["decision"]
    assert decision["source"] == "auto" and "fake-1" in decision["model_version"]
    assert decision["confidence"] >= 0.8
    assert event.payload["lead_unit"] == units[FANGZHUANG].pk
    assert event.payload["category"] == Category.objects.get(path="城乡建设").code


def test_no_auto_dispatch_below_threshold_or_outside_allowed_categories(users, fake_classifier):
    update_settings(auto_dispatch_enabled=True, confidence_threshold=0.99)
    body = client_for(users["agent"]).post("/api/v1/orders", PROPERTY, format="json").json()
    assert body["state"] == State.RECEIVED
    assert any("低于阈值" in r for r in body["recommendation"]["auto_dispatch"]["reasons"])

    update_settings(confidence_threshold=0.5, allowed_categories="交通运输")
    body = (
        client_for(users["agent"])
        .post("/api/v1/orders", {**PROPERTY, "requester_phone": "13900000000", "address": "方庄路1号"}, format="json")
        .json()
    )
    assert body["state"] == State.RECEIVED
    assert any("不在允许自动派单的范围内" in r for r in body["recommendation"]["auto_dispatch"]["reasons"])

    update_settings(allowed_categories="")
    fake_classifier.top_probability = 0.6  # an unsure model
    body = (
        client_for(users["agent"])
        .post("/api/v1/orders", {**PROPERTY, "requester_phone": "13700000000", "address": "方庄路2号"}, format="json")
        .json()
    )
    assert body["state"] == State.RECEIVED
    assert any("类别概率" in r for r in body["recommendation"]["auto_dispatch"]["reasons"])


def test_no_auto_dispatch_for_a_suspected_duplicate(users):
    update_settings(auto_dispatch_enabled=True, confidence_threshold=0.5)
    client = client_for(users["agent"])
    first = client.post("/api/v1/orders", PROPERTY, format="json").json()
    assert first["state"] == State.DISPATCHED
    again = client.post("/api/v1/orders", {**PROPERTY, "client_ref": "second-call"}, format="json").json()
    assert again["state"] == State.RECEIVED
    assert any("疑似重复件" in r for r in again["recommendation"]["auto_dispatch"]["reasons"])


def test_settings_validation(db):
    from jiesu.common.errors import InvalidInput

    with pytest.raises(InvalidInput):
        update_settings(confidence_threshold=1.5)
    assert DispatchSettings.current().auto_dispatch_enabled is False  # default off


def test_with_the_real_classifier(users):
    """The same flow with a model built by the real training code (a thin slice of the data)."""
    testing = pytest.importorskip("jiesu.dispatch.classifier.testing")
    from pathlib import Path

    from jiesu.dispatch.classifier.model import load

    clf = load(Path(testing.tiny_model()["path"]))
    order = create(users)
    proposal = recommend.build(order=order, classifier=clf)
    top = proposal.body["category"]["top"]
    assert set(clf.labels) == set(LABELS)
    assert len(top) == 3 and all(row["path"] in LABELS for row in top)
    assert top[0]["probability"] >= top[1]["probability"] >= top[2]["probability"]
    assert proposal.body["model_version"].startswith(clf.version)
    assert proposal.body["lead_units"]
