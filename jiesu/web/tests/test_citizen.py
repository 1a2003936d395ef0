"""The citizen page: submit, look up by number + phone tail, rate once; nothing of others shown."""

import pytest

from jiesu.workorders import services
from jiesu.workorders.models import Channel, WorkOrder, WorkOrderEvent
from jiesu.workorders.tests.factories import resolve_through_checks

pytestmark = pytest.mark.django_db


def resolve(order, users):
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=users["handler"].unit)
    for action, kwargs in [("acknowledge", {}), ("respond", {})]:
        services.ACTIONS[action](user=users["handler"], order_id=order.pk, **kwargs)
    resolve_through_checks(order_id=order.pk, users=users, reply="已清理完毕")


def test_submit_gives_a_number(client, reference):
    response = client.post(
        "/citizen/submit/",
        {
            "content": "小区门口垃圾堆放多日无人清理",
            "address": "",
            "lat": "39.86",
            "lng": "116.42",
            "requester_phone": "13500005678",
            "client_ref": "c-1",
        },
    )
    order = WorkOrder.objects.get()
    assert order.channel == Channel.WEB and (order.lat, order.lng) == (39.86, 116.42)
    assert order.number in response.content.decode()
    assert order.events.get(action="create").actor is None
    # No clerk on this channel: the routing model's category is recorded, marked as the model's (issue 12).
    recorded = order.events.get(action="recategorize")
    assert recorded.actor is None and recorded.payload["category_by"] == "model" and order.category is not None


def test_submit_needs_place_and_phone(client, reference):
    response = client.post("/citizen/submit/", {"content": "噪音扰民", "requester_phone": "13500005678"})
    assert response.status_code == 400 and "请填写地址或在地图上点选位置" in response.content.decode()
    response = client.post("/citizen/submit/", {"content": "噪音扰民", "address": "丰台路1号"})
    assert response.status_code == 400 and "请填写联系电话" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_lookup_needs_the_right_phone_tail_and_hides_personal_data(client, make_order):
    order = make_order(requester_name="王小明", requester_phone="13800001234")
    wrong = client.get("/citizen/track/", {"number": order.number, "tail": "9999"})
    assert wrong.status_code == 404 and order.title not in wrong.content.decode()
    right = client.get("/citizen/track/", {"number": order.number, "tail": "1234"}).content.decode()
    assert order.title in right and "已受理" in right
    assert "王小明" not in right and "13800001234" not in right and "agent" not in right


def test_lookups_lock_after_repeated_failures(client, make_order):
    order = make_order()
    for _ in range(5):
        client.get("/citizen/track/", {"number": order.number, "tail": "0000"})
    locked = client.get("/citizen/track/", {"number": order.number, "tail": "1234"})
    assert locked.status_code == 429 and order.title not in locked.content.decode()


def test_rate_once_after_resolution(client, make_order, users):
    order = make_order()
    early = client.post("/citizen/rate/", {"number": order.number, "tail": "1234", "satisfaction": "5"})
    assert early.status_code == 409
    resolve(order, users)
    page = client.get("/citizen/track/", {"number": order.number, "tail": "1234"}).content.decode()
    assert "已清理完毕" in page and 'id="rate-form"' in page
    client.post("/citizen/rate/", {"number": order.number, "tail": "1234", "satisfaction": "4", "comment": "很快"})
    event = WorkOrderEvent.objects.get(order=order, action="citizen_rate")
    assert event.payload == {"satisfaction": 4} and event.reason == "很快" and event.actor is None
    again = client.post("/citizen/rate/", {"number": order.number, "tail": "1234", "satisfaction": "1"})
    assert again.status_code == 409 and "不能重复评价" in again.content.decode()
    wrong_tail = client.post("/citizen/rate/", {"number": order.number, "tail": "0000", "satisfaction": "1"})
    assert wrong_tail.status_code == 404
    assert WorkOrderEvent.objects.filter(order=order, action="citizen_rate").count() == 1


def test_submits_are_rate_limited(client, reference):
    codes = [
        client.post(
            "/citizen/submit/", {"content": f"诉求{i}", "address": "丰台路1号", "requester_phone": "13500005678"}
        ).status_code
        for i in range(7)
    ]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert WorkOrder.objects.count() == 5


def test_district_outline_for_the_map(client, reference):
    outline = client.get("/citizen/outline.geojson").json()
    assert outline["type"] == "FeatureCollection"
    assert outline["features"][0]["properties"]["name"] == "丰台区"


def test_outline_is_served_in_the_datum_of_picked_points(client, reference):
    """Stored in WGS-84, served in GCJ-02 (JIESU_ORDER_COORDINATES): the published outline again,
    so a picked point is located where the citizen clicked."""
    import json

    from django.conf import settings

    published = json.loads((settings.BASE_DIR / "data" / "org" / "fengtai_outline.geojson").read_text(encoding="utf-8"))
    served = client.get("/citizen/outline.geojson").json()
    ring_published = published["features"][0]["geometry"]["coordinates"][0][0]
    ring_served = served["features"][0]["geometry"]["coordinates"][0][0]
    assert len(ring_served) == len(ring_published)
    worst = max(abs(a - b) for p, q in zip(ring_published, ring_served, strict=True) for a, b in zip(p, q, strict=True))
    assert worst < 1e-6  # degrees: centimetres
