"""Behaviour of the services beyond the transition table: idempotency, deadlines, counters,
merges, the append-only log, overdue derivation, bad input, concurrent actions."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from jiesu.common.errors import Conflict, InvalidInput, NotAllowed
from jiesu.workorders import selectors, services
from jiesu.workorders.models import State, WorkOrder, WorkOrderEvent
from jiesu.workorders.tests.factories import do, make_order, order_in_state

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.mark.django_db
def test_same_client_ref_returns_the_first_order(users):
    first, created = services.create_order(user=users["agent"], content="路灯不亮", client_ref="ref-1")
    again, created_again = services.create_order(user=users["agent"], content="路灯不亮", client_ref="ref-1")
    assert created and not created_again
    # another body under the same key is refused, naming the field (issue 14)
    with pytest.raises(Conflict) as refused:
        services.create_order(user=users["agent"], content="别的内容", client_ref="ref-1")
    assert refused.value.code == "client_ref_conflict" and refused.value.details["fields"] == ["content"]
    assert again.pk == first.pk
    assert WorkOrder.objects.filter(client_ref="ref-1").count() == 1
    assert first.events.count() == 1


@pytest.mark.django_db
def test_create_assigns_number_and_first_event(users):
    order = make_order(users=users, at=dt.datetime(2025, 3, 3, 9, 30, tzinfo=TZ))
    assert order.number == f"FT20250303{order.pk:07d}"
    event = order.events.get()
    assert (event.seq, event.action, event.to_state, event.actor_id) == (1, "create", "received", users["agent"].pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"content": "   "}, "required"),
        ({"content": "x" * 10001}, "too_long"),
        ({"content": "路面塌陷", "requester_phone": "call me"}, "invalid_phone"),
        ({"content": "路面塌陷", "lat": 39.8}, "invalid_location"),
        ({"content": "路面塌陷", "lat": 99.0, "lng": 116.3}, "invalid_location"),
        ({"content": "路面塌陷", "urgency": "asap"}, "invalid_choice"),
        ({"content": "路面塌陷", "channel": "fax"}, "invalid_choice"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(users, kwargs, code):
    with pytest.raises(InvalidInput) as excinfo:
        services.create_order(user=users["agent"], **kwargs)
    assert excinfo.value.code == code
    assert WorkOrder.objects.count() == 0 and WorkOrderEvent.objects.count() == 0


@pytest.mark.django_db
def test_dispatch_computes_deadlines_from_the_rule_table(users, units):
    order = make_order(users=users)
    start = dt.datetime(2024, 9, 30, 10, 0, tzinfo=TZ)
    order = services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"], at=start)
    assert order.response_due == start + dt.timedelta(hours=24)
    assert order.handling_due == dt.datetime(2024, 10, 15, 23, 59, 59, tzinfo=TZ)  # 7 working days over 国庆
    assert order.deadline_rule_version == "default-2004"
    event = order.events.get(action="dispatch")
    assert event.payload["handling_due"] == order.handling_due.isoformat()


@pytest.mark.django_db
def test_urgent_orders_get_hour_limits(users, units):
    order = make_order(users=users)
    start = dt.datetime(2024, 10, 1, 8, 0, tzinfo=TZ)  # a holiday: natural hours still run
    order = services.dispatch(
        user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"], urgency="urgent", at=start
    )
    assert order.response_due == start + dt.timedelta(hours=1)
    assert order.handling_due == start + dt.timedelta(hours=4)


@pytest.mark.django_db
def test_extension_moves_the_handling_deadline_by_working_days(users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    due = order.handling_due
    with pytest.raises(InvalidInput):
        services.request_extension(
            user=users["handler"], order_id=order.pk, days=3, reason="协调", requester_informed=False
        )
    services.request_extension(user=users["handler"], order_id=order.pk, days=3, reason="协调", requester_informed=True)
    order = services.approve_extension(user=users["dispatcher"], order_id=order.pk)
    from jiesu.worktime.services import add_working_days

    assert order.handling_due == add_working_days(due, days=3)
    assert order.extension_count == 1 and order.pending_extension is None


@pytest.mark.django_db
def test_counters_supervise_escalate_return_reopen(users, units):
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    services.supervise(user=users["district_leader"], order_id=order.pk, reason="尽快办理")
    services.supervise(user=users["dispatcher"], order_id=order.pk, reason="再次督办")
    services.escalate(
        user=users["dispatcher"], order_id=order.pk, reason="重点件", coordinator_unit=units["110106-D01"]
    )
    services.return_order(user=users["handler"], order_id=order.pk, reason="非本辖区")
    services.rule_dispute(
        user=users["dispatcher"], order_id=order.pk, upheld=True, reason="确属右安门", new_lead_unit=units["110106001"]
    )
    order.refresh_from_db()
    assert (order.supervision_count, order.escalation_level, order.return_count) == (2, 1, 1)
    assert order.lead_unit_id == units["110106001"].pk and order.state == State.DISPATCHED
    resolved = order_in_state(State.RESOLVED, users=users, units=units)
    do("callback", order=resolved, users=users, units=units, solved=False, satisfaction=1)
    reopened = services.reopen(user=users["callback"], order_id=resolved.pk, reason="未解决")
    assert reopened.reopen_count == 1 and reopened.state == State.IN_PROGRESS and reopened.resolved_at is None


@pytest.mark.django_db
def test_whistle_adds_assisting_units(users, units):
    order = order_in_state(State.ACKNOWLEDGED, users=users, units=units)
    services.whistle(
        user=users["handler"],
        order_id=order.pk,
        units=[units["110106-D01"], units["110106-D02"]],
        reason="需多部门到场",
    )
    assert set(order.assisting_units.values_list("code", flat=True)) == {"110106-D01", "110106-D02"}
    with pytest.raises(InvalidInput):
        services.whistle(user=users["handler"], order_id=order.pk, units=[units["110106013"]], reason="自己")


@pytest.mark.django_db
def test_merge_keeps_both_records_and_notes_the_master(users, units):
    master = make_order(users=users, content="主诉求")
    duplicate = make_order(users=users, content="重复诉求")
    services.merge_duplicate(user=users["dispatcher"], order_id=duplicate.pk, master_id=master.pk)
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into_id == master.pk
    note = master.events.get(action="duplicate_merged")
    assert note.payload["duplicate"] == duplicate.pk
    third = make_order(users=users, content="合并到已合并工单")
    with pytest.raises(NotAllowed):
        services.merge_duplicate(user=users["dispatcher"], order_id=third.pk, master_id=duplicate.pk)
    with pytest.raises(InvalidInput):
        services.merge_duplicate(user=users["dispatcher"], order_id=third.pk, master_id=third.pk)


@pytest.mark.django_db
def test_unreasonable_needs_a_known_kind(users):
    order = make_order(users=users)
    with pytest.raises(InvalidInput):
        services.mark_unreasonable(user=users["dispatcher"], order_id=order.pk, kind="dislike")
    order = services.mark_unreasonable(user=users["dispatcher"], order_id=order.pk, kind="emergency")
    assert order.state == State.UNREASONABLE and "110" in order.unreasonable_reason


@pytest.mark.django_db
def test_events_are_append_only(users):
    order = make_order(users=users)
    event = order.events.get()
    event.reason = "改写历史"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        WorkOrderEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError):
        WorkOrderEvent.objects.all().delete()


@pytest.mark.django_db
def test_database_refuses_event_updates_on_postgresql(users):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from django.db import DatabaseError

    order = make_order(users=users)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE workorders_workorderevent SET reason = 'x' WHERE order_id = %s", [order.pk])


@pytest.mark.django_db
def test_overdue_is_derived_from_deadlines(users, units):
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    later = order.response_due + dt.timedelta(minutes=1)
    orders = WorkOrder.objects.all()
    assert not selectors.filter_orders(orders, overdue=True, now=order.response_due - dt.timedelta(minutes=1))
    assert list(selectors.filter_orders(orders, overdue=True, now=later)) == [order]
    services.acknowledge(user=users["handler"], order_id=order.pk)
    services.respond(user=users["handler"], order_id=order.pk)
    assert not selectors.filter_orders(orders, overdue=True, now=later)  # responded; handling not yet due
    after_handling = order.handling_due + dt.timedelta(seconds=1)
    assert selectors.filter_orders(orders, overdue=True, now=after_handling).count() == 1
    order.refresh_from_db()
    assert order.is_handling_overdue(now=after_handling) and not order.is_response_overdue(now=after_handling)


@pytest.mark.django_db
def test_stale_version_is_refused_without_writing(users, units, monkeypatch):
    """The version check: a writer that read the order before another committed loses."""
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    stale = WorkOrder.objects.get(pk=order.pk)
    services.supervise(user=users["dispatcher"], order_id=order.pk, reason="先到的督办")
    monkeypatch.setattr(services, "_lock", lambda order_id: stale)
    with pytest.raises(Conflict):
        services.acknowledge(user=users["handler"], order_id=order.pk)
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.state == State.DISPATCHED
    assert list(fresh.events.values_list("action", flat=True)) == ["create", "dispatch", "supervise"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_action_only_one_succeeds(users, units):
    """Two handlers acknowledge the same order at the same moment (real threads, real locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are a PostgreSQL test; SQLite is covered by the version check")
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user):
        from django.db import connections

        try:
            barrier.wait()
            services.acknowledge(user=user, order_id=order.pk)
            outcomes.append("ok")
        except (NotAllowed, Conflict) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(u,)) for u in (users["handler"], users["unit_leader"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["NotAllowed", "ok"], ["Conflict", "ok"])
    assert WorkOrderEvent.objects.filter(order=order, action="acknowledge").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_create_with_same_client_ref_gives_one_order(users):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    barrier = threading.Barrier(2)
    results = []

    def create():
        from django.db import connections

        try:
            barrier.wait()
            order, created = services.create_order(user=users["agent"], content="同时提交", client_ref="dup-1")
            results.append((order.pk, created))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    assert WorkOrder.objects.filter(client_ref="dup-1").count() == 1
