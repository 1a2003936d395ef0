"""Build orders in any state of the loop through the real services (tests only)."""

import contextlib
import datetime as dt

from django.utils import timezone

from jiesu.workorders import services
from jiesu.workorders.models import State, WorkOrder

FANGZHUANG = "110106013"

# The path of actions that brings a new order into each state.
PATHS = {
    State.RECEIVED: [],
    State.DISPATCHED: ["dispatch"],
    State.RETURNED: ["dispatch", "return"],
    State.ACKNOWLEDGED: ["dispatch", "acknowledge"],
    State.IN_PROGRESS: ["dispatch", "acknowledge", "respond"],
    State.PENDING_CHECK: ["dispatch", "acknowledge", "respond", "submit_check"],
    State.SPOT_CHECK: ["dispatch", "acknowledge", "respond", "submit_check", "approve_to_spot_check"],
    State.RESOLVED: ["dispatch", "acknowledge", "respond", "submit_check", "approve_check"],
    State.CALLBACK_DONE: ["dispatch", "acknowledge", "respond", "submit_check", "approve_check", "callback"],
    State.CLOSED: ["dispatch", "acknowledge", "respond", "submit_check", "approve_check", "callback", "close"],
    State.MERGED: ["merge"],
    State.UNREASONABLE: ["mark_unreasonable"],
}


def make_order(*, users, content="小区门口垃圾堆放多日无人清理，气味很大", at=None, **extra) -> WorkOrder:
    order, _ = services.create_order(
        user=users["agent"],
        content=content,
        requester_name="张三",
        requester_phone="13812345678",
        address="方庄芳城园一区",
        at=at,
        **extra,
    )
    return order


# Which fixture user `do` acts as, per action.
ACTOR_OF = {
    **dict.fromkeys(
        ["acknowledge", "return", "respond", "request_extension", "whistle", "submit_check", "joint_handling"],
        "handler",
    ),
    **dict.fromkeys(["approve_check", "approve_to_spot_check", "send_back"], "unit_leader"),
    **dict.fromkeys(["report_in", "contribute"], "dept_handler"),
    **dict.fromkeys(["callback", "reopen", "close"], "callback"),
    "edit": "agent",
}


def any_property_project(units):
    from jiesu.org.models import PropertyCompany, PropertyProject

    company, _ = PropertyCompany.objects.get_or_create(credit_code="91110106FACTORY01", defaults={"name": "测试物业"})
    project, _ = PropertyProject.objects.get_or_create(
        company=company, name="测试小区", defaults={"street": units[FANGZHUANG]}
    )
    return project


def other_category(order: WorkOrder):
    """An active category of the Beijing-style tree that the order does not have yet."""
    from jiesu.workorders.models import Category

    return Category.objects.filter(scheme="beijing", level=3, is_active=True).exclude(pk=order.category_id).first()


def actor_of(action: str) -> str:
    return ACTOR_OF.get(action, "dispatcher")


@contextlib.contextmanager
def spot_check_rates(rate: float):
    """Every unit kind sampled at `rate` (1.0: always, 0.0: never) while inside."""
    from jiesu.workorders import workflow

    rates = workflow.rules()["checks"]["spot_check_rates"]
    saved = dict(rates)
    rates.update(dict.fromkeys(saved, rate))
    try:
        yield
    finally:
        rates.update(saved)


def resolve_through_checks(*, order_id: int, users, reply: str = "已协调清运完毕", at=None) -> WorkOrder:
    """The lead unit's 办结 the way a street or department does it: submit, leader approves, and the
    指挥部 passes the spot check when the sample takes the order."""
    services.submit_check(user=users["handler"], order_id=order_id, reply=reply, at=at)
    order = services.approve_check(user=users["unit_leader"], order_id=order_id, at=at)
    if order.state == State.SPOT_CHECK:
        order = services.pass_spot_check(user=users["dispatcher"], order_id=order_id, at=at)
    return order


