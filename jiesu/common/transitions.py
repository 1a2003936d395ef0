"""A lifecycle as data: a YAML table of actions (source states → target state, roles, scope,
optional guard), loaded once, checked the same way by every module that has one — the work
orders (jiesu/workorders/state_machine.yaml) and the supervision items
(jiesu/supervision/state_machine.yaml).

Table format (one mapping under `actions:`):
    action: {label: 中文, from: [state, …], to: state | "=", roles: [role, …], scope: district | lead_unit,
             guard: name (optional), unit_kinds: [kind, …] (optional), style: primary | secondary | danger}
`to: "="` keeps the state (a counter, a flag or a date changes). `lead_unit` restricts the unit
roles (handler, unit leader) to records whose `lead_unit_id` is their unit; district-wide roles
listed for such an action may still take it. `unit_kinds` restricts the unit roles further to
records whose lead unit is of one of these kinds (the owner says how to read a record's kind) —
e.g. 多级核查 applies to streets and departments, not to utilities. `roles: []` means only the
platform itself (`user=None`: timers, replays) may take it. `called_unit` admits unit roles whose
unit the record has called in (吹哨报到: the owner says which units those are). `style` is how the pages colour the
action's button (default primary).

The owner of a table supplies its states (value → label), its guards and the noun its messages
use ("工单", "督办事项"; "主办单位", "牵头单位"); everything else — parsing, validation, the 403/409 checks and the list
of actions a user may take now — is here once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jiesu.common.errors import Forbidden, NotAllowed

SAME = "="
SCOPES = ("district", "lead_unit", "called_unit")
STYLES = ("primary", "secondary", "danger")


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str  # a state, or SAME
    roles: frozenset[str]
    scope: str
    guard: str | None
    unit_kinds: frozenset[str] | None = None
    style: str = "primary"

    def target_for(self, state: str) -> str:
        return state if self.target == SAME else self.target


# name → (check(record) -> bool, message when refused, condition as shown in the docs)
Guards = Mapping[str, tuple[Callable[[Any], bool], str, str]]


class TransitionTable:
    """One lifecycle's table with its checks. `unit_roles` are the roles a `lead_unit` scope
    restricts; `noun` names the record in messages ("工单当前状态为…")."""

    def __init__(
        self,
        *,
        path: Path,
        states: Mapping[str, str],
        guards: Guards,
        unit_roles: tuple[str, ...],
        noun: str,
        lead_label: str = "主办单位",
        kind_of: Callable[[Any], str | None] | None = None,
        kind_labels: Mapping[str, str] | None = None,
        called_units: Callable[[Any], set[int]] | None = None,
    ):
        self.path = path
        self.states = dict(states)
        self.guards = guards
        self.unit_roles = tuple(unit_roles)
        self.noun = noun
        self.lead_label = lead_label
        self.kind_of = kind_of
        self.kind_labels = dict(kind_labels or {})
        self.called_units = called_units
        self._table: dict[str, Transition] | None = None

    def table(self) -> dict[str, Transition]:
        if self._table is None:
            self._table = self._load()
        return self._table

    def _load(self) -> dict[str, Transition]:
        name = self.path.name
        spec = yaml.safe_load(self.path.read_text(encoding="utf-8"))["actions"]
        result = {}
        for action, row in spec.items():
            sources = tuple(row["from"])
            unknown = (set(sources) | ({row["to"]} - {SAME})) - set(self.states)
            if unknown:
                raise ValueError(f"{name}: {action} names unknown states {unknown}")
            if row.get("guard") and row["guard"] not in self.guards:
                raise ValueError(f"{name}: unknown guard {row['guard']}")
            if row["scope"] not in SCOPES or (row["scope"] == "called_unit" and self.called_units is None):
                raise ValueError(f"{name}: {action} has unknown scope {row['scope']}")
            kinds = row.get("unit_kinds")
            if kinds is not None and (self.kind_of is None or set(kinds) - set(self.kind_labels)):
                raise ValueError(f"{name}: {action} names unit kinds this table does not know: {kinds}")
            style = row.get("style", "primary")
            if style not in STYLES:
                raise ValueError(f"{name}: {action} has unknown style {style}")
            result[action] = Transition(
                action=action,
                label=row["label"],
                sources=sources,
                target=row["to"],
                roles=frozenset(row["roles"]),
                scope=row["scope"],
                guard=row.get("guard"),
                unit_kinds=frozenset(kinds) if kinds is not None else None,
                style=style,
            )
        return result

    def get(self, action: str) -> Transition:
        try:
            return self.table()[action]
        except KeyError:
            raise NotAllowed(f"未知操作：{action}", code="unknown_action") from None

    def check_state(self, transition: Transition, record) -> None:
        """Raise NotAllowed unless `record`'s state and guards admit the transition."""
        if record.state not in transition.sources:
            state_label = self.states.get(record.state, record.state)
            raise NotAllowed(f"{self.noun}当前状态为“{state_label}”，不能执行“{transition.label}”")
        if transition.guard:
            check, message, _condition = self.guards[transition.guard]
            if not check(record):
                raise NotAllowed(f"不能执行“{transition.label}”：{message}", code="guard_failed")

    def check_role(self, transition: Transition, user, record) -> None:
        """Raise Forbidden unless `user` (None = the platform itself) may take the action."""
        if user is None:
            return
        if user.role not in transition.roles:
            raise Forbidden(f"您的角色（{user.get_role_display()}）不能执行“{transition.label}”")
        if transition.scope == "called_unit" and user.role in self.unit_roles:
            if record is None or user.unit_id not in self.called_units(record):
                raise Forbidden(f"只有被吹哨的单位可以执行“{transition.label}”", code="not_called")
        if transition.scope == "lead_unit" and user.role in self.unit_roles:
            if record is None or user.unit_id is None or record.lead_unit_id != user.unit_id:
                raise Forbidden(f"只有{self.lead_label}可以执行“{transition.label}”")
            if transition.unit_kinds is not None and self.kind_of(record) not in transition.unit_kinds:
                kinds = "、".join(self.kind_labels.get(k, k) for k in sorted(transition.unit_kinds))
                raise Forbidden(f"“{transition.label}”只适用于{kinds}主办的{self.noun}", code="wrong_unit_kind")

    def allowed(self, *, user, record, skip: tuple[str, ...] = ("create",)) -> list[Transition]:
        """The actions `user` may take on `record` now: what the buttons and the API offer."""
        result = []
        for transition in self.table().values():
            if transition.action in skip:
                continue
            try:
                self.check_state(transition, record)
                self.check_role(transition, user, record)
            except (NotAllowed, Forbidden):
                continue
            result.append(transition)
        return result
