"""多级核查 deadlines through the same timer (notify.deadlines), frozen clock: while an order waits in
待核查 the unit leader is warned and then told it is late (then the 指挥部 too); while it waits in
待抽查 the 指挥部 is (then the 区领导). No 督办 for a late check; each stage once; leaving the step
stops it; the rule is data (data/rules/alerts.yaml)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from jiesu.notify import deadline_watch
from jiesu.notify.models import Channel, Message
from jiesu.notify.rules import rule_for, validate_rule
from jiesu.timers.models import TimerMark
from jiesu.workorders import services
from jiesu.workorders.models import State, WorkOrderEvent
from jiesu.workorders.tests.factories import make_order, spot_check_rates

from .conftest import at

pytestmark = pytest.mark.django_db

FANGZHUANG = "110106013"
DISPATCHED = at(2025, 3, 3, 10, 0)  # a Monday
SUBMITTED = at(2025, 3, 4, 10, 0)  # Tuesday: the handler submits the resolution for 核查


def inbox_of(user, kind):
    return Message.objects.filter(recipient=user, channel=Channel.INBOX, kind=kind)


def snapshot():
    """What the check steps wrote (the order's handling deadline keeps its own warnings meanwhile)."""
    return (
        Message.objects.filter(kind__in=["check_warning", "check_overdue"]).count(),
        sorted(TimerMark.objects.filter(timer__endswith="_check").values_list("timer", "subject", "epoch", "stage")),
    )


def run_at(moment: dt.datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        return deadline_watch.watch(now=moment)


def share(order, fraction):
    return order.check_from + (order.check_due - order.check_from) * fraction


@pytest.fixture
def submitted(staff, units):
    with time_machine.travel(DISPATCHED, tick=False):
        created = make_order(users=staff)
        services.dispatch(user=staff["dispatcher"], order_id=created.pk, lead_unit=units[FANGZHUANG])
        services.acknowledge(user=staff["handler"], order_id=created.pk)
        services.respond(user=staff["handler"], order_id=created.pk, note="已联系")
    with time_machine.travel(SUBMITTED, tick=False):
        order = services.submit_check(user=staff["handler"], order_id=created.pk, reply="已清理完毕")
    assert order.state == State.PENDING_CHECK and order.check_from == SUBMITTED
    return order


def test_the_check_steps_are_in_the_rule_data():
    leader = rule_for(deadline="leader_check", on=SUBMITTED.date())
    spot = rule_for(deadline="spot_check", on=SUBMITTED.date())
    assert leader.warn_notify == ("unit_leaders",) and spot.warn_notify == ("centre",)
    assert [s.notify for s in leader.ladder] == [("unit_leaders",), ("unit_leaders", "centre")]
    assert [s.notify for s in spot.ladder] == [("centre",), ("centre", "district_leaders")]
    assert not any(s.supervise for s in leader.ladder + spot.ladder)


def test_a_late_leader_check_warns_the_leader_then_tells_the_centre(submitted, staff):
    order, leader, handler, centre = submitted, staff["unit_leader"], staff["handler"], staff["dispatcher"]
    supervised = WorkOrderEvent.objects.filter(order=order, action="supervise")
    assert run_at(share(order, 0.4)).get("leader_check_warned", 0) == 0
    assert not inbox_of(leader, "check_warning").exists()

    # Half the check time gone: the unit leader (not the handler) is warned, once.
    moment = share(order, 0.5) + dt.timedelta(minutes=1)
    assert run_at(moment)["leader_check_warned"] == 1
    warning = inbox_of(leader, "check_warning").get()
    assert "单位领导核查期限" in warning.subject and order.number in warning.subject
    assert "请及时完成核查" in warning.body
    assert not inbox_of(handler, "check_warning").filter(recipient__role="handler").exists()
    before = snapshot()
    assert run_at(moment + dt.timedelta(minutes=5)).get("leader_check_warned", 0) == 0
    assert snapshot() == before

    # At the check deadline: the leader is told it is late; no 督办 of the order.
    assert run_at(order.check_due + dt.timedelta(minutes=1))["leader_check_overdue_steps"] == 1
    late = inbox_of(leader, "check_overdue").get()
    assert "核查超期（第1级" in late.subject and "单位领导核查期限" in late.subject
    assert not inbox_of(centre, "check_overdue").exists()
    assert not supervised.exists()
    before = snapshot()
    run_at(order.check_due + dt.timedelta(hours=2))
    assert snapshot() == before

    # One working day later: the 指挥部 hears of it as well.
    step_two = order.check_due + dt.timedelta(days=1, hours=1)
    assert run_at(step_two)["leader_check_overdue_steps"] == 1  # (1 h past the step: SQLite compares UTC times)
    assert "第2级" in inbox_of(centre, "check_overdue").get().subject
    assert not supervised.exists()
    before = snapshot()
    run_at(step_two + dt.timedelta(days=10))  # the ladder is done
    assert snapshot() == before


def test_an_approved_check_is_left_alone_and_the_spot_check_is_watched(submitted, staff):
    order, leader, centre = submitted, staff["unit_leader"], staff["dispatcher"]
    with spot_check_rates(1.0), time_machine.travel(share(order, 0.3), tick=False):
        approved = services.approve_check(user=leader, order_id=order.pk)
    assert approved.state == State.SPOT_CHECK and approved.check_from == share(order, 0.3)
    # The spot check runs on its own deadline: the 指挥部 is warned …
    result = run_at(share(approved, 0.5) + dt.timedelta(minutes=1))
    assert result["spot_check_warned"] == 1 and result.get("leader_check_warned", 0) == 0
    assert "指挥部抽查期限" in inbox_of(centre, "check_warning").get().subject
    # … while the leader's check is done: his deadline passing writes nothing for him.
    result = run_at(order.check_due + dt.timedelta(minutes=1))
    assert result.get("leader_check_overdue_steps", 0) == 0 and result.get("leader_check_warned", 0) == 0
    assert not inbox_of(leader, "check_overdue").exists() and not inbox_of(leader, "check_warning").exists()
    # … then told it is late, and one working day later the 区领导 too.
    assert run_at(approved.check_due + dt.timedelta(minutes=1))["spot_check_overdue_steps"] == 1
    assert inbox_of(centre, "check_overdue").count() == 1
    assert not inbox_of(staff["district_leader"], "check_overdue").exists()
    assert run_at(approved.check_due + dt.timedelta(days=1, hours=1))["spot_check_overdue_steps"] == 1
    assert "第2级" in inbox_of(staff["district_leader"], "check_overdue").get().subject
    assert not WorkOrderEvent.objects.filter(order=order, action="supervise").exists()

    # Passed: nothing more, whatever the clock says.
    with time_machine.travel(approved.check_due + dt.timedelta(days=2), tick=False):
        services.pass_spot_check(user=centre, order_id=order.pk)
    before = snapshot()
    run_at(approved.check_due + dt.timedelta(days=3))
    assert snapshot() == before


def test_sent_back_and_submitted_again_starts_afresh(submitted, staff):
    order, leader, handler = submitted, staff["unit_leader"], staff["handler"]
    assert run_at(share(order, 0.6))["leader_check_warned"] == 1
    back = share(order, 0.7)
    with time_machine.travel(back, tick=False):
        services.send_back(user=leader, order_id=order.pk, reason="照片不清楚，请补充")
    # Back in handling: the old check deadline passing tells nobody.
    assert run_at(order.check_due + dt.timedelta(minutes=1)).get("leader_check_overdue_steps", 0) == 0
    again_at = order.check_due + dt.timedelta(hours=1)
    with time_machine.travel(again_at, tick=False):
        again = services.submit_check(user=handler, order_id=order.pk, reply="已补充照片")
    assert again.check_due > order.check_due
    assert run_at(share(again, 0.6))["leader_check_warned"] == 1  # a new epoch: warned again
    assert inbox_of(leader, "check_warning").count() == 2


def test_a_late_check_cannot_be_configured_to_supervise():
    ladder = [
        {"after": {"amount": 0, "unit": "hours"}, "supervise": True, "notify": ["centre"], "template": "check_overdue"}
    ]
    with pytest.raises(ValidationError, match="只发通知"):
        validate_rule(warn_shares=[0.5], warn_notify=["centre"], ladder=ladder, deadline="spot_check")
    with pytest.raises(ValidationError, match="期限只能是"):
        validate_rule(warn_shares=[0.5], warn_notify=["centre"], ladder=ladder[:0] or ladder, deadline="approval")
