"""提级响应 (levels, coordinator, new deadline, queue) and 吹哨报到 (报到 within the limit, the
contribution, the joint handling record, 报到率 / 到场率)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jiesu.common.errors import Forbidden, InvalidInput, NotAllowed
from jiesu.workorders import selectors, services, workflow
from jiesu.workorders.models import JointHandling, Level, State, WhistleCall
from jiesu.workorders.tests.factories import order_in_state

ZHUJIANWEI, FANGGUANJU = "110106-D01", "110106-D03"


@pytest.mark.django_db
def test_escalation_climbs_street_department_district_with_coordinator_and_deadline(users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    with pytest.raises(InvalidInput):  # 区部门 needs its coordinating department
        services.escalate(user=users["dispatcher"], order_id=order.pk, reason="重点件")
    with pytest.raises(InvalidInput):  # a street does not coordinate at 区部门
        services.escalate(
            user=users["dispatcher"], order_id=order.pk, reason="重点件", coordinator_unit=units["110106001"]
        )
    first = services.escalate(
        user=users["unit_leader"], order_id=order.pk, reason="涉及多个产权单位", coordinator_unit=units[ZHUJIANWEI]
    )
    event = first.events.order_by("-seq").first()
    assert (first.level, first.coordinator_unit_id, first.escalation_level) == (
        Level.DEPARTMENT,
        units[ZHUJIANWEI].pk,
        1,
    )
    assert first.handling_due == workflow.due(event.at, workflow.escalation_level("department")["handling"])
    assert units[ZHUJIANWEI] in first.assisting_units.all()
    assert event.payload["level_label"] == "区部门" and event.payload["lead_unit_name"] == "方庄街道"
    second = services.escalate(user=users["district_leader"], order_id=order.pk, reason="群众反映强烈")
    assert second.level == Level.DISTRICT and second.coordinator_unit.kind == "district"
    with pytest.raises(NotAllowed) as top:
        services.escalate(user=users["district_leader"], order_id=order.pk, reason="再提")
    assert "最高层级" in top.value.message


@pytest.mark.django_db
def test_a_department_order_goes_straight_to_district_and_the_lead_may_change(users, units):
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    services.redispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[ZHUJIANWEI], reason="改派")
    up = services.escalate(user=users["dispatcher"], order_id=order.pk, reason="风险件")
    assert up.level == Level.DISTRICT and up.level_label == "区领导"
    other = order_in_state(State.DISPATCHED, users=users, units=units)
    moved = services.escalate(
        user=users["dispatcher"],
        order_id=other.pk,
        reason="属住建领域，提级由住建委主办",
        coordinator_unit=units[ZHUJIANWEI],
        lead_unit=units[ZHUJIANWEI],
    )
    assert moved.lead_unit_id == units[ZHUJIANWEI].pk and moved.level == Level.DEPARTMENT


@pytest.mark.django_db
def test_escalation_tells_lead_and_coordinator(users, units, django_capture_on_commit_callbacks):
    from jiesu.notify.models import Channel, Message

    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    with django_capture_on_commit_callbacks(execute=True):
        services.escalate(
            user=users["dispatcher"], order_id=order.pk, reason="疑难件", coordinator_unit=units[ZHUJIANWEI]
        )
    told = set(
        Message.objects.filter(kind="order_escalated", channel=Channel.INBOX).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"handler", "unit_leader", "dept_handler"} <= told


def _whistled(users, units, *, at=None):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    return services.whistle(
        user=users["handler"],
        order_id=order.pk,
        units=[units[ZHUJIANWEI], units[FANGGUANJU]],
        reason="需住建、房管到场",
        at=at,
    )


@pytest.mark.django_db
def test_called_unit_reports_in_within_the_limit_then_records_its_contribution(users, units):
    order = _whistled(users, units)
    call = WhistleCall.objects.get(order=order, unit=units[ZHUJIANWEI])
    assert call.report_due == workflow.due(call.called_at, workflow.whistle_limit())
    dept = users["dept_handler"]
    with pytest.raises(NotAllowed) as early:
        services.contribute(user=dept, order_id=order.pk, contribution="已到场")
    assert early.value.code == "not_reported"
    services.report_in(user=dept, order_id=order.pk, note="执法队两人到场")
    with pytest.raises(NotAllowed) as twice:
        services.report_in(user=dept, order_id=order.pk)
    assert twice.value.code == "already_reported"
    services.contribute(user=dept, order_id=order.pk, contribution="责令施工方当日清运渣土")
    call.refresh_from_db()
    assert call.reported_at and call.contribution == "责令施工方当日清运渣土"
    # neither the lead unit nor an uncalled unit may 报到
    with pytest.raises(Forbidden) as lead:
        services.report_in(user=users["handler"], order_id=order.pk)
    assert lead.value.code == "not_called"
    with pytest.raises(Forbidden):
        services.report_in(user=users["other_handler"], order_id=order.pk)
    with pytest.raises(InvalidInput):  # no second whistle to the same unit
        services.whistle(user=users["handler"], order_id=order.pk, units=[units[ZHUJIANWEI]], reason="再来")


@pytest.mark.django_db
def test_late_report_is_refused_and_writes_nothing(users, units):
    from jiesu.org.models import Role
    from jiesu.org.services import create_user

    order = _whistled(users, units)
    call = WhistleCall.objects.get(order=order, unit=units[FANGGUANJU])
    fgj = create_user(username="h_fgj", password="pw-test-123", role=Role.HANDLER, unit=units[FANGGUANJU])
    events = order.events.count()
    with pytest.raises(NotAllowed) as late:
        services.report_in(user=fgj, order_id=order.pk, at=call.report_due + dt.timedelta(minutes=1))
    assert late.value.code == "report_late" and "已超过报到时限" in late.value.message
    call.refresh_from_db()
    assert call.reported_at is None and order.events.count() == events
    # the API answers {code, message}
    api = APIClient()
    api.force_authenticate(user=fgj)
    call.report_due = timezone.now() - dt.timedelta(minutes=1)
    call.save(update_fields=["report_due"])
    body = api.post(f"/api/v1/orders/{order.pk}/actions/report_in", {}, format="json")
    assert body.status_code == 409 and body.json()["code"] == "report_late"
    assert "报到时限" in body.json()["message"]


@pytest.mark.django_db
def test_joint_handling_and_the_rates_per_unit(users, units):
    order = _whistled(users, units)
    services.report_in(user=users["dept_handler"], order_id=order.pk)
    with pytest.raises(InvalidInput):
        services.joint_handling(
            user=users["handler"],
            order_id=order.pk,
            participants=[units["110106001"]],
            held_at=timezone.now(),
            place="芳城园",
            result="清理",
        )
    services.joint_handling(
        user=users["handler"],
        order_id=order.pk,
        participants=[units["110106013"], units[ZHUJIANWEI]],
        held_at=timezone.now() - dt.timedelta(minutes=30),
        place="芳城园一区5号楼",
        result="渣土已清运，设置围挡",
    )
    record = JointHandling.objects.get(order=order)
    assert set(record.participants.values_list("code", flat=True)) == {"110106013", ZHUJIANWEI}
    now = timezone.now()
    rates = {
        r["unit"]: r for r in selectors.whistle_rates(start=now - dt.timedelta(days=1), end=now + dt.timedelta(hours=1))
    }
    zjw, fgj = rates[units[ZHUJIANWEI].name], rates[units[FANGGUANJU].name]
    assert (zjw["called"], zjw["report_rate"], zjw["attendance_rate"]) == (1, 1.0, 1.0)
    assert (fgj["called"], fgj["report_rate"], fgj["attendance_rate"]) == (1, 0.0, 0.0)


@pytest.mark.django_db
def test_whistle_rates_are_indicator_providers(users, units):
    from jiesu.indicators import providers

    order = _whistled(users, units)
    services.report_in(user=users["dept_handler"], order_id=order.pk)
    month = timezone.localdate().replace(day=1)
    values = providers.registered()["whistle_report_rate"](month=month, kind="department", spec=None)
    assert values[units[ZHUJIANWEI].pk].value == 100.0 and values[units[FANGGUANJU].pk].value == 0.0
    assert values[units[ZHUJIANWEI].pk].detail == {"called": 1, "reported": 1, "attended": 0}


@pytest.mark.django_db
def test_a_replay_may_escalate_without_naming_the_coordinator(users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    up = services.escalate(user=None, order_id=order.pk, reason="历史记录：提级")
    assert up.level == Level.DEPARTMENT and up.coordinator_unit_id is None
    top = services.escalate(user=users["district_leader"], order_id=order.pk, reason="再提")
    assert top.level == Level.DISTRICT and top.coordinator_unit.kind == "district"  # 区 by default
    other = order_in_state(State.IN_PROGRESS, users=users, units=units)
    with pytest.raises(InvalidInput):  # a person escalating to 区部门 names the department
        services.escalate(user=users["district_leader"], order_id=other.pk, reason="提级")
