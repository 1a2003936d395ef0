"""The hazard's transition table, checked by the shared jiesu.common.transitions. Grid workers
inspect across streets (a department's grid may too): for them the scope is district-wide; the
street's handlers and leaders act on their own street's hazards."""

from pathlib import Path

from jiesu.common.transitions import TransitionTable
from jiesu.hazards.models import HazardState
from jiesu.org.models import Role

TABLE = TransitionTable(
    path=Path(__file__).with_name("state_machine.yaml"),
    states=dict(HazardState.choices),
    guards={},
    unit_roles=(Role.HANDLER, Role.UNIT_LEADER),
    noun="隐患",
    lead_label="责任街镇",
)
