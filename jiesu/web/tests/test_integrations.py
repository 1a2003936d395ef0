"""The duplicate-hint panel and the recommendation column appear once the other apps provide
them; here they are stood in by small modules with the agreed signatures."""

import sys
import types

import pytest

from jiesu.workorders.models import State, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_find_similar(monkeypatch):
    calls = []

    def find_similar(
        *, content, address="", requester_phone="", lat=None, lng=None, days=7, now=None, exclude_id=None, limit=5
    ):
        calls.append({"content": content, "address": address, "days": days, "limit": limit})
        orders = WorkOrder.objects.filter(address=address).order_by("-received_at")[:limit]
        return [types.SimpleNamespace(order=o, score=0.9, reason="同地点") for o in orders]

    module = types.ModuleType("jiesu.intake.duplicates")
    module.find_similar = find_similar
    monkeypatch.setitem(sys.modules, "jiesu.intake.duplicates", module)
    return calls


def test_hint_panel_says_not_enabled_without_the_function(client, users):
    client.force_login(users["agent"])
    body = client.post("/intake/hints/", {"content": "下水道堵塞污水外溢"}).content.decode()
    assert "尚未启用" in body


def test_hint_panel_counts_similar_requests(client, users, make_order, fake_find_similar):
    for _ in range(3):
        make_order(address="方庄芳城园一区5号楼")
    make_order(address="别处")
    client.force_login(users["agent"])
    body = client.post("/intake/hints/", {"content": "下水道又堵了", "address": "方庄芳城园一区5号楼"}).content.decode()
    assert "近7天同地点相似诉求" in body and "data-hint-count>3<" in body
    assert fake_find_similar[0]["days"] == 7 and fake_find_similar[0]["address"] == "方庄芳城园一区5号楼"
    assert "尚未启用" not in client.get("/intake/").content.decode()


@pytest.fixture
def fake_recommender(monkeypatch, units):
    def recommend(*, order):
        return {
            "lead_unit": units["110106013"],
            "category": "01",
            "confidence": 0.87,
            "reasons": ["类别: 市政 → 属地街道"],
        }

    module = types.ModuleType("jiesu.dispatch.services")
    module.recommend = recommend
    monkeypatch.setitem(sys.modules, "jiesu.dispatch.services", module)


def test_console_shows_recommendation_and_dispatches_in_one_click(client, users, units, make_order, fake_recommender):
    order = make_order()
    client.force_login(users["dispatcher"])
    page = client.get("/console/").content.decode()
    assert "方庄街道" in page and "0.87" in page and "一键派单" in page
    client.post(
        f"/orders/{order.pk}/act/dispatch/",
        {"lead_unit": units["110106013"].pk, "recommended": "1", "confidence": "0.87", "next": "/console/"},
    )
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.events.get(action="dispatch").payload["decision"] == {"method": "recommendation", "confidence": 0.87}


def test_bulk_dispatch_uses_each_recommendation(client, users, units, make_order, fake_recommender):
    orders = [make_order(), make_order("第二件")]
    client.force_login(users["dispatcher"])
    client.post("/console/bulk-dispatch/", {"order": [o.pk for o in orders], "lead_unit": ""})
    assert set(WorkOrder.objects.values_list("lead_unit", flat=True)) == {units["110106013"].pk}


def test_bulk_dispatch_without_recommender_needs_a_unit(client, users, make_order):
    order = make_order()
    client.force_login(users["dispatcher"])
    response = client.post("/console/bulk-dispatch/", {"order": [order.pk]}, follow=True)
    assert "没有推荐单位" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.RECEIVED
