"""Reads of the assessment: monthly results (published snapshot or computed live), the watch list,
the red/black list of property companies. Used by the API, the reports and the dashboard.

Stable entry points (the reports app builds on them):
    monthly_results(month=, kind=, rule_version=None) -> list[UnitResult]
    watch_list(month=, kind=None) -> list[WatchRow]
    red_black_list(month=, rule_version=None) -> RedBlackList
    resolve_rule(month=, rule_version=None) -> RuleVersion
"""

import datetime as dt
from dataclasses import asdict, dataclass, field

from jiesu.assessment import engine
from jiesu.assessment.aggregates import aggregate
from jiesu.assessment.models import AssessmentSnapshot, KindGroup, RuleVersion, WatchListEntry
from jiesu.assessment.rules import Rules, parse_month, previous_month
from jiesu.assessment.scoring import UnitResult, competition_ranks, property_score, rates
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.org.models import PropertyCompany, PropertyProject, Unit, UnitKind

UNIT_KINDS = {
    KindGroup.STREET: (UnitKind.STREET, UnitKind.TOWN),
    KindGroup.DEPARTMENT: (UnitKind.DEPARTMENT,),
}


def parse_kind(kind: str | None) -> str:
    value = (kind or KindGroup.STREET).strip()
    if value not in KindGroup.values:
        raise InvalidInput(f"单位类型“{kind}”无效，只能是 street（街镇）或 department（区直部门）", code="bad_kind")
    return value


def resolve_rule(*, month: dt.date | str, rule_version: str | None = None) -> RuleVersion:
    """The named version, or the active version in force for `month` (latest effective_from ≤ month;
    the earliest version for months before all of them)."""
    month = parse_month(month)
    if rule_version:
        rule = RuleVersion.objects.filter(version=rule_version).first()
        if rule is None:
            raise NotFound(f"考评规则版本“{rule_version}”不存在", code="rule_not_found")
        return rule
    active = RuleVersion.objects.filter(is_active=True)
    rule = active.filter(effective_from__lte=month).order_by("-effective_from").first()
    if rule is None:
        # Months older than every version (history imported from before the regulation) are
        # replayed under the earliest version, not refused.
        rule = active.order_by("effective_from").first()
    if rule is None:
        raise NotFound(f"{month:%Y-%m} 没有生效的考评规则，请先加载规则", code="rule_not_found")
    return rule


def _units(kind: str) -> list[Unit]:
    return list(Unit.objects.filter(kind__in=UNIT_KINDS[kind], is_active=True).order_by("sort_order", "code"))


def _ranked_rows(*, month: dt.date, kind: str, rule: RuleVersion, rules: Rules) -> list[UnitResult]:
    """One cycle's figures and ranks for every unit of the group (one SQL aggregation)."""
    start, end = rules.cycle.window(month)
    return _rank(month=month, kind=kind, rule=rule, rules=rules, counts=engine.count(rules=rules, start=start, end=end))


def _rank(
    *, month: dt.date, kind: str, rule: RuleVersion, rules: Rules, counts: dict[int, engine.Counts]
) -> list[UnitResult]:
    rows = []
    for unit in _units(kind):
        c = counts.get(unit.pk, engine.Counts())
        r = rates(c, rules)
        rows.append(
            UnitResult(
                month=f"{month:%Y-%m}",
                rule_version=rule.version,
                kind=kind,
                unit_id=unit.pk,
                unit_code=unit.code,
                unit_name=unit.name,
                unit_kind=unit.kind,
                received=c.received,
                callbacks=c.callbacks,
                responded=c.responded,
                solved=c.solved,
                satisfaction_points=round(c.satisfaction_points, 4),
                overdue=c.overdue,
                supervised=c.supervised,
                returns=c.returns,
                reopens=c.reopens,
                **asdict(r),
            )
        )
    # A unit under the rule's minimum sample is not ranked at all (a 100% on two callbacks is not
    # "first"): its figures are shown with n, after the ranked units, as 样本不足，不参与排名.
    ranks = competition_ranks([row.composite if row.callbacks >= rules.min_callbacks else None for row in rows])
    ranked = sum(1 for rank in ranks if rank is not None)
    for row, rank in zip(rows, ranks, strict=True):
        row.rank, row.ranked_count = rank, ranked
    return _ordered(rows)


def _ordered(rows: list[UnitResult]) -> list[UnitResult]:
    """Ranked units by rank, then the unranked: those with some callbacks (样本不足) before those
    with none, each by their place in the unit list."""
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.callbacks == 0))


