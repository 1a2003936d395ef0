"""The REST API: create (idempotent), list filters, detail, actions, and the error bodies."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import any_property_project, do, order_in_state, spot_check_rates


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]  # Chinese text
    if code:
        assert body["code"] == code
    return body


NEW = {
    "content": "马家堡东路人行道井盖缺失，夜间很危险",
    "title": "井盖缺失",
    "channel": "hotline",
    "address": "马家堡东路12号",
    "lat": 39.84,
    "lng": 116.37,
    "occurred_at": "2026-11-20T08:30:00+08:00",
    "requester_name": "李四",
    "requester_phone": "13912345678",
    "urgency": "urgent",
    "client_ref": "hotline-call-0001",
}


@pytest.mark.django_db
def test_create_is_idempotent_on_client_ref(users):
    api = client_for(users["agent"])
    first = api.post("/api/v1/orders", NEW, format="json")
    assert first.status_code == 201
    body = first.json()
    assert body["state"] == "received" and body["number"].startswith("FT")
    assert body["requester_phone"] == "13912345678"  # the agent sees personal data
    assert body["events"][0]["action"] == "create"
    again = api.post("/api/v1/orders", NEW, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    # the same client_ref with another body is a conflict, not a silent drop (issue 14)
    assert api.post("/api/v1/orders", {**NEW, "content": "换了内容"}, format="json").status_code == 409
    assert WorkOrder.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "patch, code",
    [
        ({"content": ""}, "invalid_input"),
        ({"urgency": "whenever"}, "invalid_input"),
        ({"lat": "north"}, "invalid_input"),
        ({"requester_phone": "not a phone"}, "invalid_phone"),
        ({"lat": 39.9, "lng": None}, "invalid_location"),
        ({"category": "99.99"}, "invalid_input"),
        ({"occurred_at": "yesterday"}, "invalid_input"),
    ],
)
def test_create_bad_input_answers_400_and_writes_nothing(users, patch, code):
    response = client_for(users["agent"]).post("/api/v1/orders", {**NEW, **patch}, format="json")
    assert_error(response, 400, code)
    assert WorkOrder.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_and_missing_auth(users):
    api = client_for(users["agent"])
    response = api.post("/api/v1/orders", data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert_error(APIClient().get("/api/v1/orders"), 401)
    assert_error(client_for(users["handler"]).post("/api/v1/orders", NEW, format="json"), 403, "forbidden")


@pytest.mark.django_db
def test_token_auth(users):
    token = APIClient().post("/api/v1/auth/token", {"username": "dispatcher", "password": "pw-test-123"})
    assert token.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/orders").status_code == 200


@pytest.mark.django_db
def test_list_filters_and_unit_visibility(users, units):
    dispatched = order_in_state(State.DISPATCHED, users=users, units=units)
    received = order_in_state(State.RECEIVED, users=users, units=units)
    dispatcher = client_for(users["dispatcher"])

    def ids(query, client=dispatcher):
        response = client.get("/api/v1/orders" + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {dispatched.pk, received.pk}
    assert ids("?state=received") == {received.pk}
    assert ids("?unit=110106013") == {dispatched.pk}
    today = dt.date.today().isoformat()
    assert ids(f"?received_from={today}&received_to={today}") == {dispatched.pk, received.pk}
    assert ids("?received_to=2000-01-01") == set()
    assert ids("?overdue=false") == {dispatched.pk, received.pk}
    assert ids("?overdue=true") == set()
    assert ids("", client=client_for(users["handler"])) == {dispatched.pk}
    assert ids("", client=client_for(users["other_handler"])) == set()
    for bad in ("?state=lost", "?unit=nope", "?overdue=maybe", "?received_from=20-1-1"):
        assert_error(dispatcher.get("/api/v1/orders" + bad), 400, "invalid_parameter")


@pytest.mark.django_db
def test_category_filter_includes_subcategories(users, units):
    from jiesu.workorders.models import Category

    leaf = Category.objects.get(path="城乡建设/住房保障与房地产/物业服务")
    order = order_in_state(State.RECEIVED, users=users, units=units)
    WorkOrder.objects.filter(pk=order.pk).update(category=leaf)
    api = client_for(users["dispatcher"])
    top = leaf.parent.parent.code
    assert [r["id"] for r in api.get(f"/api/v1/orders?category={top}").json()["results"]] == [order.pk]
    assert api.get("/api/v1/orders?category=14").json()["count"] == 0


@pytest.mark.django_db
def test_detail_has_deadlines_events_and_masks_for_the_dispatcher(users, units):
    order = order_in_state(State.ACKNOWLEDGED, users=users, units=units)
    body = client_for(users["dispatcher"]).get(f"/api/v1/orders/{order.pk}").json()
    assert body["response_due"] and body["handling_due"]
    assert [e["action"] for e in body["events"]] == ["create", "dispatch", "acknowledge"]
    assert body["requester_phone"] == "138****5678" and body["requester_name"] == "张*"
    actions = {a["action"] for a in body["allowed_actions"]}
    assert "redispatch" in actions and "respond" not in actions
    handler_body = client_for(users["handler"]).get(f"/api/v1/orders/{order.pk}").json()
    assert handler_body["requester_phone"] == "13812345678"
    assert {a["action"] for a in handler_body["allowed_actions"]} >= {"respond", "return", "whistle"}
    assert_error(client_for(users["other_handler"]).get(f"/api/v1/orders/{order.pk}"), 404, "order_not_found")


@pytest.mark.django_db
def test_actions_through_the_api(users, units):
    order = order_in_state(State.RECEIVED, users=users, units=units)
    url = f"/api/v1/orders/{order.pk}/actions/"
    dispatcher, handler = client_for(users["dispatcher"]), client_for(users["handler"])
    response = dispatcher.post(
        url + "dispatch", {"lead_unit": "110106013", "assisting_units": ["110106-D03"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "dispatched"
    assert response.json()["assisting_units"] == [{"code": "110106-D03", "name": "北京市丰台区房屋管理局"}]
    # state refuses → 409
    assert_error(handler.post(url + "submit_check", {"reply": "已办"}, format="json"), 409, "invalid_transition")
    # role refuses → 403
    assert_error(client_for(users["agent"]).post(url + "supervise", {"reason": "催"}, format="json"), 403, "forbidden")
    # invalid input → 400
    assert_error(handler.post(url + "return", {}, format="json"), 400, "invalid_input")
    assert_error(dispatcher.post(url + "dispatch", {"lead_unit": "nope"}, format="json"), 400, "invalid_input")
    # unknown action, unknown order → 404
    assert_error(dispatcher.post(url + "teleport", {}, format="json"), 404, "unknown_action")
    assert_error(dispatcher.post("/api/v1/orders/999999/actions/acknowledge", {}, format="json"), 404)
    # the loop continues
    for action, payload in [
        ("acknowledge", {}),
        ("respond", {"note": "已联系"}),
        ("request_extension", {"days": 2, "reason": "协调", "requester_informed": True}),
    ]:
        assert handler.post(url + action, payload, format="json").status_code == 200
    assert dispatcher.post(url + "approve_extension", {}, format="json").json()["extension_count"] == 1
    # a street's handler does not resolve directly: 多级核查 (403 with the rule's own code)
    assert_error(handler.post(url + "resolve", {"reply": "已修复井盖"}, format="json"), 403, "wrong_unit_kind")
    assert handler.post(url + "submit_check", {"reply": "已修复井盖"}, format="json").json()["state"] == "pending_check"
    with spot_check_rates(0.0):
        approved = client_for(users["unit_leader"]).post(url + "approve_check", {}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "resolved"
    callback = client_for(users["callback"])
    assert_error(callback.post(url + "callback", {"solved": True, "satisfaction": 9}, format="json"), 400)
    assert callback.post(url + "callback", {"solved": True, "satisfaction": 4}, format="json").status_code == 200
    final = callback.post(url + "close", {}, format="json").json()
    assert final["state"] == "closed" and final["version"] == len(final["events"])


@pytest.mark.django_db
def test_merge_by_number_and_unreasonable_via_api(users, units):
    master = order_in_state(State.RECEIVED, users=users, units=units)
    duplicate = order_in_state(State.RECEIVED, users=users, units=units)
    api = client_for(users["dispatcher"])
    response = api.post(f"/api/v1/orders/{duplicate.pk}/actions/merge", {"master": master.number}, format="json")
    assert response.status_code == 200 and response.json()["merged_into"] == master.number
    assert_error(api.post(f"/api/v1/orders/{master.pk}/actions/merge", {"master": "FT000"}, format="json"), 404)
    other = order_in_state(State.RECEIVED, users=users, units=units)
    assert_error(api.post(f"/api/v1/orders/{other.pk}/actions/mark_unreasonable", {"kind": "x"}, format="json"), 400)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action",
    [
        "dispatch",
        "return",
        "rule_dispute",
        "redispatch",
        "request_extension",
        "whistle",
        "resolve",
        "callback",
        "merge",
        "mark_unreasonable",
    ],
)
@pytest.mark.parametrize("garbage", [{"days": "abc", "units": "x", "upheld": "perhaps", "lead_unit": 5}, [], "text"])
def test_garbage_never_gives_500(users, units, action, garbage):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    for who in ("dispatcher", "handler"):
        response = client_for(users[who]).post(f"/api/v1/orders/{order.pk}/actions/{action}", garbage, format="json")
        assert response.status_code in (400, 403, 404, 409), response.content
        assert_error(response, response.status_code)


@pytest.mark.django_db
def test_schema_and_docs_are_served(users):
    api = client_for(users["dispatcher"])
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/orders" in paths and "/api/v1/orders/{order_id}/actions/{action}" in paths
    assert api.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_list_rows_equal_the_serializer(users, units):
    """The list's hot path (order_list_rows over .values()) answers exactly what OrderListSerializer would,
    for orders received, dispatched, overdue, escalated and closed."""
    from django.utils import timezone

    from jiesu.api.serializers import OrderListSerializer

    orders = [order_in_state(state, users=users, units=units) for state in (State.RECEIVED, State.DISPATCHED)]
    late = order_in_state(State.DISPATCHED, users=users, units=units)
    past = timezone.now() - dt.timedelta(days=3)
    WorkOrder.objects.filter(pk=late.pk).update(response_due=past, handling_due=past, level="district")
    closed = order_in_state(State.DISPATCHED, users=users, units=units)
    WorkOrder.objects.filter(pk=closed.pk).update(state=State.CLOSED, response_due=past, calendar_estimated=True)
    response = client_for(users["dispatcher"]).get("/api/v1/orders")
    assert response.status_code == 200, response.content
    got = {row["id"]: row for row in response.json()["results"]}
    wanted = {
        row["id"]: row
        for row in OrderListSerializer(
            WorkOrder.objects.filter(pk__in=[o.pk for o in [*orders, late, closed]]), many=True
        ).data
    }
    assert got == {k: dict(v) for k, v in wanted.items()}
    assert got[late.pk]["overdue"] is True and got[closed.pk]["overdue"] is False
    assert got[late.pk]["level"] == "district" and got[orders[1].pk]["lead_unit"]


@pytest.mark.django_db
def test_detail_body_equals_the_serializer(users, units):
    """The detail's hot path (order_detail_body) answers exactly what OrderDetailSerializer would: for
    every state, for roles that see personal data and roles that see it masked, with assisting units,
    a coordinator, a property project, a master order and events by people of units."""
    from django.test import RequestFactory

    from jiesu.api.serializers import OrderDetailSerializer, order_detail_body

    orders = [order_in_state(state, users=users, units=units) for state in State.values]
    busy = order_in_state(State.IN_PROGRESS, users=users, units=units)
    do("supervise", order=busy, users=users, units=units)
    do("escalate", order=busy, users=users, units=units)
    do("whistle", order=busy, users=users, units=units)
    WorkOrder.objects.filter(pk=busy.pk).update(
        property_project=any_property_project(units), lat=39.86, lng=116.42, pending_extension={"days": 3}
    )
    merged = next(o for o in orders if o.state == State.MERGED)
    assert merged.merged_into_id
    checked = 0
    for role in ("dispatcher", "agent", "handler", "dept_handler", "callback", "district_leader"):
        user = users[role]
        for order in [*orders, busy]:
            order = WorkOrder.objects.select_related(
                "lead_unit", "category", "street", "property_project__company"
            ).get(pk=order.pk)
            request = RequestFactory().get(f"/api/v1/orders/{order.pk}")
            request.user = user
            wanted = dict(OrderDetailSerializer(order, context={"request": request}).data)
            got = order_detail_body(order, request=request)
            assert list(got) == list(wanted)
            assert got == wanted, role
            checked += 1
    busy = WorkOrder.objects.get(pk=busy.pk)
    body = order_detail_body(busy, request=request)
    assert body["coordinator_unit"] and body["assisting_units"] and body["property_project"]["company_name"]
    assert len(body["events"]) >= 6 and body["events"][-1]["actor_unit"]
    assert checked == 6 * (len(State.values) + 1)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_iso_times_equal_drf_datetimes(zone):
    from django.utils import timezone
    from rest_framework.fields import DateTimeField

    from jiesu.api.serializers import iso_times

    values = [dt.datetime(2026, 12, 1, 6, 30, 15, 123456, tzinfo=dt.UTC), dt.datetime(2011, 3, 13, 7, 0, tzinfo=dt.UTC)]
    with timezone.override(zone):
        when = iso_times()
        assert [when(v) for v in values] == [DateTimeField().to_representation(v) for v in values]
        assert when(None) is None
