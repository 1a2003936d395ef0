"""The one place the pack reads the assessment app: its selectors (monthly_results, month_ranking,
watch_list, red_black_list, resolve_rule), turned into the plain figures of figures.py."""

import datetime as dt

from jiesu.assessment import selectors
from jiesu.assessment.aggregates import aggregate
from jiesu.assessment.engine import Counts
from jiesu.assessment.scoring import UnitResult, rates
from jiesu.insights import volumes
from jiesu.insights.topic import parse_month
from jiesu.reports.figures import Assessment, DistrictMonth, ListedProperty, UnitRow, WatchRow

GROUPS = ("street", "department")


def _row(r: UnitResult, *, min_callbacks: int = 1) -> UnitRow:
    return UnitRow(
        code=r.unit_code,
        name=r.unit_name,
        kind=r.kind,
        received=r.received,
        response_rate=r.response_rate,
        resolution_rate=r.resolution_rate,
        satisfaction_rate=r.satisfaction_rate,
        composite=r.composite,
        rank=r.rank,
        ranked_count=r.ranked_count,
        callbacks=r.callbacks,
        overdue=r.overdue,
        supervised=r.supervised,
        returns=r.returns,
        reopens=r.reopens,
        composite_change=r.composite_change,
        rank_change=r.rank_change,
        ytd_composite=r.ytd_composite,
        min_callbacks=min_callbacks,
    )


def _district(month: dt.date, rows: list[UnitResult], rule) -> DistrictMonth:
    """Pool the counts of every unit and score the pool with the same rule (district-wide 三率)."""
    pooled = Counts(
        received=sum(r.received for r in rows),
        callbacks=sum(r.callbacks for r in rows),
        responded=sum(r.responded for r in rows),
        solved=sum(r.solved for r in rows),
        satisfaction_points=sum(r.satisfaction_points for r in rows),
    )
    score = rates(pooled, rule.parsed())
    return DistrictMonth(
        month=month,
        received=pooled.received,
        callbacks=pooled.callbacks,
        response_rate=score.response_rate,
        resolution_rate=score.resolution_rate,
        satisfaction_rate=score.satisfaction_rate,
        composite=score.composite,
        overdue=sum(r.overdue for r in rows),
        supervised=sum(r.supervised for r in rows),
        reopens=sum(r.reopens for r in rows),
    )


def assessment(*, month: dt.date, rule_version: str | None = None) -> Assessment:
    """The month's assessment (published snapshot if there is one, else computed live)."""
    rule = selectors.resolve_rule(month=month, rule_version=rule_version)
    minimum = rule.parsed().min_callbacks
    results = {k: selectors.monthly_results(month=month, kind=k, rule_version=rule.version) for k in GROUPS}
    board = selectors.red_black_list(month=month, rule_version=rule.version)
    listed = []
    for level, group in (("company", board.companies), ("project", board.projects)):
        for colour, rows in (("red", group.red), ("black", group.black)):
            listed += [
                ListedProperty(
                    colour=colour,
                    level=level,
                    rank=n,
                    name=p.name,
                    company=p.company_name,
                    orders=p.received,
                    resolution_rate=p.resolution_rate,
                    satisfaction_rate=p.satisfaction_rate,
                    score=p.score,
                )
                for n, p in enumerate(rows, start=1)
            ]
    return Assessment(
        month=month,
        rule_version=rule.version,
        rule_name=rule.name,
        published=selectors.is_published(month=month, rule_version=rule.version),
        streets=[_row(r, min_callbacks=minimum) for r in results["street"]],
        departments=[_row(r, min_callbacks=minimum) for r in results["department"]],
        district=_district(month, results["street"] + results["department"], rule),
        watch=[
            WatchRow(
                code=w.unit_code, name=w.unit_name, entered=w.entered_month, status=w.status_label, reason=w.reason
            )
            for w in selectors.watch_list(month=month)
        ],
        red_black=listed,
        red_black_min_orders=board.min_orders,
        weights=dict(rule.parsed().weights),
        min_callbacks=minimum,
    )


def district_trend(*, months: list[dt.date], rule_version: str | None = None) -> list[DistrictMonth]:
    """District-wide figures for a run of months (each under the rule in force then, unless one
    version is named), from the cheap per-cycle rankings."""
    out = []
    for month in months:
        rule = selectors.resolve_rule(month=month, rule_version=rule_version)
        rows = [r for k in GROUPS for r in selectors.month_ranking(month=month, kind=k, rule_version=rule.version)]
        out.append(_district(month, rows, rule))
    return out


def street_trend(*, months: list[dt.date], rule_version: str | None = None) -> dict[str, list[float | None]]:
    """Composite score per street over the months (for the dashboard's lines), keyed by unit code."""
    series: dict[str, list[float | None]] = {}
    for i, month in enumerate(months):
        for r in selectors.month_ranking(month=month, kind="street", rule_version=rule_version):
            series.setdefault(r.unit_code, [None] * len(months))[i] = r.composite
    return series


# Which actions change a month's volumes per category: new orders, a category set or changed, an
# order taken out as unreasonable (events of any date: a June order may be recategorised in July).
VOLUME_ACTIONS = ("create", "edit", "recategorize", "dispatch", "redispatch", "mark_unreasonable")


def _volume_events(**_) -> tuple[None, tuple[str, ...]]:
    return None, VOLUME_ACTIONS


@aggregate(
    "category_volumes",
    depends=_volume_events,
    dump=lambda rows: [list(r) for r in rows],
    load=lambda rows: [tuple(r) for r in rows],
)
def _stored_volumes(*, month: str, previous: str, level: int) -> list[tuple[str, int, int]]:
    return volumes.category_volumes(month=parse_month(month), previous=parse_month(previous), level=level)


def category_volumes(*, month: dt.date, previous: dt.date, level: int = 1) -> list[tuple[str, int, int]]:
    """insights.volumes.category_volumes, stored (jiesu.assessment.aggregates)."""
    return _stored_volumes(month=f"{month:%Y-%m}", previous=f"{previous:%Y-%m}", level=level)
