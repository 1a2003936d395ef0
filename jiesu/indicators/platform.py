"""Built-in providers over the platform's own figures: the assessment's 三率 and composite score,
and the progress on the 每月一题 (see providers.py for how they are chosen)."""

import datetime as dt

from django.db.models import Count

from jiesu.assessment import selectors as assessment
from jiesu.common.months import previous_month
from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.providers import Provided


def assessment_figure(*, month: dt.date, kind: str, spec: IndicatorSpec) -> dict[int, Provided]:
    """One field of the month's assessment ranking (published snapshot, else computed under the
    rule version in force): `params: {field: composite | response_rate | …, min_callbacks: N}`.
    Units with fewer valid callbacks than `min_callbacks`, or than the assessment rule's minimum
    sample (the assessment leaves them unranked: 样本不足), get no value — too few to rank; the
    detail keeps n and the rate for the pages."""
    field = spec.params.get("field", "composite")
    least = int(spec.params.get("min_callbacks", 1))
    rule_least = assessment.resolve_rule(month=month).parsed().min_callbacks
    out = {}
    for row in assessment.month_ranking(month=month, kind=kind):
        value = getattr(row, field)
        detail = {"callbacks": row.callbacks, "rule_version": row.rule_version, "source": row.source}
        if value is not None and row.callbacks and (row.callbacks < least or row.rank is None):
            minimum = max(least, rule_least) if row.rank is None else least
            detail["reason"] = f"有效回访{row.callbacks}件，少于{minimum}件，样本不足，不参与排名"
            detail["small_sample"] = True
            detail["unranked_value"] = value
            value = None
        elif value is None:
            detail["reason"] = f"有效回访{row.callbacks}件，不计分"
        out[row.unit_id] = Provided(value, detail)
    return out


def topic_progress(*, month: dt.date, kind: str, spec: IndicatorSpec) -> dict[int, Provided]:
    """每月一题进展: the topic named for the previous month is what the streets worked on this month;
    progress = the fall of the street's requests in that category, (last month − this month) ÷ last
    month × 100. Streets with fewer than `min_previous` requests in the topic month get no value."""
    from jiesu.insights.selectors import monthly_topic
    from jiesu.insights.volumes import orders_in
    from jiesu.org.models import Unit

    topic = monthly_topic(month=previous_month(month))
    if topic is None or kind != "street":
        return {}
    least = int(spec.params.get("min_previous", 3))
    level = int(topic.params.get("level", 2))
    now = dict(
        orders_in(month, level=level)
        .filter(category__code__startswith=topic.category.code, street__isnull=False)
        .values_list("street")
        .annotate(n=Count("id"))
    )
    by_code = {u.code: u.pk for u in Unit.objects.filter(code__in=[s["code"] for s in topic.streets if s["code"]])}
    out = {}
    for street in topic.streets:
        unit_id = by_code.get(street["code"])
        if unit_id is None:
            continue
        before, after = street["volume"], now.get(unit_id, 0)
        detail = {"topic": topic.category.path, "topic_month": f"{topic.month:%Y-%m}", "before": before, "after": after}
        if before < least:
            detail["reason"] = f"上月该类诉求{before}件，少于{least}件，不计算降幅"
            out[unit_id] = Provided(None, detail)
        else:
            out[unit_id] = Provided(round(100 * (before - after) / before, 2), detail)
    return out
