"""多级核查: submit → unit leader approves or sends back → the 指挥部 spot-checks a deterministic
sample → 办结; per unit kind; refusals for the wrong unit, the wrong role, the submitter himself."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.common.errors import Forbidden, InvalidInput, NotAllowed
from jiesu.org.models import Role
from jiesu.org.services import create_user
from jiesu.workorders import services, state_machine, workflow
from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import do, order_in_state, spot_check_rates


def _submitted(users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    return services.submit_check(user=users["handler"], order_id=order.pk, reply="已清理完毕，并告知诉求人")


@pytest.mark.django_db
def test_street_handler_cannot_resolve_directly_but_submits_for_check(users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    with pytest.raises(Forbidden) as refused:
        services.resolve(user=users["handler"], order_id=order.pk, reply="已处理")
    assert refused.value.code == "wrong_unit_kind" and "公共服务企业" in refused.value.message
    actions = {t.action for t in state_machine.allowed_actions(user=users["handler"], order=order)}
    assert "submit_check" in actions and "resolve" not in actions
    submitted = services.submit_check(user=users["handler"], order_id=order.pk, reply="已清理完毕")
    assert submitted.state == State.PENDING_CHECK and submitted.resolved_at is None
    assert submitted.check_due > timezone.now()
    event = submitted.events.order_by("-seq").first()
    assert event.payload == {"reply": "已清理完毕", "check_due": submitted.check_due.isoformat()}


@pytest.mark.django_db
def test_leader_approval_resolves_when_not_sampled(users, units):
    order = _submitted(users, units)
    with spot_check_rates(0.0):
        assert [t.action for t in state_machine.allowed_actions(user=users["unit_leader"], order=order)][:1] == [
            "approve_check"
        ]
        done = services.approve_check(user=users["unit_leader"], order_id=order.pk, note="已电话核实")
    assert done.state == State.RESOLVED and done.resolved_at is not None and done.check_due is None
    event = done.events.order_by("-seq").first()
    assert event.action == "approve_check" and event.payload["sampled"] is False
    assert event.payload["submitted_by"] == users["handler"].pk and event.payload["rules"] == workflow.version()


@pytest.mark.django_db
def test_sampled_approval_waits_for_the_spot_check_and_a_failure_sends_it_back(users, units):
    order = _submitted(users, units)
    with spot_check_rates(1.0):
        waiting = services.approve_check(user=users["unit_leader"], order_id=order.pk)
    assert waiting.state == State.SPOT_CHECK and waiting.resolved_at is not None and waiting.check_due
    approved_at = waiting.resolved_at
    # the unit cannot pass its own spot check; the 指挥部 can
    with pytest.raises(Forbidden):
        services.pass_spot_check(user=users["unit_leader"], order_id=order.pk)
    failed = services.fail_spot_check(user=users["dispatcher"], order_id=order.pk, reason="现场仍有垃圾未清")
    assert failed.state == State.IN_PROGRESS and failed.resolved_at is None
    assert failed.handling_due > approved_at
    assert failed.events.order_by("-seq").first().payload["passed"] is False
    # second round passes
    services.submit_check(user=users["handler"], order_id=order.pk, reply="已彻底清理")
    with spot_check_rates(1.0):
        services.approve_check(user=users["unit_leader"], order_id=order.pk)
    passed = services.pass_spot_check(user=users["dispatcher"], order_id=order.pk)
    assert passed.state == State.RESOLVED and passed.reply == "已彻底清理"


@pytest.mark.django_db
def test_send_back_needs_a_reason_and_returns_to_handling(users, units):
    order = _submitted(users, units)
    with pytest.raises(InvalidInput):
        services.send_back(user=users["unit_leader"], order_id=order.pk, reason="  ")
    back = services.send_back(user=users["unit_leader"], order_id=order.pk, reason="答复未写明清运时间")
    assert back.state == State.IN_PROGRESS and back.check_due is None
    assert back.events.order_by("-seq").first().reason == "答复未写明清运时间"


@pytest.mark.django_db
def test_wrong_unit_wrong_role_and_self_check_are_refused(users, units):
    order = _submitted(users, units)
    other_leader = create_user(
        username="l_other", password="pw-test-123", role=Role.UNIT_LEADER, unit=units["110106001"]
    )
    with pytest.raises(Forbidden) as wrong_unit:
        services.approve_check(user=other_leader, order_id=order.pk)
    assert "主办单位" in wrong_unit.value.message
    with pytest.raises(Forbidden):
        services.approve_check(user=users["handler"], order_id=order.pk)
    # a leader who submitted himself does not approve his own resolution
    own = order_in_state(State.IN_PROGRESS, users=users, units=units)
    services.submit_check(user=users["unit_leader"], order_id=own.pk, reply="已处理")
    with pytest.raises(Forbidden) as self_check:
        services.approve_check(user=users["unit_leader"], order_id=own.pk)
    assert self_check.value.code == "self_check"
    assert WorkOrder.objects.get(pk=order.pk).state == State.PENDING_CHECK
    # a resolved order cannot be approved again
    with spot_check_rates(0.0):
        services.approve_check(user=users["unit_leader"], order_id=order.pk)
        with pytest.raises(NotAllowed):
            services.approve_check(user=users["unit_leader"], order_id=order.pk)


@pytest.mark.django_db
def test_utilities_resolve_directly_and_may_not_submit(users, units):
    utility = units["110106-E02"]
    handler = create_user(username="h_water", password="pw-test-123", role=Role.HANDLER, unit=utility)
    order = order_in_state(State.RECEIVED, users=users, units=units)
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=utility)
    services.acknowledge(user=handler, order_id=order.pk)
    services.respond(user=handler, order_id=order.pk)
    with pytest.raises(Forbidden):
        services.submit_check(user=handler, order_id=order.pk, reply="已抢修")
    assert services.resolve(user=handler, order_id=order.pk, reply="已抢修").state == State.RESOLVED


def test_sampling_is_deterministic_and_close_to_the_rate():
    street = [workflow.is_sampled(order_id=i, kind="street") for i in range(1, 5001)]
    assert street == [workflow.is_sampled(order_id=i, kind="street") for i in range(1, 5001)]
    share = sum(street) / len(street)
    assert abs(share - workflow.spot_check_rate("street")) < 0.02
    assert not any(workflow.is_sampled(order_id=i, kind="enterprise") for i in range(1, 500))
    assert not workflow.is_sampled(order_id=1, kind="unknown-kind")


@pytest.mark.django_db
def test_pending_check_keeps_the_clock_running_and_the_assessment_counts_the_approval(users, units):
    from jiesu.assessment.engine import RESOLVE_ACTIONS

    order = _submitted(users, units)
    later = timezone.now() + dt.timedelta(days=30)
    assert WorkOrder.objects.get(pk=order.pk).is_handling_overdue(now=later)
    with spot_check_rates(1.0):
        do("approve_to_spot_check", order=order, users=users, units=units)
    assert not WorkOrder.objects.get(pk=order.pk).is_handling_overdue(now=later)  # the unit's time ended
    assert {"approve_check", "approve_to_spot_check"} <= set(RESOLVE_ACTIONS)


@pytest.mark.django_db
def test_the_api_answers_a_wrong_unit_approval_with_code_and_message(users, units):
    from rest_framework.test import APIClient

    order = _submitted(users, units)
    other_leader = create_user(username="l_api", password="pw-test-123", role=Role.UNIT_LEADER, unit=units["110106001"])
    api = APIClient()
    api.force_authenticate(user=other_leader)
    response = api.post(f"/api/v1/orders/{order.pk}/actions/approve_check", {}, format="json")
    assert response.status_code == 404  # another unit's order is not visible at all
    handler = APIClient()
    handler.force_authenticate(user=users["handler"])
    body = handler.post(f"/api/v1/orders/{order.pk}/actions/approve_check", {}, format="json")
    assert body.status_code == 403 and body.json()["code"] == "forbidden" and "承办人" in body.json()["message"]
    detail = handler.get(f"/api/v1/orders/{order.pk}").json()
    assert detail["state"] == "pending_check" and detail["check_due"] and detail["level_label"] == "街镇"
