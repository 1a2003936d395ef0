"""The item's transition table (state_machine.yaml) and the meeting question's
(question_machine.yaml), checked by the shared jiesu.common.transitions."""

from pathlib import Path

from jiesu.common.transitions import Transition, TransitionTable
from jiesu.org.models import UNIT_ROLES
from jiesu.supervision.models import ItemState, QuestionState, Source


def _all_milestones_done(item) -> bool:
    return item.milestones_done >= item.milestones_total


def _proactive(item) -> bool:
    return item.source == Source.PROACTIVE


GUARDS = {
    "all_milestones_done": (_all_milestones_done, "还有未完成的节点", "节点均已完成"),
    "proactive": (_proactive, "只有主动治理事项可以未诉先办派单", "主动治理事项"),
}

ITEMS = TransitionTable(
    path=Path(__file__).with_name("state_machine.yaml"),
    states=dict(ItemState.choices),
    guards=GUARDS,
    unit_roles=UNIT_ROLES,
    noun="督办事项",
    lead_label="牵头单位",
)
QUESTIONS = TransitionTable(
    path=Path(__file__).with_name("question_machine.yaml"),
    states=dict(QuestionState.choices),
    guards={},
    unit_roles=UNIT_ROLES,
    noun="问题",
)


def get(action: str) -> Transition:
    return ITEMS.get(action)


def allowed_actions(*, user, item) -> list[Transition]:
    return ITEMS.allowed(user=user, record=item)
