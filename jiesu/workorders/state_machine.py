"""The transition table of state_machine.yaml, loaded once, and the checks that use it (the
generic loader and checks live in jiesu.common.transitions; this module supplies the order's
states and guards).

`lead_unit`-scoped actions also admit district-wide roles listed for them (e.g. a dispatcher may
whistle on behalf of a unit): the scope restricts unit roles only."""

from pathlib import Path

from jiesu.common.transitions import SAME, Transition, TransitionTable
from jiesu.org.models import UNIT_ROLES, Unit, UnitKind
from jiesu.workorders import workflow
from jiesu.workorders.models import State, WorkOrder

__all__ = ["GUARDS", "SAME", "Transition", "allowed_actions", "check_role", "check_state", "get", "table"]


def _guard_no_pending_extension(order) -> bool:
    return not order.pending_extension


def _guard_has_pending_extension(order) -> bool:
    return bool(order.pending_extension)


def needs_redo(order) -> bool:
    """未解决, or 不满意 (satisfaction at most the rule's bound): the order belongs in the 重办 queue."""
    bound = workflow.redo_rules()["dissatisfied_at_most"]
    return order.solved is False or (order.satisfaction is not None and order.satisfaction <= bound)


def lead_kind(order) -> str | None:
    """The kind of the order's lead unit (the related row is cached on the order instance)."""
    if not order.lead_unit_id:
        return None
    if isinstance(order, WorkOrder):
        return order.lead_unit.kind
    return Unit.objects.filter(pk=order.lead_unit_id).values_list("kind", flat=True).first()


def called_units(order) -> set[int]:
    """The units called in to this order by 吹哨报到."""
    from jiesu.workorders.models import WhistleCall

    return set(WhistleCall.objects.filter(order_id=order.pk).values_list("unit_id", flat=True))


def _guard_sampled(order) -> bool:
    return workflow.is_sampled(order_id=order.pk, kind=lead_kind(order))


def _guard_no_live_verification(order) -> bool:
    """No request awaiting its answer within its limit now (the service checks again at its `at`)."""
    from django.utils import timezone

    from jiesu.workorders import verification

    return not verification.is_live(order.pending_verification, at=timezone.now())


def _guard_has_pending_verification(order) -> bool:
    return bool(order.pending_verification)


# name → (check, message when refused, condition as shown in the docs)
GUARDS = {
    "no_live_verification": (
        _guard_no_live_verification,
        "已派网格员核实，尚未反馈，核实期限未到",
        "无期限内待反馈的先行核实（超时未反馈可重新派出）",
    ),
    "has_pending_verification": (_guard_has_pending_verification, "没有待反馈的先行核实", "有待反馈的先行核实"),
    "no_pending_extension": (_guard_no_pending_extension, "已有待审批的延期申请", "无待审批延期"),
    "has_pending_extension": (_guard_has_pending_extension, "没有待审批的延期申请", "有待审批延期"),
    "callback_not_solved": (needs_redo, "回访结果为已解决且满意，无需重办", "回访结果为未解决或不满意"),
    "sampled": (_guard_sampled, "该工单不在指挥部抽查样本中", "在指挥部抽查样本中"),
    "not_sampled": (lambda order: not _guard_sampled(order), "该工单在指挥部抽查样本中", "不在抽查样本中"),
    "below_top_level": (lambda order: order.level != "district", "已提级至最高层级（区领导）", "未到区领导层级"),
}

_TABLE = TransitionTable(
    path=Path(__file__).with_name("state_machine.yaml"),
    states=dict(State.choices),
    guards=GUARDS,
    unit_roles=UNIT_ROLES,
    noun="工单",
    kind_of=lead_kind,
    kind_labels=dict(UnitKind.choices),
    called_units=called_units,
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