def _from_snapshots(snapshots) -> list[UnitResult]:
    rows = []
    for s in snapshots:
        rows.append(
            UnitResult(
                month=f"{s.month:%Y-%m}",
                rule_version=s.rule_version.version,
                kind=s.kind,
                unit_id=s.unit_id,
                unit_code=s.unit.code,
                unit_name=s.unit.name,
                unit_kind=s.unit.kind,
                received=s.received,
                callbacks=s.callbacks,
                responded=s.responded,
                solved=s.solved,
                satisfaction_points=s.satisfaction_points,
                response_rate=s.response_rate,
                resolution_rate=s.resolution_rate,
                satisfaction_rate=s.satisfaction_rate,
                composite=s.composite,
                overdue=s.overdue,
                supervised=s.supervised,
                returns=s.returns,
                reopens=s.reopens,
                rank=s.rank,
                ranked_count=s.ranked_count,
                previous_composite=None if s.composite_change is None else round(s.composite - s.composite_change, 2),
                previous_rank=None if s.rank_change is None else s.rank + s.rank_change,
                composite_change=s.composite_change,
                rank_change=s.rank_change,
                ytd_callbacks=s.ytd_callbacks,
                ytd_response_rate=s.ytd_response_rate,
                ytd_resolution_rate=s.ytd_resolution_rate,
                ytd_satisfaction_rate=s.ytd_satisfaction_rate,
                ytd_composite=s.ytd_composite,
                source="snapshot",
            )
        )
    return _ordered(rows)


def _snapshots(*, month: dt.date, kind: str, rule: RuleVersion):
    return AssessmentSnapshot.objects.filter(month=month, kind=kind, rule_version=rule).select_related(
        "unit", "rule_version"
    )


def month_ranking(*, month: dt.date | str, kind: str, rule_version: str | None = None) -> list[UnitResult]:
    """Only the cycle's own figures and ranks (no month-on-month, no year to date): published
    snapshot when there is one, else computed. Cheap enough to call for a run of months."""
    month, kind = parse_month(month), parse_kind(kind)
    rule = resolve_rule(month=month, rule_version=rule_version)
    return _stored_ranking(month=f"{month:%Y-%m}", kind=kind, rule_version=rule.version)


def _cycle_end(*, month: str, rule_version: str, **_) -> tuple[dt.datetime, None]:
    """A month's figures change only with events before its cycle's end (any action)."""
    rule = RuleVersion.objects.get(version=rule_version)
    return rule.parsed().cycle.window(parse_month(month))[1], None


def _dump_rows(rows: list[UnitResult]) -> list[dict]:
    return [asdict(r) for r in rows]


def _load_rows(rows: list[dict]) -> list[UnitResult]:
    return [UnitResult(**r) for r in rows]


@aggregate("month_ranking", depends=_cycle_end, dump=_dump_rows, load=_load_rows)
def _stored_ranking(*, month: str, kind: str, rule_version: str) -> list[UnitResult]:
    month_date = parse_month(month)
    rule = RuleVersion.objects.get(version=rule_version)
    snapshots = _snapshots(month=month_date, kind=kind, rule=rule)
    if snapshots.exists():
        return _from_snapshots(snapshots)
    return _ranked_rows(month=month_date, kind=kind, rule=rule, rules=rule.parsed())


