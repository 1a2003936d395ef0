"""Score routing on any file of texts with the unit that really answered them (evaluate_routing,
bench/routing.py): a MAP.yaml turns the external unit into regexes over Fengtai units; a prediction is
right when one regex is found in the predicted unit's code, full name or short name (属地 = any
street/town or the outcome 属地（街镇待定）; 退回市级 = the return-to-city outcome)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.metrics import f1_score, precision_recall_fscore_support

from jiesu.common.errors import InvalidInput
from jiesu.dispatch.classifier.evaluation import _cell, _read_table

from .maps import CITY, LOCAL, UnitMap, UnitRule

ABSTAINED = "转人工"
SKIP_EMPTY_TEXT = "文本为空"
SKIP_EMPTY_UNIT = "单位为空"
SKIP_UNMAPPED = "单位不在对照表中"


@dataclass
class RoutingRows:
    texts: list[str]
    rules: list[UnitRule]
    externals: list[str]
    skipped: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)
    encoding: str | None = None


def read_rows(path: Path, *, text_cols: list[str], unit_col: str, unit_map: UnitMap) -> RoutingRows:
    header, rows, encoding = _read_table(Path(path))
    missing = [c for c in [*text_cols, unit_col] if c not in header]
    if missing:
        raise InvalidInput(
            f"找不到列：{'、'.join(missing)}（文件中的列：{'、'.join(h for h in header if h) or '无'}）",
            code="missing_column",
        )
    text_at, unit_at = [header.index(c) for c in text_cols], header.index(unit_col)
    out = RoutingRows(texts=[], rules=[], externals=[], encoding=encoding)
    for row in rows:
        text = "\n".join(t for t in (_cell(row, i) for i in text_at) if t)
        external = _cell(row, unit_at)
        if not text:
            out.skipped[SKIP_EMPTY_TEXT] += 1
            continue
        if not external:
            out.skipped[SKIP_EMPTY_UNIT] += 1
            continue
        rule = unit_map.rule_for(external)
        if rule is None:
            out.skipped[SKIP_UNMAPPED] += 1
            out.unmapped[external] += 1
            continue
        out.texts.append(text)
        out.rules.append(rule)
        out.externals.append(external)
    return out


@dataclass(frozen=True)
class Predicted:
    """One proposed unit as the map sees it: code, full name, short name, and whether it is 属地."""

    code: str
    name: str
    short_name: str
    local: bool


def matches(rule: UnitRule, unit: Predicted) -> bool:
    for raw, pattern in zip(rule.raw_units, rule.units, strict=True):
        if raw == LOCAL:
            if unit.local:
                return True
            continue
        if raw == CITY and unit.name == CITY:
            return True
        if any(pattern.search(s) for s in (unit.code, unit.name, unit.short_name) if s):
            return True
    return False


def unused_unit_patterns(unit_map: UnitMap, units: list[Predicted]) -> list[str]:
    """Unit regexes of the map that match no unit of the catalogue (typos, another city's names)."""
    out = []
    for rule in unit_map.rules:
        for raw, pattern in zip(rule.raw_units, rule.units, strict=True):
            if raw in (LOCAL, CITY):
                continue
            if not any(pattern.search(s) for u in units for s in (u.code, u.name, u.short_name) if s):
                out.append(raw)
    return sorted(set(out))


@dataclass
class RoutingScores:
    n: int
    top1: float
    top3: float
    macro_f1: float
    abstain: float
    per_unit: list[tuple[str, float, float, float, int]]  # label, precision, recall, f1, support


def score(*, rows: RoutingRows, predictions: list[list[Predicted] | None]) -> RoutingScores:
    """`predictions[i]` = top units best first, or None for an abstention (counted as wrong)."""
    truth, pred = [], []
    top1 = top3 = abstained = 0
    for rule, units in zip(rows.rules, predictions, strict=True):
        gold = rule.raw_units[0]
        truth.append(gold)
        if not units:
            abstained += 1
            pred.append(ABSTAINED)
            continue
        if matches(rule, units[0]):
            top1 += 1
            pred.append(gold)
        else:
            pred.append(_label_of(units[0], rows.rules))
        top3 += any(matches(rule, u) for u in units[:3])
    n = len(truth) or 1
    labels = sorted(set(truth))
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    return RoutingScores(
        n=len(truth),
        top1=top1 / n,
        top3=top3 / n,
        macro_f1=float(f1_score(truth, pred, labels=labels, average="macro", zero_division=0)),
        abstain=abstained / n,
        per_unit=[(lab, float(p[i]), float(r[i]), float(f[i]), int(s[i])) for i, lab in enumerate(labels)],
    )


def _label_of(unit: Predicted, rules: list[UnitRule]) -> str:
    """The map's name for a wrong prediction (so precision counts it against the right class)."""
    for rule in rules:
        if matches(rule, unit):
            return rule.raw_units[0]
    return LOCAL if unit.local else (unit.short_name or unit.name)


def summary_line(s: RoutingScores, skipped: int) -> str:
    return (
        f"top1={s.top1:.4f} top3={s.top3:.4f} macro_f1={s.macro_f1:.4f} abstain={s.abstain:.4f} "
        f"n={s.n} skipped={skipped}"
    )
