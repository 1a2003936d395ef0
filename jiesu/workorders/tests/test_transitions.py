"""Every action in every state: allowed exactly where the transition table says, refused (409)
everywhere else; every role not listed for an action is refused (403)."""

import pytest
from django.utils import timezone

from jiesu.common.errors import Forbidden, NotAllowed
from jiesu.workorders import services, state_machine
from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import actor_of, do, order_in_state

ACTIONS = [a for a in state_machine.table() if a != "create"]
# Extra preconditions (guards) that the plain path to a state does not meet.
NEEDS_PENDING_EXTENSION = {"approve_extension", "deny_extension"}
NEEDS_PENDING_VERIFICATION = {"verify"}
# The services that take a user; "edit" has its own page rather than an API action.
SERVICES = {**services.ACTIONS, "edit": services.edit_order}


def _prepare(action, state, users, units):
    order = order_in_state(state, users=users, units=units)
    if action in NEEDS_PENDING_EXTENSION and state in (State.ACKNOWLEDGED, State.IN_PROGRESS):
        order = do("request_extension", order=order, users=users, units=units)
    if action in NEEDS_PENDING_VERIFICATION and state in state_machine.get("request_verification").sources:
        order = do("request_verification", order=order, users=users, units=units)
    return order


@pytest.mark.django_db
@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_action_allowed_only_from_its_source_states(action, state, users, units):
    transition = state_machine.get(action)
    order = _prepare(action, state, users, units)
    events_before = order.events.count()
    if state in transition.sources:
        result = do(action, order=order, users=users, units=units)
        result.refresh_from_db()
        assert result.state == transition.target_for(state)
        last = result.events.order_by("-seq").first()
        assert (last.action, last.from_state, last.to_state) == (action, state, result.state)
        assert last.seq == result.version
    else:
        # A unit user acting on an order that is not (or no longer) its unit's is refused for the
        # role first (403); otherwise the state refuses (409).
        actor = users[actor_of(action)]
        not_lead = transition.scope == "lead_unit" and actor.is_unit_scoped and order.lead_unit_id != actor.unit_id
        with pytest.raises(Forbidden if not_lead else NotAllowed):
            do(action, order=order, users=users, units=units)
        fresh = WorkOrder.objects.get(pk=order.pk)
        assert fresh.state == state and fresh.events.count() == events_before


ROLE_USERS = ["agent", "dispatcher", "callback", "district_leader", "auditor", "admin", "handler", "unit_leader"]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
def test_roles_not_listed_are_refused(action, users, units):
    transition = state_machine.get(action)
    state = transition.sources[0]
    for name in ROLE_USERS:
        user = users[name]
        if user.role in transition.roles:
            continue
        order = _prepare(action, state, users, units)
        with pytest.raises(Forbidden):
            state_machine.check_role(transition, user, order)
        # and through the service itself, with the user substituted (the citizen's rating has no
        # user: only the platform takes it, which check_role above already shows)
        if action in SERVICES:
            with pytest.raises(Forbidden):
                SERVICES[action](user=user, order_id=order.pk, **_minimal_kwargs(action, users, units))
        assert WorkOrder.objects.get(pk=order.pk).state == state


def _minimal_kwargs(action, users, units):
    return {
        "edit": {"title": "改"},
        "dispatch": {"lead_unit": units["110106013"]},
        "return": {"reason": "不属于本单位"},
        "rule_dispute": {"upheld": False, "reason": "维持原派"},
        "redispatch": {"lead_unit": units["110106001"], "reason": "改派"},
        "request_extension": {"days": 2, "reason": "协调中", "requester_informed": True},
        "deny_extension": {"reason": "不同意"},
        "supervise": {"reason": "督办"},
        "escalate": {"reason": "提级", "coordinator_unit": units["110106-D01"]},
        "contribute": {"contribution": "已到场"},
        "joint_handling": {
            "participants": [units["110106013"]],
            "held_at": timezone.now(),
            "place": "现场",
            "result": "已处置",
        },
        "whistle": {"units": [units["110106-D01"]], "reason": "吹哨"},
        "resolve": {"reply": "已办结"},
        "submit_check": {"reply": "已办结"},
        "send_back": {"reason": "答复不完整"},
        "fail_spot_check": {"reason": "现场未整改"},
        "callback": {"solved": True, "satisfaction": 5},
        "reopen": {"reason": "未解决"},
        "merge": {"master_id": _master(users).pk},
        "mark_unreasonable": {"kind": "repeat"},
        "set_property": {"property_project": None},
        "recategorize": {"category": _any_category()},
        "verify": {"result": "confirmed", "note": "现场属实"},
    }.get(action, {})


def _any_category():
    from jiesu.workorders.models import Category

    return Category.objects.filter(scheme="beijing", level=3).first()


def _master(users):
    from jiesu.workorders.tests.factories import make_order

    return make_order(users=users, content="主工单")


@pytest.mark.django_db
def test_another_units_handler_cannot_act_on_lead_unit_actions(users, units):
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    with pytest.raises(Forbidden):
        services.acknowledge(user=users["other_handler"], order_id=order.pk)
    with pytest.raises(Forbidden):
        services.return_order(user=users["dept_handler"], order_id=order.pk, reason="不归我们")
    assert services.acknowledge(user=users["handler"], order_id=order.pk).state == State.ACKNOWLEDGED


@pytest.mark.django_db
def test_guards_refuse_with_their_own_code(users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    with pytest.raises(NotAllowed) as excinfo:
        services.approve_extension(user=users["dispatcher"], order_id=order.pk)
    assert excinfo.value.code == "guard_failed"
    solved = order_in_state(State.RESOLVED, users=users, units=units)
    do("callback", order=solved, users=users, units=units, solved=True, satisfaction=5)
    with pytest.raises(NotAllowed) as excinfo:
        services.reopen(user=users["callback"], order_id=solved.pk, reason="再看看")
    assert "无需重办" in excinfo.value.message


def test_table_names_only_known_states_and_roles():
    from jiesu.org.models import Role

    for transition in state_machine.table().values():
        assert transition.roles <= set(Role.values)
        assert set(transition.sources) <= set(State.values)
        assert transition.scope in ("district", "lead_unit", "called_unit")