def do(action: str, *, order: WorkOrder, users, units, at: dt.datetime | None = None, **overrides) -> WorkOrder:
    """Take `action` with a user allowed to, and valid input for it."""
    d, h, cb, lead = users["dispatcher"], users["handler"], users["callback"], users["unit_leader"]
    steps = {
        "edit": lambda: services.edit_order(user=users["agent"], order_id=order.pk, title="修改后的标题", at=at),
        "citizen_rate": lambda: services.rate_by_citizen(
            number=order.number, phone_tail=order.requester_phone[-4:], satisfaction=4, at=at
        ),
        "set_property": lambda: services.set_property_project(
            user=d, order_id=order.pk, property_project=any_property_project(units), at=at
        ),
        "recategorize": lambda: services.recategorize(user=d, order_id=order.pk, category=other_category(order), at=at),
        "dispatch": lambda: services.dispatch(user=d, order_id=order.pk, lead_unit=units[FANGZHUANG], at=at),
        "acknowledge": lambda: services.acknowledge(user=h, order_id=order.pk, at=at),
        "return": lambda: services.return_order(user=h, order_id=order.pk, reason="不属于本街道辖区", at=at),
        "rule_dispute": lambda: services.rule_dispute(
            user=d, order_id=order.pk, upheld=False, reason="经核实属于该街道辖区", at=at
        ),
        "redispatch": lambda: services.redispatch(
            user=d, order_id=order.pk, lead_unit=units["110106001"], reason="改派至右安门街道", at=at
        ),
        "respond": lambda: services.respond(user=h, order_id=order.pk, note="已电话联系", at=at),
        "request_extension": lambda: services.request_extension(
            user=h, order_id=order.pk, days=3, reason="需协调物业", requester_informed=True, at=at
        ),
        "approve_extension": lambda: services.approve_extension(user=d, order_id=order.pk, at=at),
        "deny_extension": lambda: services.deny_extension(user=d, order_id=order.pk, reason="理由不充分", at=at),
        "supervise": lambda: services.supervise(user=d, order_id=order.pk, reason="请加快办理", at=at),
        "escalate": lambda: services.escalate(
            user=d, order_id=order.pk, reason="重点件", coordinator_unit=units["110106-D01"], at=at
        ),
        "report_in": lambda: services.report_in(user=_called(order, users, units), order_id=order.pk, at=at),
        "contribute": lambda: services.contribute(
            user=_called(order, users, units, reported=True), order_id=order.pk, contribution="已派员现场执法", at=at
        ),
        "joint_handling": lambda: services.joint_handling(
            user=h,
            order_id=order.pk,
            participants=[units[FANGZHUANG]],
            held_at=at or timezone.now(),
            place="芳城园一区",
            result="现场清理完毕",
            at=at,
        ),
        "whistle": lambda: services.whistle(
            user=h, order_id=order.pk, units=[units["110106-D01"]], reason="需住建委到场", at=at
        ),
        # Direct 办结 is for utilities and the platform's replays; the fixture's units are a street
        # and departments, so the platform takes it here (the kind rule has its own tests).
        "resolve": lambda: services.resolve(user=None, order_id=order.pk, reply="已协调清运完毕", at=at),
        "submit_check": lambda: services.submit_check(user=h, order_id=order.pk, reply="已协调清运完毕", at=at),
        "approve_check": lambda: _approve(lead, order, at, rate=0.0),
        "approve_to_spot_check": lambda: _approve(lead, order, at, rate=1.0),
        "send_back": lambda: services.send_back(user=lead, order_id=order.pk, reason="答复未说明清运时间", at=at),
        "pass_spot_check": lambda: services.pass_spot_check(user=d, order_id=order.pk, at=at),
        "fail_spot_check": lambda: services.fail_spot_check(user=d, order_id=order.pk, reason="现场仍有垃圾", at=at),
        "callback": lambda: services.callback(
            user=cb,
            order_id=order.pk,
            solved=overrides.get("solved", False),
            satisfaction=overrides.get("satisfaction", 2),
            at=at,
        ),
        "reopen": lambda: services.reopen(user=cb, order_id=order.pk, reason="诉求人称未解决", at=at),
        "close": lambda: services.close(user=cb, order_id=order.pk, at=at),
        "merge": lambda: services.merge_duplicate(
            user=d, order_id=order.pk, master_id=make_order(users=users, content="同一问题的主工单").pk, at=at
        ),
        "mark_unreasonable": lambda: services.mark_unreasonable(user=d, order_id=order.pk, kind="out_of_duty", at=at),
        "recompute_deadlines": lambda: _recompute(order, at),
        "request_verification": lambda: services.request_verification(
            user=d,
            order_id=order.pk,
            grid_id=0,
            grid_name="测试网格",
            worker=grid_worker(units),
            due=(at or timezone.now()) + dt.timedelta(hours=2),
            at=at,
        ),
        "verify": lambda: services.verify(
            user=grid_worker(units), order_id=order.pk, result="confirmed", note="现场属实", at=at
        ),
    }
    return steps[action]()


def grid_worker(units):
    from jiesu.org.models import Role, User
    from jiesu.org.services import create_user

    found = User.objects.filter(username="grid_worker_f").first()
    return found or create_user(
        username="grid_worker_f", password="pw-test-123", role=Role.GRID_WORKER, unit=units[FANGZHUANG]
    )


def _called(order: WorkOrder, users, units, *, reported: bool = False):
    """区住建委 called in to `order` (written directly, whatever the order's state, so that the
    state machine — not the missing call — is what a test of the table meets)."""
    from jiesu.workorders.models import WhistleCall

    now = timezone.now()
    WhistleCall.objects.get_or_create(
        order_id=order.pk,
        unit=units["110106-D01"],
        defaults={
            "called_at": now,
            "report_due": now + dt.timedelta(hours=2),
            "reported_at": now if reported else None,
        },
    )
    return users["dept_handler"]


def _approve(user, order, at, *, rate: float) -> WorkOrder:
    with spot_check_rates(rate):
        return services.approve_check(user=user, order_id=order.pk, at=at)


def order_in_state(state: str, *, users, units) -> WorkOrder:
    order = make_order(users=users)
    for action in PATHS[state]:
        order = do(action, order=order, users=users, units=units)
    order.refresh_from_db()
    assert order.state == state
    return order


def _recompute(order: WorkOrder, at: dt.datetime | None) -> WorkOrder:
    """The platform's recompute, on an order whose stored handling deadline is a day off what its
    history gives (as after a calendar change), so that there is something to write."""
    from django.db.models import F

    WorkOrder.objects.filter(pk=order.pk).update(
        calendar_estimated=True, handling_due=F("handling_due") + dt.timedelta(days=1)
    )
    return services.recompute_deadlines(order_id=order.pk, at=at)