def _earlier_rankings(*, months: list[dt.date], kind: str, rule: RuleVersion, rules: Rules) -> dict:
    """month → {unit id: row} for the months before the one being computed, with only what
    compute_month reads of them: rank, composite and the four sums behind the rates. A month
    published under the same rule version comes from its snapshot (the year to date then adds up
    to what was published), or from its ranking stored for the leader pages when no event since
    could change it (jiesu.assessment.aggregates); the others are counted together in one pass
    over the event log (engine.count_callback_months) instead of one aggregation per month."""
    found: dict[dt.date, list[UnitResult]] = {}
    missing = []
    for month in months:
        snapshots = _snapshots(month=month, kind=kind, rule=rule)
        if snapshots.exists():
            found[month] = _from_snapshots(snapshots)
            continue
        # A closed month's ranking stored by an earlier page or refresh, still current.
        stored = _stored_ranking.peek(month=f"{month:%Y-%m}", kind=kind, rule_version=rule.version)
        if stored is not None:
            found[month] = stored
        else:
            missing.append(month)
    if missing:
        # One run of consecutive cycles from the first to the last missing month; the published
        # months in between are counted too but not used.
        span = [missing[0]]
        while span[-1] < missing[-1]:
            span.append(_next_month(span[-1]))
        counted = engine.count_callback_months(rules=rules, windows=[rules.cycle.window(m) for m in span])
        for month, counts in zip(span, counted, strict=True):
            if month in missing:
                found[month] = _rank(month=month, kind=kind, rule=rule, rules=rules, counts=counts)
    return {month: {r.unit_id: r for r in found[month]} for month in months}


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def compute_month(*, month: dt.date, kind: str, rule: RuleVersion) -> list[UnitResult]:
    """Compute (never read snapshots for the month itself) all indicators, ranks, month-on-month
    change against the previous month and the year to date = the sum of the monthly counts of
    every cycle of the year up to `month`, rates taken on those sums. Earlier months come from
    their published snapshots when there are some (so the year to date adds up to what was
    published), else are computed — all of them in one pass (see _earlier_rankings)."""
    rules = rule.parsed()
    rows = _ranked_rows(month=month, kind=kind, rule=rule, rules=rules)
    year_months = []
    cursor = month
    while cursor.month != 1:
        cursor = previous_month(cursor)
        year_months.insert(0, cursor)
    # January's previous month belongs to last year: month-on-month only.
    mom_month = previous_month(month)
    needed = year_months if month.month != 1 else [mom_month]
    by_month = _earlier_rankings(months=needed, kind=kind, rule=rule, rules=rules)
    earlier = [by_month[m] for m in year_months]
    earlier_for_mom = by_month[mom_month]
    for row in rows:
        before = earlier_for_mom.get(row.unit_id)
        if before is not None:
            row.previous_composite, row.previous_rank = before.composite, before.rank
            if row.composite is not None and before.composite is not None:
                row.composite_change = round(row.composite - before.composite, 2)
            if row.rank is not None and before.rank is not None:
                row.rank_change = before.rank - row.rank
        total = engine.Counts(
            callbacks=row.callbacks,
            responded=row.responded,
            solved=row.solved,
            satisfaction_points=row.satisfaction_points,
        )
        for months in earlier:
            past = months.get(row.unit_id)
            if past is not None:
                total.callbacks += past.callbacks
                total.responded += past.responded
                total.solved += past.solved
                total.satisfaction_points += past.satisfaction_points
        year = rates(total, rules)
        row.ytd_callbacks = total.callbacks
        row.ytd_response_rate = year.response_rate
        row.ytd_resolution_rate = year.resolution_rate
        row.ytd_satisfaction_rate = year.satisfaction_rate
        row.ytd_composite = year.composite
    return rows


def monthly_results(*, month: dt.date | str, kind: str = "street", rule_version: str | None = None) -> list[UnitResult]:
    """The ranking of one unit group for one month: the published snapshot if the month was
    published under that rule version (figures never drift), else computed from the event log.
    Rows are ordered by rank; unranked units (no callback in the cycle) come last."""
    month, kind = parse_month(month), parse_kind(kind)
    rule = resolve_rule(month=month, rule_version=rule_version)
    return _stored_results(month=f"{month:%Y-%m}", kind=kind, rule_version=rule.version)


@aggregate("monthly_results", depends=_cycle_end, dump=_dump_rows, load=_load_rows)
def _stored_results(*, month: str, kind: str, rule_version: str) -> list[UnitResult]:
    month_date = parse_month(month)
    rule = RuleVersion.objects.get(version=rule_version)
    snapshots = _snapshots(month=month_date, kind=kind, rule=rule)
    if snapshots.exists():
        return _from_snapshots(snapshots)
    return compute_month(month=month_date, kind=kind, rule=rule)


def is_published(*, month: dt.date | str, rule_version: str | None = None) -> bool:
    month = parse_month(month)
    rule = resolve_rule(month=month, rule_version=rule_version)
    return AssessmentSnapshot.objects.filter(month=month, rule_version=rule).exists()


# ---------------------------------------------------------------- watch list


@dataclass
class WatchRow:
    unit_id: int
    unit_code: str
    unit_name: str
    entered_month: str
    exited_month: str | None
    reason: str
    exit_reason: str
    status: str  # new (entered this month) | continuing | exited (left this month)
    rule_version: str

    @property
    def status_label(self) -> str:
        return {"new": "本月列入", "continuing": "持续治理", "exited": "本月退出"}[self.status]


