"""The duplicate-hint panel and the recommendation column. Most tests stand the other apps in with
small fakes of the same signatures, so the page logic is tested apart from the model; one test per
panel runs the real function."""

import types

import pytest

from jiesu.web import integrations
from jiesu.workorders.models import State, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_find_similar(monkeypatch):
    """Stands in for jiesu.workorders.duplicates.find_similar: same signature, SimilarOrder-like rows
    (the same address counts as the same place, the same phone as the same requester)."""
    calls = []

    def find_similar(
        *, content, address="", requester_phone="", lat=None, lng=None, days=7, now=None, exclude_id=None, limit=5
    ):
        calls.append({"content": content, "address": address, "days": days, "limit": limit})
        rows = []
        for o in WorkOrder.objects.order_by("-received_at")[:limit]:
            same_place, same_requester = (
                o.address == address,
                bool(requester_phone) and o.requester_phone == requester_phone,
            )
            if same_place or same_requester:
                rows.append(
                    types.SimpleNamespace(
                        order_id=o.pk,
                        number=o.number,
                        title=o.title,
                        state=o.state,
                        received_at=o.received_at,
                        similarity=0.91,
                        same_requester=same_requester,
                        same_place=same_place,
                        merge_into_id=o.pk,
                        reasons=["同一地点"] if same_place else ["同一来电人"],
                    )
                )
        return rows

    monkeypatch.setattr(integrations.duplicates, "find_similar", find_similar)
    return calls


def test_hint_panel_with_the_real_duplicate_finder(client, users, make_order):
    make_order("方庄芳城园一区5号楼下水道堵塞，污水外溢到楼道", address="方庄芳城园一区5号楼")
    make_order("马家堡路灯不亮", address="马家堡东路")
    client.force_login(users["agent"])
    body = client.post(
        "/intake/hints/", {"content": "芳城园一区5号楼下水道又堵塞了，污水外溢", "address": "方庄芳城园一区5号楼"}
    ).content.decode()
    assert "近7天同地点相似诉求" in body and "data-hint-count>1<" in body


def test_hint_panel_counts_similar_requests(client, users, make_order, fake_find_similar):
    for _ in range(3):
        make_order(address="方庄芳城园一区5号楼")
    make_order(address="别处")
    client.force_login(users["agent"])
    body = client.post("/intake/hints/", {"content": "下水道又堵了", "address": "方庄芳城园一区5号楼"}).content.decode()
    assert "近7天同地点相似诉求" in body and "data-hint-count>3<" in body
    assert fake_find_similar[0]["days"] == 7 and fake_find_similar[0]["address"] == "方庄芳城园一区5号楼"


@pytest.fixture
def fake_recommender(monkeypatch, units):
    """Stands in for the dispatch app: recommend_order computes and records a body shaped like
    jiesu.dispatch.recommend's, latest_recommendation reads the recorded one."""
    stored = {}
    computed = []

    def recommend_order(*, order_id, allow_auto=False, classifier=None):
        computed.append(order_id)
        body = {
            "category": {"chosen": {"code": "01", "path": "城乡建设", "name": "城乡建设", "probability": 0.7}},
            "lead_units": [
                {
                    "unit_id": units["110106013"].pk,
                    "name": "方庄街道",
                    "confidence": 0.87,
                    "reasons": ["类别: 城乡建设 → 属地街道"],
                }
            ],
        }
        stored[order_id] = types.SimpleNamespace(payload=body)
        return body

    def latest_recommendation(*, order_id):
        return stored.get(order_id)

    monkeypatch.setattr(integrations.dispatch_services, "recommend_order", recommend_order)
    monkeypatch.setattr(integrations.dispatch_selectors, "latest_recommendation", latest_recommendation)
    return computed


def test_console_shows_recommendation_and_dispatches_in_one_click(client, users, units, make_order, fake_recommender):
    order = make_order()
    client.force_login(users["dispatcher"])
    page = client.get("/console/").content.decode()
    assert "方庄街道" in page and "0.87" in page and "一键派单" in page and "属地街道" in page
    client.get("/console/")
    assert fake_recommender == [order.pk]  # computed once, then read from the record
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


def test_bulk_dispatch_without_recommender_needs_a_unit(client, users, make_order, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("no trained model")

    monkeypatch.setattr(integrations.dispatch_selectors, "latest_recommendation", lambda **kw: None)
    monkeypatch.setattr(integrations.dispatch_services, "recommend_order", broken)
    order = make_order()
    client.force_login(users["dispatcher"])
    response = client.post("/console/bulk-dispatch/", {"order": [order.pk]}, follow=True)
    assert "没有推荐单位" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.RECEIVED


def test_hint_panel_tells_same_requester_apart(client, users, make_order, fake_find_similar):
    make_order(address="别处", requester_phone="13900009999")
    client.force_login(users["agent"])
    body = client.post(
        "/intake/hints/", {"content": "又来反映一次", "address": "方庄", "requester_phone": "13900009999"}
    ).content.decode()
    assert "data-hint-count>0<" in body and "同一来电人 <b>1</b> 件" in body


def test_merge_from_the_order_page(client, users, make_order):
    master, duplicate = make_order(), make_order("同一个下水道又堵了")
    client.force_login(users["dispatcher"])
    response = client.post(f"/orders/{duplicate.pk}/act/merge/", {"master": "FT-nope"})
    assert response.status_code == 400 and "不存在" in response.content.decode()
    client.post(f"/orders/{duplicate.pk}/act/merge/", {"master": master.number, "reason": "同一地点同一问题"})
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == master


def test_every_intake_page_records_a_dispatch_proposal(client, users):
    """The hotline form and the citizen page ask the recommender right after create (like the API
    and Open311), so the console has the proposal when the dispatcher opens it."""
    from jiesu.dispatch.models import Recommendation

    client.force_login(users["agent"])
    client.post(
        "/intake/",
        {
            "content": "方庄芳城园小区物业不清运垃圾，楼道堆满杂物",
            "address": "方庄芳城园一区",
            "requester_phone": "13800001234",
            "urgency": "general",
        },
    )
    client.logout()
    client.post(
        "/citizen/submit/",
        {"content": "马家堡东路路灯不亮，晚上出行不安全", "address": "马家堡东路", "requester_phone": "13911112222"},
    )
    orders = list(WorkOrder.objects.order_by("pk"))
    assert [o.channel for o in orders] == ["hotline", "web"]
    assert set(Recommendation.objects.values_list("order_id", flat=True)) == {o.pk for o in orders}
