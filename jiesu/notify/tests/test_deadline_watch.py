"""临期预警、超期督办、逐级上报 with a frozen clock: each stage acted on once, in order, and a rerun
writes nothing (the marks, the events and the messages stay as they were)."""

import datetime as dt

import pytest
import time_machine

from jiesu.notify import deadline_watch
from jiesu.notify.models import Channel, Message
from jiesu.notify.rules import rule_for
from jiesu.timers.models import TimerMark
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrderEvent
from jiesu.workorders.tests.factories import make_order, resolve_through_checks

from .conftest import at

FANGZHUANG = "110106013"
DISPATCHED = at(2025, 3, 3, 10, 0)  # a Monday; 7 working days → Wed 12 Mar 23:59:59


def inbox_of(user, kind=None):
    messages = Message.objects.filter(recipient=user, channel=Channel.INBOX)
    return messages.filter(kind=kind) if kind else messages


def snapshot():
    return (
        Message.objects.count(),
        WorkOrderEvent.objects.count(),
        sorted(TimerMark.objects.values_list("timer", "subject", "epoch", "stage")),
    )


def run_at(moment: dt.datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        return deadline_watch.watch(now=moment)


@pytest.fixture
def order(staff, units):
    with time_machine.travel(DISPATCHED, tick=False):
        created = make_order(users=staff)
        return services.dispatch(user=staff["dispatcher"], order_id=created.pk, lead_unit=units[FANGZHUANG])


def share_time(order, share, *, deadline="handling"):
    due = order.handling_due if deadline == "handling" else order.response_due
    return order.dispatched_at + (due - order.dispatched_at) * share


def test_warnings_at_the_rules_shares_each_once(order, staff):
    handler = staff["handler"]
    assert order.handling_due == at(2025, 3, 12, 23, 59, 59)
    # The dispatch's own message was written with its event (the outbox, same transaction).
    assert inbox_of(handler).get().kind == "unit_new_order"
    # Before any share: no warning.
    assert run_at(DISPATCHED + dt.timedelta(hours=1)).get("handling_warned", 0) == 0
    assert not inbox_of(handler, "unit_warning").exists()

    # 80 % of the 24 h response limit: the response warning.
    result = run_at(share_time(order, 0.81, deadline="response"))
    assert result["response_warned"] == 1
    warning = inbox_of(handler, "unit_warning").get()
    assert "响应期限" in warning.subject and order.number in warning.subject

    # 50 % of the handling span: one warning; the same moment again writes nothing.
    moment = share_time(order, 0.5) + dt.timedelta(minutes=1)
    assert run_at(moment)["handling_warned"] == 1
    before = snapshot()
    assert run_at(moment).get("handling_warned", 0) == 0
    assert snapshot() == before
    texts = [m.body for m in inbox_of(handler, "unit_warning")]
    assert any("50%" in t and "办理期限" in t for t in texts)
    # The mark says when to look again: at 80 % (passes before then skip the order in SQL).
    mark = TimerMark.objects.get(timer="notify.deadline.handling", subject=order.pk)
    assert mark.stage == 500 and abs((mark.next_at - share_time(order, 0.8)).total_seconds()) < 1

    # 80 %: a second handling warning; the e-mail copy is queued for the handler too.
    assert run_at(share_time(order, 0.8) + dt.timedelta(minutes=1))["handling_warned"] == 1
    assert inbox_of(handler, "unit_warning").count() == 3
    assert Message.objects.filter(kind="unit_warning", channel=Channel.EMAIL, address=handler.email).count() == 3
    # Only the lead unit hears about it.
    assert not inbox_of(staff["other_handler"]).exists()


def test_after_an_outage_only_the_highest_share_is_sent(order, staff):
    result = run_at(share_time(order, 0.9))
    assert result["handling_warned"] == 1
    bodies = [m.body for m in inbox_of(staff["handler"], "unit_warning") if "办理期限" in m.body]
    assert len(bodies) == 1 and "80%" in bodies[0]


def test_overdue_is_supervised_by_the_platform_then_escalated_up_the_chain(order, staff):
    rule = rule_for(deadline="handling", on=DISPATCHED.date())
    assert [s.notify for s in rule.ladder] == [("unit_leaders",), ("centre",), ("district_leaders",)]

    # Level 1 at the deadline: a 督办 event by the platform, and the unit leader is told.
    first = at(2025, 3, 13, 9, 0)
    assert run_at(first)["handling_overdue_steps"] == 1
    supervised = WorkOrderEvent.objects.filter(order=order, action="supervise")
    assert supervised.count() == 1
    event = supervised.get()
    assert event.actor_id is None and "超期自动督办（第1级" in event.reason
    order.refresh_from_db()
    assert order.supervision_count == 1
    # The response deadline (never met) has its own ladder: a notice without 督办 (rule data).
    notices = {
        ("响应期限" if "响应期限" in m.subject else "办理期限"): m
        for m in inbox_of(staff["unit_leader"], "unit_overdue")
    }
    assert set(notices) == {"响应期限", "办理期限"}
    assert "已超期" in notices["办理期限"].subject
    # The leader has a mobile number: the SMS is queued as well.
    assert Message.objects.filter(kind="unit_overdue", channel=Channel.SMS, address="13900000001").count() == 2
    assert not inbox_of(staff["dispatcher"], "overdue_escalated").exists()

    # Rerun at the same moment, and later the same day: nothing more.
    before = snapshot()
    run_at(first)
    run_at(first + dt.timedelta(hours=5))
    assert snapshot() == before

    # One working day after the deadline (Thu 13 Mar 23:59:59): level 2 → the command centre.
    assert run_at(at(2025, 3, 14, 8, 0))["handling_overdue_steps"] == 1
    assert supervised.count() == 2
    assert inbox_of(staff["dispatcher"], "overdue_escalated").count() == 1
    assert not inbox_of(staff["district_leader"], "overdue_escalated").exists()

    # Three working days after (Mon 17 Mar 23:59:59, the weekend not counted): level 3 → 区领导.
    assert run_at(at(2025, 3, 17, 12, 0)).get("handling_overdue_steps", 0) == 0
    assert run_at(at(2025, 3, 18, 8, 0))["handling_overdue_steps"] == 1
    notice = inbox_of(staff["district_leader"], "overdue_escalated").get()
    assert "第3级" in notice.subject
    assert supervised.count() == 3

    # The ladder is done: further passes write nothing.
    before = snapshot()
    run_at(at(2025, 3, 25, 8, 0))
    assert snapshot() == before


def test_a_new_deadline_starts_the_warnings_afresh(order, staff):
    handler = staff["handler"]
    run_at(share_time(order, 0.85))
    assert inbox_of(handler, "unit_warning").filter(body__contains="办理期限").count() == 1
    moment = share_time(order, 0.86)
    with time_machine.travel(moment, tick=False):
        services.acknowledge(user=handler, order_id=order.pk)
        services.request_extension(user=handler, order_id=order.pk, days=10, reason="需协调", requester_informed=True)
        services.approve_extension(user=staff["dispatcher"], order_id=order.pk)
    order.refresh_from_db()
    assert order.handling_due > at(2025, 3, 20)
    # The span is now longer: 80 % of the old one is only ~38 % of the new one — nothing yet.
    assert run_at(moment + dt.timedelta(minutes=10)).get("handling_warned", 0) == 0
    # 55 % of the new span: a new warning although 80 % was sent for the old deadline (new epoch).
    result = run_at(share_time(order, 0.55))
    assert result["handling_warned"] == 1
    assert inbox_of(handler, "unit_warning").filter(body__contains="办理期限").count() == 2


def test_resolved_and_merged_orders_are_left_alone(order, staff):
    with time_machine.travel(at(2025, 3, 5, 10), tick=False):
        services.acknowledge(user=staff["handler"], order_id=order.pk)
        services.respond(user=staff["handler"], order_id=order.pk, note="已联系")
        resolve_through_checks(order_id=order.pk, users=staff, reply="已清理")
    result = run_at(at(2025, 3, 20, 10))
    assert result.get("handling_overdue_steps", 0) == 0 and result.get("handling_warned", 0) == 0
    assert not WorkOrderEvent.objects.filter(order=order, action="supervise").exists()


def test_steps_that_passed_long_before_the_timers_saw_them_are_recorded_not_acted_on(order, staff):
    # The timers first run a year later (e.g. switched on for an old database): no flood of 督办.
    result = run_at(at(2026, 3, 3, 10))
    assert result["handling_stale"] == 1 and result.get("handling_overdue_steps", 0) == 0
    assert not WorkOrderEvent.objects.filter(order=order, action="supervise").exists()
    before = snapshot()
    run_at(at(2026, 3, 4, 10))
    assert snapshot() == before


def test_the_shares_and_ladder_are_rule_data(order, staff):
    from jiesu.notify.models import AlertRule
    from jiesu.notify.rules import load_rules

    load_rules()
    rule = AlertRule.objects.get(deadline="handling")
    rule.warn_shares = [0.3]
    rule.save()
    from jiesu.notify import rules

    rules.invalidate()
    assert run_at(share_time(order, 0.31))["handling_warned"] == 1
    assert run_at(share_time(order, 0.9)).get("handling_warned", 0) == 0
