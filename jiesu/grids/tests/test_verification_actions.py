"""先行核实 as order actions: `request_verification` and `verify` through the order's services, the
generic `POST /api/v1/orders/{id}/actions/{action}` (input through the one validation layer,
`{code, message}` refusals, nothing written on a refusal), the schema, and the order page's button."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from jiesu.api import serializers as api_inputs
from jiesu.common.errors import NotAllowed
from jiesu.grids.tests.helpers import make_grid, make_worker, order_datum
from jiesu.workorders import payloads, services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent

MONDAY_9 = dt.datetime(2026, 11, 30, 9, 0)  # a working day, inside working hours


@pytest.fixture
def setup(units, users):
    grid = make_grid()
    worker = make_worker(units, grid)
    lat, lng = order_datum(39.86, 116.29)
    order, _ = services.create_order(user=users["agent"], content="楼道堆物", lat=lat, lng=lng)
    return grid, worker, order


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _act(user, order, action, body=None):
    return _api(user).post(f"/api/v1/orders/{order.pk}/actions/{action}", body or {}, format="json")


def test_both_are_order_actions_with_api_inputs():
    for action in ("request_verification", "verify"):
        assert action in services.ACTIONS and action in api_inputs.ACTION_INPUTS
    assert api_inputs.input_fields("verify") == "result*、note*"


def test_request_and_answer_through_the_action_endpoint(setup, users, django_capture_on_commit_callbacks):
    from jiesu.notify.models import Message

    grid, worker, order = setup
    with django_capture_on_commit_callbacks(execute=True):
        sent = _act(users["dispatcher"], order, "request_verification")
    assert sent.status_code == 200, sent.json()
    pending = WorkOrder.objects.get(pk=order.pk).pending_verification
    assert (pending["grid"], pending["grid_name"], pending["worker"]) == (grid.pk, grid.name, worker.pk)
    requested = WorkOrderEvent.objects.get(order=order, action="request_verification")
    assert requested.payload == pending and requested.from_state == requested.to_state == "received"
    assert set(requested.payload) == {f for f in payloads.RequestVerification.__dataclass_fields__}
    # The worker is told after the commit, by notify listening to the event (once per request).
    told = Message.objects.get(kind="grid_verification", channel="inbox")
    assert told.recipient == worker and order.number in told.subject and grid.name in told.body

    # The worker sees the order sent to them (before dispatch it has no unit of theirs) and answers.
    assert _api(worker).get(f"/api/v1/orders/{order.pk}").status_code == 200
    answered = _act(worker, order, "verify", {"result": "handled", "note": "已现场清理"})
    assert answered.status_code == 200, answered.json()
    assert "verify" in [e["action"] for e in answered.json()["events"]]
    done = WorkOrderEvent.objects.get(order=order, action="verify")
    assert done.payload["result_label"] == "已现场处置" and done.payload["note"] == "已现场清理"
    assert done.payload["late"] is False and done.actor == worker
    assert WorkOrder.objects.get(pk=order.pk).pending_verification is None


def test_a_late_answer_is_taken_and_marked_late(setup, users):
    grid, worker, order = setup
    at = timezone.make_aware(MONDAY_9)
    services.request_verification(user=users["dispatcher"], order_id=order.pk, at=at)
    due = dt.datetime.fromisoformat(WorkOrder.objects.get(pk=order.pk).pending_verification["due"])
    assert due == at + dt.timedelta(hours=2)  # 2 working hours, data/grids/verification.yaml
    services.verify(user=worker, order_id=order.pk, result="confirmed", note="属实", at=due + dt.timedelta(minutes=1))
    payload = WorkOrderEvent.objects.get(order=order, action="verify").payload
    assert payload["late"] is True and payload["minutes"] == 121


@pytest.mark.parametrize(
    ("who", "action", "body", "status", "code"),
    [
        ("handler", "request_verification", {}, 404, "order_not_found"),  # not the handler's order
        ("agent", "request_verification", {}, 403, "forbidden"),
        ("worker", "request_verification", {}, 403, "forbidden"),
        ("dispatcher", "verify", {"result": "confirmed", "note": "x"}, 403, "forbidden"),
        ("other_worker", "verify", {"result": "confirmed", "note": "x"}, 404, "order_not_found"),  # not theirs
        ("worker", "verify", {"result": "maybe", "note": "x"}, 400, None),
        ("worker", "verify", {"result": "confirmed"}, 400, None),
        ("worker", "verify", {"result": "confirmed", "note": "   "}, 400, None),
        ("worker", "verify", {"result": "confirmed", "note": "x" * 5000}, 400, None),
        ("worker", "verify", {"result": "confirmed", "note": "ok\x00"}, 400, None),
        ("worker", "verify", ["confirmed"], 400, None),
    ],
)
def test_refusals_are_code_and_message_and_write_nothing(setup, units, users, who, action, body, status, code):
    grid, worker, order = setup
    services.request_verification(user=users["dispatcher"], order_id=order.pk)
    other = make_worker(units=None, grid=make_grid(code="S9", around=(39.95, 116.40)), username="wg9")
    actor = {"worker": worker, "other_worker": other}.get(who) or users[who]
    before = (WorkOrder.objects.get(pk=order.pk).version, WorkOrderEvent.objects.count())
    answer = _act(actor, order, action, body)
    assert answer.status_code == status, answer.content
    assert set(answer.json()) >= {"code", "message"} and answer.json()["message"]
    if code:
        assert answer.json()["code"] == code
    assert (WorkOrder.objects.get(pk=order.pk).version, WorkOrderEvent.objects.count()) == before


def test_refused_when_already_pending_or_not_in_a_grid_or_no_worker(setup, units, users):
    grid, worker, order = setup
    dispatcher = users["dispatcher"]
    assert _act(dispatcher, order, "request_verification").status_code == 200
    again = _act(dispatcher, order, "request_verification")
    assert again.status_code == 409 and "已派网格员核实" in again.json()["message"]

    nowhere, _ = services.create_order(user=users["agent"], content="没有坐标的诉求")
    refused = _act(dispatcher, nowhere, "request_verification")
    assert refused.status_code == 400 and refused.json()["code"] == "no_grid"
    assert "不在任何网格内" in refused.json()["message"]

    empty = make_grid(code="S8", around=(39.95, 116.40))  # a grid nobody is assigned to
    lat, lng = order_datum(39.95, 116.40)
    unmanned, _ = services.create_order(user=users["agent"], content="无人网格", lat=lat, lng=lng)
    refused = _act(dispatcher, unmanned, "request_verification")
    assert refused.status_code == 400 and refused.json()["code"] == "no_grid_worker"
    assert empty.name in refused.json()["message"]
    assert not WorkOrderEvent.objects.filter(order__in=[nowhere, unmanned], action="request_verification").exists()

    # Nothing to answer: the guard speaks.
    refused = _act(worker, nowhere, "verify", {"result": "confirmed", "note": "x"})
    assert refused.status_code in (404, 409)


def test_closed_order_cannot_be_sent(setup, users):
    grid, worker, order = setup
    services.mark_unreasonable(user=users["dispatcher"], order_id=order.pk, kind="repeat")
    refused = _act(users["dispatcher"], order, "request_verification")
    assert refused.status_code == 409 and refused.json()["code"]


def test_schema_lists_the_actions_and_their_fields(users):
    client = _api(users["admin"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/orders/{order_id}/actions/{action}"]["post"]
    action = next(p for p in operation["parameters"] if p["name"] == "action")
    assert {"request_verification", "verify"} <= set(action["schema"]["enum"])
    assert "verify（result*、note*）" in operation["description"]


def test_order_page_button_posts_the_action(setup, users, client):
    grid, worker, order = setup
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert f'action="/orders/{order.pk}/act/request_verification/"' in page
    assert 'data-action="request_verification"' not in page  # offered in the grid box, not twice
    answer = client.post(f"/orders/{order.pk}/act/request_verification/", follow=True)
    assert "已派网格员网格员甲先行核实" in answer.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).pending_verification["worker"] == worker.pk
    # The worker answers on the mobile page; a wrong answer is a Chinese message, not a 500.
    client.force_login(worker)
    bad = client.post(f"/grid/orders/{order.pk}/verify/", {"result": "confirmed", "note": ""})
    assert bad.status_code == 400 and "核实情况" in bad.content.decode()
    ok = client.post(f"/grid/orders/{order.pk}/verify/", {"result": "not_found", "note": "现场未见堆物"})
    assert ok.status_code == 302
    assert WorkOrderEvent.objects.get(order=order, action="verify").payload["result"] == "not_found"


def test_sent_again_only_after_an_unanswered_request_is_past_its_limit(setup, users):
    grid, worker, order = setup
    at = timezone.make_aware(MONDAY_9)
    services.request_verification(user=users["dispatcher"], order_id=order.pk, at=at)
    first = WorkOrder.objects.get(pk=order.pk).pending_verification
    due = dt.datetime.fromisoformat(first["due"])
    assert first["previous_due"] is None and first["previous_worker"] is None

    # Within the limit (one minute before it): refused with the due time, nothing written.
    before = (WorkOrder.objects.get(pk=order.pk).version, WorkOrderEvent.objects.count())
    with pytest.raises(NotAllowed) as refused:
        services.request_verification(user=users["dispatcher"], order_id=order.pk, at=due - dt.timedelta(minutes=1))
    assert refused.value.code == "verification_pending"
    assert "已派网格员核实（网格员甲），尚未反馈" in refused.value.message
    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in refused.value.message
    assert (WorkOrder.objects.get(pk=order.pk).version, WorkOrderEvent.objects.count()) == before

    # Past the limit unanswered: sent again; the new request replaces the old one and names it.
    again_at = due + dt.timedelta(minutes=1)
    services.request_verification(user=users["dispatcher"], order_id=order.pk, at=again_at)
    pending = WorkOrder.objects.get(pk=order.pk).pending_verification
    assert dt.datetime.fromisoformat(pending["requested_at"]) == again_at
    assert dt.datetime.fromisoformat(pending["due"]) > again_at
    assert pending["previous_worker"] == worker.pk
    assert dt.datetime.fromisoformat(pending["previous_due"]) == due
    assert dt.datetime.fromisoformat(pending["previous_requested_at"]) == at
    events = WorkOrderEvent.objects.filter(order=order, action="request_verification").order_by("pk")
    assert [e.payload["previous_due"] for e in events] == [None, first["due"]]

    # The answer now belongs to the new request: timed from it, not late.
    services.verify(
        user=worker, order_id=order.pk, result="confirmed", note="属实", at=again_at + dt.timedelta(minutes=30)
    )
    payload = WorkOrderEvent.objects.get(order=order, action="verify").payload
    assert payload["minutes"] == 30 and payload["late"] is False


def test_api_and_page_offer_sending_again_once_past_the_limit(setup, users, client):
    grid, worker, order = setup
    dispatcher = users["dispatcher"]
    client.force_login(dispatcher)
    start = timezone.make_aware(MONDAY_9 + dt.timedelta(days=7))  # the Monday after, 09:00
    with time_machine.travel(start, tick=False):
        assert _act(dispatcher, order, "request_verification").status_code == 200
        due = dt.datetime.fromisoformat(WorkOrder.objects.get(pk=order.pk).pending_verification["due"])
        again = _act(dispatcher, order, "request_verification")
        assert again.status_code == 409 and again.json()["code"] == "verification_pending"
        assert "前不能重新派出" in again.json()["message"]
        offered = [a["action"] for a in _api(dispatcher).get(f"/api/v1/orders/{order.pk}").json()["allowed_actions"]]
        assert "request_verification" not in offered
        page = client.get(f"/orders/{order.pk}/").content.decode()
        assert 'id="request-verification"' not in page and "待反馈" in page

    with time_machine.travel(due + dt.timedelta(minutes=1), tick=False):
        offered = [a["action"] for a in _api(dispatcher).get(f"/api/v1/orders/{order.pk}").json()["allowed_actions"]]
        assert "request_verification" in offered
        page = client.get(f"/orders/{order.pk}/").content.decode()
        assert "data-verification-overdue" in page and "重新派网格员先行核实" in page
        sent = _act(dispatcher, order, "request_verification")
        assert sent.status_code == 200, sent.json()
        assert WorkOrderEvent.objects.filter(order=order, action="request_verification").count() == 2
        assert WorkOrder.objects.get(pk=order.pk).pending_verification["previous_worker"] == worker.pk
