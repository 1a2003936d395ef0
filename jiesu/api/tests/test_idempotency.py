"""Point 5 of issue 14: client_ref with a different body is a 409 naming the fields; actions take an
Idempotency-Key (a retried supervise counts once); killed imports are swept to failed, resumable."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jiesu.intake.models import ImportRun
from jiesu.intake.timers import sweep_stale_imports
from jiesu.timers.registry import all_timers
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder

NEW = {
    "content": "马家堡东路井盖缺失",
    "address": "马家堡东路12号",
    "requester_phone": "13912345678",
    "client_ref": "call-1",
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_client_ref_with_another_body_is_409_naming_the_fields(users):
    agent = api(users["agent"])
    assert agent.post("/api/v1/orders", NEW, format="json").status_code == 201
    assert agent.post("/api/v1/orders", NEW, format="json").status_code == 200  # a true retry
    changed = agent.post("/api/v1/orders", {**NEW, "content": "换了内容", "address": "别处"}, format="json")
    assert changed.status_code == 409
    body = changed.json()
    assert body["code"] == "client_ref_conflict" and "诉求内容" in body["message"] and "地址" in body["message"]
    assert body["details"]["fields"] == ["content", "address"]
    assert WorkOrder.objects.get().content == NEW["content"]


@pytest.fixture
def dispatched(users, units):
    order, _ = services.create_order(user=users["agent"], content="楼道堆物")
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])
    return order


@pytest.mark.django_db
def test_a_retried_supervise_counts_once(users, dispatched):
    leader = api(users["dispatcher"])
    url = f"/api/v1/orders/{dispatched.pk}/actions/supervise"
    for _ in range(3):
        response = leader.post(url, {"reason": "请加快办理"}, format="json", HTTP_IDEMPOTENCY_KEY="sup-1")
        assert response.status_code == 200, response.content
    dispatched.refresh_from_db()
    assert dispatched.supervision_count == 1
    assert dispatched.events.filter(action="supervise").count() == 1
    # another key is another supervision
    leader.post(url, {"reason": "再次督办"}, format="json", HTTP_IDEMPOTENCY_KEY="sup-2")
    dispatched.refresh_from_db()
    assert dispatched.supervision_count == 2
    # without a key every request acts
    leader.post(url, {"reason": "第三次"}, format="json")
    dispatched.refresh_from_db()
    assert dispatched.supervision_count == 3


@pytest.mark.django_db
def test_a_key_reused_for_another_request_is_409(users, dispatched):
    leader = api(users["dispatcher"])
    url = f"/api/v1/orders/{dispatched.pk}/actions/supervise"
    leader.post(url, {"reason": "请加快办理"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = leader.post(url, {"reason": "不同内容"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_a_failed_action_leaves_the_key_free(users, dispatched):
    handler = api(users["handler"])
    url = f"/api/v1/orders/{dispatched.pk}/actions/submit_check"  # a street's handler submits for 多级核查
    refused = handler.post(url, {"reply": "已处理"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert refused.status_code == 409  # not acknowledged yet
    services.acknowledge(user=users["handler"], order_id=dispatched.pk)
    services.respond(user=users["handler"], order_id=dispatched.pk)
    assert handler.post(url, {"reply": "已处理"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1").status_code == 200
    dispatched.refresh_from_db()
    assert dispatched.state == "pending_check"


@pytest.mark.django_db
def test_stale_imports_are_marked_failed_and_resumable():
    now = timezone.now()
    killed = ImportRun.objects.create(file_name="a.csv")
    ImportRun.objects.filter(pk=killed.pk).update(
        started_at=now - dt.timedelta(hours=2), heartbeat_at=now - dt.timedelta(minutes=31)
    )
    never_beat = ImportRun.objects.create(file_name="b.csv")
    ImportRun.objects.filter(pk=never_beat.pk).update(started_at=now - dt.timedelta(minutes=45))
    alive = ImportRun.objects.create(file_name="c.csv")
    ImportRun.objects.filter(pk=alive.pk).update(
        started_at=now - dt.timedelta(hours=3), heartbeat_at=now - dt.timedelta(minutes=2)
    )
    done = ImportRun.objects.create(file_name="d.csv", finished_at=now - dt.timedelta(hours=1))
    ImportRun.objects.filter(pk=done.pk).update(started_at=now - dt.timedelta(hours=2))
    assert sweep_stale_imports(now=now) == {"marked": 2}
    for run in (killed, never_beat):
        run.refresh_from_db()
        assert run.finished_at == now and run.resumable and "重新导入" in run.error
    alive.refresh_from_db()
    done.refresh_from_db()
    assert alive.finished_at is None and not alive.resumable and not done.resumable
    assert sweep_stale_imports(now=now) == {"marked": 0}
    assert "intake.sweep_stale_imports" in all_timers()
