"""The leader dashboard's figures (live): the same assessment as the pack, shaped for ECharts."""

import datetime as dt

from jiesu.assessment import aggregates
from jiesu.insights import selectors as insights
from jiesu.insights.topic import previous_month
from jiesu.org.models import LOCAL_KINDS, Unit
from jiesu.reports import scorecard, sources
from jiesu.reports.review import trend_months
from jiesu.reports.streetmap import CAPTIONS, MapStreet, district_outline, map_mode, positions

KIND_LABELS = {"street": "街镇", "department": "区直部门"}


def dashboard_data(*, month: dt.date, kind: str, rule_version: str | None = None) -> dict:
    """The figures, from stored aggregates (jiesu.assessment.aggregates); `as_of` is the oldest
    moment they are as of (None when every figure is a published snapshot read just now)."""
    with aggregates.tracking() as seen:
        out = _dashboard_data(month=month, kind=kind, rule_version=rule_version)
    out["as_of"] = aggregates.as_of(seen)
    return out


def _dashboard_data(*, month: dt.date, kind: str, rule_version: str | None = None) -> dict:
    data = sources.assessment(month=month, rule_version=rule_version)
    months = trend_months(month)
    trend = sources.district_trend(months=months[:-1], rule_version=rule_version) + [data.district]
    rows = data.streets if kind == "street" else data.departments
    cards = {c.row.code: c for c in scorecard.draft(rows, group_label="各街镇" if kind == "street" else "各部门")}
    top_units = [r.code for r in rows if r.rank is not None][:5]
    unit_trend = sources.street_trend(months=months, rule_version=rule_version) if kind == "street" else {}
    boundaries = dict(Unit.objects.filter(kind__in=LOCAL_KINDS).values_list("code", "boundary"))
    map_streets = [MapStreet(r.code, r.name, r.composite, r.rank, boundaries.get(r.code)) for r in data.streets]
    points = positions(map_streets)
    topic = insights.monthly_topic(month=month)
    return {
        "month": f"{month:%Y-%m}",
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "rule_version": data.rule_version,
        "rule_name": data.rule_name,
        "min_callbacks": data.min_callbacks,
        "published": data.published,
        "district": {
            k: getattr(data.district, k)
            for k in (
                "received",
                "callbacks",
                "response_rate",
                "resolution_rate",
                "satisfaction_rate",
                "composite",
                "overdue",
                "supervised",
                "reopens",
            )
        },  # fmt: skip
        "trend": {
            "months": [f"{m.month.year}-{m.month.month:02d}" for m in trend],
            "received": [m.received for m in trend],
            "response_rate": [m.response_rate for m in trend],
            "resolution_rate": [m.resolution_rate for m in trend],
            "satisfaction_rate": [m.satisfaction_rate for m in trend],
            "composite": [m.composite for m in trend],
        },
        "units": [
            {
                "code": r.code,
                "name": r.name,
                "rank": r.rank,
                "received": r.received,
                "callbacks": r.callbacks,
                "response_rate": r.response_rate,
                "resolution_rate": r.resolution_rate,
                "satisfaction_rate": r.satisfaction_rate,
                "composite": r.composite,
                "composite_change": r.composite_change,
                "rank_change": r.rank_change,
                "overdue": r.overdue,
                "small_sample": r.small_sample,
                "unranked_note": r.unranked_note,
                "sample_note": cards[r.code].sample_note,
                "strengths": cards[r.code].strengths,
                "weaknesses": cards[r.code].weaknesses,
            }
            for r in rows
        ],  # fmt: skip
        "unit_trend": [
            {"name": next(r.name for r in rows if r.code == code), "values": unit_trend.get(code, [])}
            for code in top_units
            if code in unit_trend
        ],
        "categories": [
            {"name": name, "volume": now, "previous": before}
            for name, now, before in sources.category_volumes(month=month, previous=previous_month(month), level=1)[:10]
        ],
        "map": {
            "mode": map_mode(map_streets),
            "caption": CAPTIONS[map_mode(map_streets)].replace("圆内数字为综合得分排名", "鼠标悬停查看得分与排名"),
            "outline": district_outline(),
            "streets": [
                {"name": s.name, "value": [*points[s.code], s.score], "rank": s.rank}
                for s in map_streets
                if s.code in points
            ],
            "polygons": [
                {"name": s.name, "boundary": s.boundary, "score": s.score}
                for s in map_streets
                if s.boundary and map_mode(map_streets) == "polygons"
            ],
        },
        "topic": None
        if topic is None
        else {
            "category": topic.category.path,
            "volume": topic.volume,
            "previous": topic.previous_volume,
            "growth": topic.growth,
            "growth_rate": topic.growth_rate,
            "lead": topic.lead_label,
        },  # fmt: skip
        "watch": [{"name": w.name, "status": w.status, "entered": w.entered, "reason": w.reason} for w in data.watch],
        "red_black": [
            {
                "colour": p.colour,
                "level": p.level,
                "name": p.name,
                "company": p.company,
                "orders": p.orders,
                "score": p.score,
            }
            for p in data.red_black
        ],  # fmt: skip
    }
