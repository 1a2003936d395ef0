"""七有 / 五性 scores per unit and month, from the orders of those dimensions.

An order's dimension is its category's (`dimension_of`: the one place that reads Category.qiyou /
Category.wuxing — filled from data/taxonomy/qiyou_wuxing.yaml today, carried by every leaf of the
new category tree tomorrow). For each dimension value (幼有所育 … 弱有所扶; 便利性 … 安全性) the
assessment engine counts the unit's month exactly as for the 三率 — same cycle, exclusions,
attribution, response limits — over the orders of that dimension only; the score is then

    pooled (default): 100 × (w_resp × responded + w_res × solved + w_sat × satisfaction points)
                      ÷ valid callbacks, all the unit's orders of the 七有 (or 五性) dimensions pooled;
    mean:             the mean of the per-dimension scores of the dimensions with enough callbacks,

with the weights of the assessment rule in force (`weights: assessment`) or the catalogue's own.
A unit with fewer than `min_callbacks` valid callbacks in those dimensions gets no score ("样本不足").
Full marks (100) = every such order responded in time, solved and the requester satisfied — the
"七有""五性"成绩满分 of seed 004. Rules: the indicator's `params` in the catalogue (docs/indicators.md)."""

import contextlib
import contextvars
import datetime as dt

from jiesu.assessment import engine
from jiesu.assessment import selectors as assessment
from jiesu.assessment.scoring import rates
from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.providers import Provided
from jiesu.org.models import Unit
from jiesu.workorders.models import Category

FIELDS = {"qiyou": "七有", "wuxing": "五性"}


def dimension_of(category: Category | None) -> dict[str, str]:
    """{"qiyou": …, "wuxing": …} of an order's category ("" when it has none)."""
    if category is None:
        return {key: "" for key in FIELDS}
    return {key: getattr(category, key) or "" for key in FIELDS}


def categories_by_dimension(field: str) -> dict[str, list[int]]:
    """{dimension value: [category ids]} for one field (qiyou or wuxing)."""
    out: dict[str, list[int]] = {}
    for category in Category.objects.only("id", *FIELDS):
        value = dimension_of(category)[field]
        if value:
            out.setdefault(value, []).append(category.pk)
    return out


_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("dimension_memo", default=None)


@contextlib.contextmanager
def memo():
    """Within the block a month's counts are taken once (streets and departments share them)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def dimension_counts(
    *, month: dt.date, field: str, rule_version: str | None = None
) -> dict[str, dict[int, engine.Counts]]:
    """{dimension value: {unit id: counts}} for the month's cycle under the rule in force: the
    assessment's own aggregation, run over the orders whose category has that dimension."""
    cache = _MEMO.get()
    key = (month, field, rule_version)
    if cache is not None and key in cache:
        return cache[key]
    rule = assessment.resolve_rule(month=month, rule_version=rule_version)
    rules = rule.parsed()
    start, end = rules.cycle.window(month)
    dialect = engine.Dialect(vendor=_vendor())
    out = {}
    for value, ids in sorted(categories_by_dimension(field).items()):
        orders = (
            "(SELECT id, urgency, property_project_id, address, content FROM workorders_workorder"
            f" WHERE category_id IN ({', '.join(str(int(i)) for i in ids)}))"
        )
        statements = engine.build(
            dialect=dialect, rules=rules, start=start, end=end, tables=engine.Tables(orders=orders), source="facts"
        )
        out[value] = engine.run(statements[:1], execute=engine.django_execute)  # returns are not per order
    if cache is not None:
        cache[key] = out
    return out


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def _weights(params: dict, month: dt.date):
    """The rules the score is taken with: the assessment rule in force, its weights replaced by the
    catalogue's own when given."""
    rules = assessment.resolve_rule(month=month).parsed()
    weights = params.get("weights", "assessment")
    if weights != "assessment":
        from dataclasses import replace

        rules = replace(rules, weights={k: float(v) for k, v in weights.items()})
    return rules


def dimension_scores(*, month: dt.date, kind: str, spec: IndicatorSpec) -> dict[int, Provided]:
    """The provider behind the 七有 / 五性 indicators (`params.compute: dimension_score`)."""
    field = spec.params.get("field", "qiyou")
    least = int(spec.params.get("min_callbacks", 5))
    pooling = spec.params.get("pooling", "pooled")
    rules = _weights(spec.params, month)
    per_value = dimension_counts(month=month, field=field)
    units = Unit.objects.filter(kind__in=assessment.UNIT_KINDS[kind], is_active=True).values_list("pk", flat=True)
    out = {}
    for unit_id in units:
        pooled = engine.Counts()
        parts = {}
        for value, counts in per_value.items():
            c = counts.get(unit_id)
            if c is None or c.callbacks == 0:
                continue
            pooled.callbacks += c.callbacks
            pooled.responded += c.responded
            pooled.solved += c.solved
            pooled.satisfaction_points += c.satisfaction_points
            parts[value] = {"callbacks": c.callbacks, "score": rates(c, rules).composite}
        if not parts:
            continue
        detail = {"callbacks": pooled.callbacks, "dimensions": parts, "pooling": pooling}
        if pooled.callbacks < least:
            detail["reason"] = f"{FIELDS[field]}类诉求有效回访{pooled.callbacks}件，少于{least}件，样本不足"
            detail["small_sample"] = bool(pooled.callbacks)
            out[unit_id] = Provided(None, detail)
            continue
        if pooling == "mean":
            scores = [p["score"] for p in parts.values() if p["callbacks"] >= int(spec.params.get("min_dimension", 1))]
            value = round(sum(scores) / len(scores), 2) if scores else None
        else:
            value = rates(pooled, rules).composite
        out[unit_id] = Provided(value, detail)
    return out
