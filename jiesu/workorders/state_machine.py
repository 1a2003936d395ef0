"""The transition table of state_machine.yaml, loaded once, and the checks that use it (the
generic loader and checks live in jiesu.common.transitions; this module supplies the order's
states and guards).

`lead_unit`-scoped actions also admit district-wide roles listed for them (e.g. a dispatcher may
whistle on behalf of a unit): the scope restricts unit roles only."""

from pathlib import Path

from jiesu.common.transitions import SAME, Transition, TransitionTable
from jiesu.org.models import UNIT_ROLES
from jiesu.workorders.models import State

__all__ = ["GUARDS", "SAME", "Transition", "allowed_actions", "check_role", "check_state", "get", "table"]


def _guard_no_pending_extension(order) -> bool:
    return not order.pending_extension


def _guard_has_pending_extension(order) -> bool:
    return bool(order.pending_extension)


def _guard_callback_not_solved(order) -> bool:
    return order.solved is False


def _guard_no_pending_verification(order) -> bool:
    return not order.pending_verification


def _guard_has_pending_verification(order) -> bool:
    return bool(order.pending_verification)


# name → (check, message when refused, condition as shown in the docs)
GUARDS = {
    "no_pending_verification": (_guard_no_pending_verification, "已派网格员核实，尚未反馈", "无待反馈的先行核实"),
    "has_pending_verification": (_guard_has_pending_verification, "没有待反馈的先行核实", "有待反馈的先行核实"),
    "no_pending_extension": (_guard_no_pending_extension, "已有待审批的延期申请", "无待审批延期"),
    "has_pending_extension": (_guard_has_pending_extension, "没有待审批的延期申请", "有待审批延期"),
    "callback_not_solved": (_guard_callback_not_solved, "回访结果为已解决，无需重办", "回访结果为未解决"),
}

_TABLE = TransitionTable(
    path=Path(__file__).with_name("state_machine.yaml"),
    states=dict(State.choices),
    guards=GUARDS,
    unit_roles=UNIT_ROLES,
    noun="工单",
)


def table() -> dict[str, Transition]:
    return _TABLE.table()


def get(action: str) -> Transition:
    return _TABLE.get(action)


def check_state(transition: Transition, order) -> None:
    """Raise NotAllowed unless `order`'s state and guards admit the transition."""
    _TABLE.check_state(transition, order)


def check_role(transition: Transition, user, order) -> None:
    """Raise Forbidden unless `user` (None = the system itself) may take the action on `order`."""
    _TABLE.check_role(transition, user, order)


def allowed_actions(*, user, order) -> list[Transition]:
    """The actions `user` may take on `order` now: what the buttons and the API offer."""
    return _TABLE.allowed(user=user, record=order)