def watch_list(*, month: dt.date | str, kind: str | None = None) -> list[WatchRow]:
    """Units on the watch list (治理类) in `month`, plus those that left it that month. The history
    is written by assessment.services.update_watch_list (run by publish_month)."""
    month = parse_month(month)
    entries = WatchListEntry.objects.filter(entered_month__lte=month).exclude(exited_month__lt=month)
    if kind:
        entries = entries.filter(unit__kind__in=UNIT_KINDS[parse_kind(kind)])
    rows = []
    for e in entries.select_related("unit", "rule_version").order_by("entered_month", "unit__sort_order"):
        if e.exited_month == month:
            status = "exited"
        elif e.entered_month == month:
            status = "new"
        else:
            status = "continuing"
        rows.append(
            WatchRow(
                unit_id=e.unit_id,
                unit_code=e.unit.code,
                unit_name=e.unit.name,
                entered_month=f"{e.entered_month:%Y-%m}",
                exited_month=f"{e.exited_month:%Y-%m}" if e.exited_month else None,
                reason=e.reason,
                exit_reason=e.exit_reason,
                status=status,
                rule_version=e.rule_version.version,
            )
        )
    return rows


def watch_history(*, unit_id: int) -> list[WatchListEntry]:
    return list(WatchListEntry.objects.filter(unit_id=unit_id).order_by("entered_month"))


# ---------------------------------------------------------------- red/black list


@dataclass
class PropertyRow:
    id: int
    name: str
    company_name: str
    received: int
    callbacks: int
    resolution_rate: float | None
    satisfaction_rate: float | None
    score: float | None


@dataclass
class RedBlackBoard:
    red: list[PropertyRow] = field(default_factory=list)
    black: list[PropertyRow] = field(default_factory=list)
    all: list[PropertyRow] = field(default_factory=list)  # eligible (≥ min volume), best first


@dataclass
class RedBlackList:
    month: str
    rule_version: str
    min_orders: int
    companies: RedBlackBoard
    projects: RedBlackBoard


def _board(rows: list[PropertyRow], *, rules: Rules) -> RedBlackBoard:
    rb = rules.red_black
    eligible = [r for r in rows if r.received >= rb.min_orders and r.score is not None]
    best_first = sorted(eligible, key=lambda r: (-r.score, -r.received, r.name))
    red = [r for r in best_first if r.score >= rb.red_min_score][: rb.top_n]
    worst_first = sorted(eligible, key=lambda r: (r.score, -r.received, r.name))
    black = [r for r in worst_first if r.score <= rb.black_max_score and r not in red][: rb.top_n]
    return RedBlackBoard(red=red, black=black, all=best_first)


def red_black_list(*, month: dt.date | str, rule_version: str | None = None) -> RedBlackList:
    """红黑榜 of property companies and of their projects, from the orders linked to a property
    project (WorkOrder.property_project) in the cycle: volume, resolution and satisfaction rates,
    a score; red = the best (score ≥ red line), black = the worst (score ≤ black line), both
    only among those with at least `min_orders` orders."""
    month = parse_month(month)
    rule = resolve_rule(month=month, rule_version=rule_version)
    return _stored_red_black(month=f"{month:%Y-%m}", rule_version=rule.version)


def _load_red_black(doc: dict) -> RedBlackList:
    def board(b: dict) -> RedBlackBoard:
        return RedBlackBoard(**{k: [PropertyRow(**r) for r in b[k]] for k in ("red", "black", "all")})

    return RedBlackList(
        month=doc["month"],
        rule_version=doc["rule_version"],
        min_orders=doc["min_orders"],
        companies=board(doc["companies"]),
        projects=board(doc["projects"]),
    )


@aggregate("red_black_list", depends=_cycle_end, dump=asdict, load=_load_red_black)
def _stored_red_black(*, month: str, rule_version: str) -> RedBlackList:
    month = parse_month(month)
    rule = RuleVersion.objects.get(version=rule_version)
    rules = rule.parsed()
    start, end = rules.cycle.window(month)

    def rows_for(group: str, objects: dict) -> list[PropertyRow]:
        rows = []
        for pk, c in engine.count(rules=rules, start=start, end=end, group=group).items():
            obj = objects.get(pk)
            if obj is None:
                continue
            r = rates(c, rules)
            company = obj.name if group == "company" else obj.company.name
            rows.append(
                PropertyRow(
                    id=pk,
                    name=obj.name,
                    company_name=company,
                    received=c.received,
                    callbacks=c.callbacks,
                    resolution_rate=r.resolution_rate,
                    satisfaction_rate=r.satisfaction_rate,
                    score=property_score(c, rules),
                )
            )
        return rows

    companies = {c.pk: c for c in PropertyCompany.objects.all()}
    projects = {p.pk: p for p in PropertyProject.objects.select_related("company")}
    return RedBlackList(
        month=f"{month:%Y-%m}",
        rule_version=rule.version,
        min_orders=rules.red_black.min_orders,
        companies=_board(rows_for("company", companies), rules=rules),
        projects=_board(rows_for("project", projects), rules=rules),
    )
