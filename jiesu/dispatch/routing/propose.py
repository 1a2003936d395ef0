"""One routing proposal from text (+ the street when known): leaf categories top-3 and lead units
top-3, each with a calibrated probability and Chinese reasons, or an abstention (转人工) with its reason.

Unit probability = MODEL_SHARE × the model's unit head + (1 − MODEL_SHARE) × Σ over the leaf head's
categories of p(category) × the 权责清单 lead for it at this place (jiesu.dispatch.router, with the street
rules and the routing memory learned from returns). The outcome 属地 becomes the located street, or
"属地（街镇待定）" when the place is unknown; 退回市级 is a unit like the others."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from jiesu.dispatch import router
from jiesu.org.models import Unit

from .maps import LOCAL
from .text import MAX_CHARS, cjk_count

# Share of the model's unit head in the mix; the rest follows the 权责清单 (with street rules and the
# routing memory from returns). On the validation month top-1 rises with the share up to ~0.8 and is flat
# above (bench/routing.py); 0.9 keeps the rules and the memory able to reorder close calls.
MODEL_SHARE = 0.9
GIVEN_SHARE = 0.3  # a category a person chose is certain: its rule leads
ABSTAIN_BELOW = 0.2  # top unit probability under this: 转人工
TOP_N = 3
LOCAL_UNKNOWN_NAME = "属地（街镇待定）"
MIN_CJK = 2


@dataclass
class UnitChoice:
    key: str  # unit code, or 属地 when the street is unknown
    unit_id: int | None
    name: str
    short_name: str
    probability: float
    reasons: list[str] = field(default_factory=list)
    assisting: tuple[int, ...] = ()

    def names(self) -> tuple[str, str, str]:
        return self.key, self.name, self.short_name


@dataclass
class CategoryChoice:
    code: str
    path: str
    name: str
    probability: float


@dataclass
class Routing:
    categories: list[CategoryChoice]
    units: list[UnitChoice]
    abstained: bool
    reason: str  # why it abstained ("" otherwise)
    model_version: str
    notes: list[str] = field(default_factory=list)

    @property
    def top(self) -> UnitChoice | None:
        return self.units[0] if self.units else None


def text_problem(text: str) -> str:
    """The reason no routing can be read from this text, or ""."""
    stripped = (text or "").strip()
    if not stripped:
        return "诉求内容为空，无法判断承办单位，请人工处理"
    if len(stripped) > MAX_CHARS:
        return f"诉求内容过长（{len(stripped)} 字，超过 {MAX_CHARS} 字），请人工阅读后派单"
    n = cjk_count(stripped)
    if n == 0:
        return "诉求内容没有中文，无法判断承办单位，请人工处理"
    if n < MIN_CJK:
        return "诉求内容过短，无法判断承办单位，请人工处理"
    return ""


def _rule_shares(category, *, street: Unit | None, data: router.RoutingData) -> tuple[dict[str, float], dict, list]:
    """{outcome key: share} for one category at this place from the 权责清单 (+ memory), reasons, notes."""
    if street is not None:
        result = router.route(category=category, street=street, data=data)
        shares, reasons = {}, {}
        for cand in result.candidates:
            unit = data.units.get(cand.unit_id)
            if unit is None:
                continue
            shares[unit.code] = shares.get(unit.code, 0) + cand.confidence
            reasons[unit.code] = (cand.reasons, cand.assisting)
        return shares, reasons, result.notes
    rules = router.matching_rules(category_code=category.code, street_id=None, rules=data.rules)
    if not rules:
        return {}, {}, []
    rule = rules[0]
    rule_cat = data.categories.get(rule.category_code)
    label = rule_cat.path if rule_cat else rule.category_code
    basis = f"，依据：{rule.basis}" if rule.basis else ""
    if rule.lead_id is None or rule.lead_id not in data.units:
        why = f"类别：{category.path} → 权责清单「{label}」→ 属地街镇（未能定位，待定）{basis}"
        return {LOCAL: 1.0}, {LOCAL: ([why], rule.assisting)}, []
    unit = data.units[rule.lead_id]
    why = f"类别：{category.path} → 权责清单「{label}」→ {unit.name}{basis}"
    return {unit.code: 1.0}, {unit.code: ([why], rule.assisting)}, []


def propose(
    *,
    text: str,
    street: Unit | None = None,
    model=None,
    data: router.RoutingData | None = None,
    given_category=None,
    probabilities: tuple[np.ndarray, np.ndarray] | None = None,
    model_share: float | None = None,
) -> Routing:
    """Routing for one text. `given_category` (a clerk's choice) replaces the leaf head's categories;
    `probabilities` (the model's two rows for this text, computed in a batch) and `model_share` serve
    evaluation runs."""
    share = model_share if model_share is not None else (GIVEN_SHARE if given_category is not None else MODEL_SHARE)
    problem = text_problem(text)
    version = getattr(model, "version", "")
    if problem:
        return Routing(categories=[], units=[], abstained=True, reason=problem, model_version=version)
    if model is None:
        from . import load_routing_model

        model = load_routing_model()
        version = model.version
    data = data or router.cache.get()
    if probabilities is None:
        unit_p, leaf_p = model.predict([text])
        unit_p, leaf_p = unit_p[0], leaf_p[0]
    else:
        unit_p, leaf_p = probabilities
    by_path = data.by_path
    ranked_leaves = [(model.leaves[i], float(leaf_p[i])) for i in np.argsort(-leaf_p)[:TOP_N]]
    categories = [
        CategoryChoice(code=by_path[p].code, path=p, name=by_path[p].name, probability=round(prob, 4))
        for p, prob in ranked_leaves
        if p in by_path
    ]
    routed = (
        [(given_category, 1.0)]
        if given_category is not None
        else [
            (by_path[p], prob)
            for p, prob in [(model.leaves[i], float(leaf_p[i])) for i in np.argsort(-leaf_p)[:5]]
            if p in by_path
        ]
    )
    scores: dict[str, float] = defaultdict(float)
    reasons: dict[str, tuple[float, list[str], tuple]] = {}
    notes: list[str] = []
    rule_total = sum(p for _, p in routed) or 1.0
    for category, p in routed:
        shares, why, cat_notes = _rule_shares(category, street=street, data=data)
        notes += [n for n in cat_notes if n not in notes]
        for key, rule_share in shares.items():
            contribution = (1 - share) * (p / rule_total) * rule_share
            scores[key] += contribution
            if key in why and contribution > reasons.get(key, (0,))[0]:
                prob = "" if given_category is not None else f"（概率 {p:.2f}）"
                texts = [r.replace(f"类别：{category.path}", f"类别：{category.path}{prob}", 1) for r in why[key][0]]
                reasons[key] = (contribution, texts, why[key][1])
    for i, key in enumerate(model.outcomes):
        if unit_p[i] > 0.01:
            scores[key] += share * float(unit_p[i])
    units = _choices(
        scores, reasons=reasons, unit_p=dict(zip(model.outcomes, unit_p, strict=True)), street=street, data=data
    )
    top = units[0] if units else None
    if top is None or top.probability < ABSTAIN_BELOW:
        p = top.probability if top else 0.0
        return Routing(
            categories=categories,
            units=units,
            abstained=True,
            model_version=version,
            notes=notes,
            reason=f"承办单位置信度过低（{p:.2f} < {ABSTAIN_BELOW:.2f}），请人工判断",
        )
    return Routing(categories=categories, units=units, abstained=False, reason="", model_version=version, notes=notes)


def _choices(scores, *, reasons, unit_p, street, data) -> list[UnitChoice]:
    by_code = {u.code: u for u in data.units.values()}
    merged: dict[str, float] = defaultdict(float)
    for key, score in scores.items():
        if key == LOCAL and street is not None:
            key = street.code  # 属地 at a known place is that street
        merged[key] += score
    total = sum(merged.values()) or 1.0
    out = []
    for key, score in sorted(merged.items(), key=lambda kv: -kv[1])[:TOP_N]:
        why = list(reasons.get(key, (0, [], ()))[1]) or list(
            reasons.get(LOCAL, (0, [], ()))[1] if street and key == street.code else []
        )
        learned = unit_p.get(LOCAL if street is not None and key == street.code else key, 0.0)
        if learned >= 0.05:
            why.append(f"派单模型：相似的真实工单由该类单位办理（概率 {learned:.2f}）")
        unit = by_code.get(key)
        if key == LOCAL or unit is None:
            out.append(
                UnitChoice(
                    key=LOCAL,
                    unit_id=None,
                    name=LOCAL_UNKNOWN_NAME,
                    short_name=LOCAL,
                    probability=round(score / total, 4),
                    reasons=why,
                )
            )
            continue
        assisting = reasons.get(key, (0, [], ()))[2]
        out.append(
            UnitChoice(
                key=key,
                unit_id=unit.pk,
                name=unit.name,
                short_name=unit.short_name or unit.name,
                probability=round(score / total, 4),
                reasons=why,
                assisting=tuple(a for a in assisting if a != unit.pk),
            )
        )
    return out


__all__ = ["LOCAL_UNKNOWN_NAME", "Routing", "UnitChoice", "propose", "text_problem"]
