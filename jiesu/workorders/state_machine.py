"""The transition table of state_machine.yaml, loaded once, and the checks that use it.

`lead_unit`-scoped actions also admit district-wide roles listed for them (e.g. a dispatcher may
whistle on behalf of a unit): the scope restricts unit roles only."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from jiesu.common.errors import Forbidden, NotAllowed
from jiesu.org.models import UNIT_ROLES
from jiesu.workorders.models import State

SAME = "="
_TABLE_FILE = Path(__file__).with_name("state_machine.yaml")


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str  # a state, or SAME
    roles: frozenset[str]
    scope: str
    guard: str | None

    def target_for(self, state: str) -> str:
        return state if self.target == SAME else self.target


def _guard_no_pending_extension(order) -> bool:
    return not order.pending_extension


def _guard_has_pending_extension(order) -> bool:
    return bool(order.pending_extension)


def _guard_callback_not_solved(order) -> bool:
    return order.solved is False


# name → (check, message when refused, condition as shown in the docs)
GUARDS = {
    "no_pending_extension": (_guard_no_pending_extension, "已有待审批的延期申请", "无待审批延期"),
    "has_pending_extension": (_guard_has_pending_extension, "没有待审批的延期申请", "有待审批延期"),
    "callback_not_solved": (_guard_callback_not_solved, "回访结果为已解决，无需重办", "回访结果为未解决"),
}


@cache
def table() -> dict[str, Transition]:
    spec = yaml.safe_load(_TABLE_FILE.read_text(encoding="utf-8"))["actions"]
    states = set(State.values)
    result = {}
    for action, row in spec.items():
        sources = tuple(row["from"])
        unknown = (set(sources) | ({row["to"]} - {SAME})) - states
        if unknown:
            raise ValueError(f"state_machine.yaml: {action} names unknown states {unknown}")
        if row.get("guard") and row["guard"] not in GUARDS:
            raise ValueError(f"state_machine.yaml: unknown guard {row['guard']}")
        result[action] = Transition(
            action=action,
            label=row["label"],
            sources=sources,
            target=row["to"],
            roles=frozenset(row["roles"]),
            scope=row["scope"],
            guard=row.get("guard"),
        )
    return result


def get(action: str) -> Transition:
    try:
        return table()[action]
    except KeyError:
        raise NotAllowed(f"未知操作：{action}", code="unknown_action") from None


def check_state(transition: Transition, order) -> None:
    """Raise NotAllowed unless `order`'s state and guards admit the transition."""
    if order.state not in transition.sources:
        state_label = State(order.state).label
        raise NotAllowed(f"工单当前状态为“{state_label}”，不能执行“{transition.label}”")
    if transition.guard:
        check, message, _condition = GUARDS[transition.guard]
        if not check(order):
            raise NotAllowed(f"不能执行“{transition.label}”：{message}", code="guard_failed")


def check_role(transition: Transition, user, order) -> None:
    """Raise Forbidden unless `user` (None = the system itself) may take the action on `order`."""
    if user is None:
        return
    if user.role not in transition.roles:
        raise Forbidden(f"您的角色（{user.get_role_display()}）不能执行“{transition.label}”")
    if transition.scope == "lead_unit" and user.role in UNIT_ROLES:
        if order is None or user.unit_id is None or order.lead_unit_id != user.unit_id:
            raise Forbidden(f"只有主办单位可以执行“{transition.label}”")


def allowed_actions(*, user, order) -> list[Transition]:
    """The actions `user` may take on `order` now: what the buttons and the API offer."""
    result = []
    for transition in table().values():
        if transition.action == "create":
            continue
        try:
            check_state(transition, order)
            check_role(transition, user, order)
        except (NotAllowed, Forbidden):
            continue
        result.append(transition)
    return result
