"""Router: (category, place) → lead unit and assisting units, through the responsibility list
(权责清单, org.ResponsibilityRule, editable in admin) and the routing memory learned from corrections.

Rule order: the longest matching category prefix wins; at the same depth a rule limited to the
order's street beats a general one; then the rule's priority. An empty lead means the local
street/town (属地). The runner-up candidates are the leads of the less specific rules, the local
street, and the departments whose sector is the category's first level — so a dispatcher who
disagrees with the first choice finds the usual alternatives ranked with their reasons.

Scores are relative weights; `confidence` is a unit's share of them for one category. Memory
(jiesu.dispatch.models.RoutingMemory) shifts the shares: each time orders of this category at this
street were taken away from a unit its weight is divided, each confirmation of a unit adds to it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from jiesu.dispatch.caching import ProcessCache
from jiesu.dispatch.models import DispatchSettings, RoutingMemory
from jiesu.org.models import LOCAL_KINDS, ResponsibilityRule, Unit
from jiesu.workorders.models import Category

# Base weights of the kinds of candidate (the rule's lead dominates; the rest are alternatives).
WINNER = 1.0
OTHER_RULE = 0.06
LOCAL_STREET = 0.04
SECTOR = 0.06  # shared by all departments of the sector
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class RuleRow:
    pk: int
    category_code: str
    street_id: int | None
    lead_id: int | None
    assisting: tuple[int, ...]
    priority: int
    basis: str
    local_assists: bool = False  # the local street/town (属地) assists

    @property
    def depth(self) -> int:
        return self.category_code.count(".") + 1


@dataclass
class Candidate:
    unit_id: int
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    assisting: tuple[int, ...] = ()
    rule_id: int | None = None
    confidence: float = 0.0


@dataclass
class RoutingData:
    rules: list[RuleRow]
    units: dict[int, Unit]
    categories: dict[str, Category]  # code → category
    by_path: dict[str, Category]
    memory_version: str
    memory: dict[tuple[str, int | None], dict[int, tuple[int, int]]]  # (code, street) → unit → (conf, rej)
    settings: DispatchSettings


def _load() -> RoutingData:
    rules = [
        RuleRow(
            pk=r.pk,
            category_code=r.category_code,
            street_id=r.street_id,
            lead_id=r.lead_unit_id,
            assisting=tuple(sorted(u.pk for u in r.assisting_units.all())),
            priority=r.priority,
            basis=r.basis,
            local_assists=r.local_assists,
        )
        for r in ResponsibilityRule.objects.filter(is_active=True).prefetch_related("assisting_units")
    ]
    units = {u.pk: u for u in Unit.objects.filter(is_active=True)}
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    version = RoutingMemory.objects.order_by("-version").values_list("version", flat=True).first() or ""
    memory: dict = defaultdict(dict)
    for row in RoutingMemory.objects.filter(version=version).values_list(
        "category_code", "street_id", "unit_id", "confirmed", "rejected"
    ):
        memory[(row[0], row[1])][row[2]] = (row[3], row[4])
    return RoutingData(
        rules=rules,
        units=units,
        categories=categories,
        by_path={c.path: c for c in categories.values()},
        memory_version=version,
        memory=dict(memory),
        settings=DispatchSettings.current(),
    )


cache = ProcessCache("routing", _load)


def _prefixes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]  # most specific first


def matching_rules(*, category_code: str, street_id: int | None, rules: list[RuleRow]) -> list[RuleRow]:
    """Rules that apply, best first."""
    prefixes = set(_prefixes(category_code))
    found = [r for r in rules if r.category_code in prefixes and (r.street_id is None or r.street_id == street_id)]
    return sorted(found, key=lambda r: (r.depth, r.street_id is not None, r.priority), reverse=True)


def _memory_for(data: RoutingData, *, category_code: str, street_id: int | None):
    """The most specific memory entry for this category at this street (else district-wide)."""
    for code in _prefixes(category_code):
        for key in ((code, street_id), (code, None)):
            if key in data.memory:
                return code, key[1], data.memory[key]
    return None


@dataclass
class Route:
    candidates: list[Candidate]  # best first
    notes: list[str]  # what the router could not do (e.g. 属地 rule without a located street)


def route(*, category: Category, street: Unit | None, data: RoutingData | None = None) -> Route:
    """Candidate lead units for one category at one place, best first, with Chinese reasons."""
    data = data or cache.get()
    street_id = street.pk if street else None
    street_name = street.name if street else ""
    candidates: dict[int, Candidate] = {}
    notes: list[str] = []

    def add(unit_id: int | None, weight: float, reason: str, *, rule: RuleRow | None = None) -> None:
        if unit_id is None or unit_id not in data.units:
            return
        cand = candidates.setdefault(unit_id, Candidate(unit_id=unit_id))
        cand.score += weight
        cand.reasons.append(reason)
        if rule is not None and cand.rule_id is None:
            helpers = [*rule.assisting, *([street_id] if rule.local_assists and street_id else [])]
            cand.rule_id, cand.assisting = rule.pk, tuple(a for a in dict.fromkeys(helpers) if a != unit_id)

    label = f"类别：{category.path}"
    winner_given = False
    for rule in matching_rules(category_code=category.code, street_id=street_id, rules=data.rules):
        rule_cat = data.categories.get(rule.category_code)
        scope = f"（{street_name}专属规则）" if rule.street_id else ""
        basis = f"，依据：{rule.basis}" if rule.basis else ""
        rule_label = rule_cat.path if rule_cat else rule.category_code
        if rule.lead_id is None:
            if street_id is None:
                if not winner_given:
                    # The rule says 属地 but the place is unknown: say so and let the alternatives speak.
                    notes.append(f"权责清单「{rule_label}」由属地街镇主办，但未能定位街镇，请人工确认属地")
                    winner_given = True
                continue
            lead_id, lead_label = street_id, f"属地街镇（{street_name}）"
        else:
            lead_id = rule.lead_id
            lead_label = data.units[lead_id].name if lead_id in data.units else "已停用单位"
        weight = OTHER_RULE if winner_given else WINNER
        prefix = "" if not winner_given else "次选规则 "
        add(lead_id, weight, f"{prefix}{label} → 权责清单「{rule_label}」{scope}→ {lead_label}{basis}", rule=rule)
        winner_given = True
    if street_id is not None and street and street.kind in LOCAL_KINDS:
        add(street_id, LOCAL_STREET, f"属地管理：诉求发生地在{street_name}")
    first_level = category.path.split("/")[0]
    sector_units = [u for u in data.units.values() if first_level in [s.strip() for s in u.sector.split(",")]]
    for unit in sector_units:  # the weight is shared, so a sector with many units does not drown the rule
        add(unit.pk, SECTOR / len(sector_units), f"行业主管：{unit.name}主管「{first_level}」")
    _apply_memory(candidates, data=data, category=category, street_id=street_id, add=add)
    ranked = sorted(candidates.values(), key=lambda c: (-c.score, c.unit_id))
    total = sum(c.score for c in ranked) or 1.0
    for cand in ranked:
        cand.confidence = cand.score / total
    return Route(candidates=ranked, notes=notes)


def _apply_memory(candidates, *, data, category, street_id, add) -> None:
    found = _memory_for(data, category_code=category.code, street_id=street_id)
    if not found:
        return
    code, mem_street, units = found
    where = "本街镇" if mem_street is not None else "全区"
    cat = data.categories.get(code)
    cat_label = cat.path if cat else code
    for unit_id, (confirmed, rejected) in units.items():
        if unit_id not in data.units:
            continue
        if rejected and unit_id in candidates:
            candidates[unit_id].score /= 1 + rejected
            candidates[unit_id].reasons.append(f"派单经验：{where}「{cat_label}」类工单曾 {rejected} 次从该单位退回/改走")
        if confirmed:
            add(
                unit_id,
                confirmed / (confirmed + 1),
                f"派单经验：{where}「{cat_label}」类工单 {confirmed} 次最终由该单位办理",
            )


def unit_label(unit_id: int, *, data: RoutingData | None = None) -> tuple[str, str]:
    data = data or cache.get()
    unit = data.units.get(unit_id)
    return (unit.code, unit.name) if unit else ("", "")
