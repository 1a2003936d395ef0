"""Reads of the indicators app: the catalogue in force, the values, the whole scorecard of a month
(every unit's card with its 点评 paragraph), one unit's card with the leader's comments and their
follow-up, the city's ranking of the district.

Stable entry points (the reports app and the pages build on them):
    resolve_catalogue(month=, version=None) -> CatalogueVersion
    board(month=, kind="street", version=None) -> Board
    city_rankings(month=, version=None) -> list[CityRanking]
    comments(month=, unit_ids=None) / open_follow_ups(before=, unit_ids=None) -> list[CommentView]
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max, Q

from jiesu.common.errors import InvalidInput, NotFound
from jiesu.common.months import parse_month
from jiesu.indicators import drafting, followup, providers
from jiesu.indicators.catalogue import Catalogue, IndicatorSpec
from jiesu.indicators.models import CatalogueVersion, IndicatorValue, Origin, ReviewComment
from jiesu.indicators.standings import Board, UnitRef, build_board, month_add
from jiesu.indicators.validation import KIND_UNITS
from jiesu.org.models import Unit

GROUP_LABELS = {"street": "各街镇", "department": "各部门"}
KIND_LABELS = {"street": "街镇", "department": "区直部门"}


def parse_kind(kind: str | None) -> str:
    value = (kind or "street").strip()
    if value not in GROUP_LABELS:
        raise InvalidInput(f"单位类型“{kind}”无效，只能是 street（街镇）或 department（区直部门）", code="bad_kind")
    return value


def resolve_catalogue(*, month: dt.date | str, version: str | None = None) -> CatalogueVersion:
    """The named version, or the active one in force for `month` (the earliest for older months)."""
    month = parse_month(month)
    if version:
        found = CatalogueVersion.objects.filter(version=version).first()
        if found is None:
            raise NotFound(f"点评指标体系版本“{version}”不存在", code="catalogue_not_found")
        return found
    active = CatalogueVersion.objects.filter(is_active=True)
    found = active.filter(effective_from__lte=month).order_by("-effective_from").first()
    found = found or active.order_by("effective_from").first()
    if found is None:
        raise NotFound("尚未加载点评指标体系，请运行 manage.py load_indicator_catalogue", code="catalogue_not_found")
    return found


_PARSED: dict[tuple[int, str], Catalogue] = {}


def catalogue_for(month: dt.date, version: str | None = None) -> Catalogue:
    row = resolve_catalogue(month=month, version=version)
    key = (row.pk, repr(row.document) + str(row.effective_from) + row.name)
    if key not in _PARSED:
        if len(_PARSED) > 32:
            _PARSED.clear()
        _PARSED[key] = row.parsed()
    return _PARSED[key]


def has_provider(spec: IndicatorSpec) -> bool:
    return providers.provider_for(spec) is not None


def units_of(kind: str) -> list[Unit]:
    return list(Unit.objects.filter(kind__in=KIND_UNITS[kind], is_active=True).order_by("sort_order", "code"))


def load_values(*, codes: list[str], start: dt.date, end: dt.date, unit_ids: list[int]):
    """(values[code][month][unit] = value, demo keys) for the months [start, end] in one query.
    Read with a plain cursor: at 26 units × 20 indicators × 36 months the ORM's per-row date
    conversion was a third of the scorecard's time."""
    values: dict[str, dict[dt.date, dict[int, float]]] = {}
    demo = set()
    if not codes or not unit_ids:
        return values, demo
    table = IndicatorValue._meta.db_table
    # The month as text and the origin as a flag: no per-row date conversion by the driver.
    month_text = "to_char(month, 'YYYY-MM-DD')" if connection.vendor == "postgresql" else "CAST(month AS TEXT)"
    sql = (
        f"SELECT indicator, {month_text}, unit_id, value, CASE WHEN origin = 'demo' THEN 1 ELSE 0 END"
        f" FROM {table} WHERE value IS NOT NULL"
        f" AND month >= %s AND month <= %s AND indicator IN ({', '.join(['%s'] * len(codes))})"
    )
    ops = connection.ops
    params = [ops.adapt_datefield_value(start), ops.adapt_datefield_value(end), *codes]
    wanted = set(unit_ids)
    months: dict[object, dt.date] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for code, month, unit_id, value, is_demo in cursor:  # row by row: no list of 18,000 tuples
            if unit_id not in wanted:
                continue
            when = months.get(month)
            if when is None:
                when = months[month] = dt.date.fromisoformat(month)
            values.setdefault(code, {}).setdefault(when, {})[unit_id] = value
            if is_demo:
                demo.add((code, when, unit_id))
    return values, demo


@dataclass
class CommentView:
    id: int
    month: dt.date
    unit_id: int
    unit_name: str
    text: str
    requirement: str
    speaker: str
    due: dt.date
    status: str  # open | done | overdue | done_late
    status_label: str
    last_note: str
    done_at: dt.datetime | None
    is_demo: bool
    backend: str
    ref: str
    can_report: bool = False  # set by the page for the viewer


def _views(comments) -> list[CommentView]:
    comments = list(comments)
    by_backend: dict[str, list[str]] = {}
    for c in comments:
        by_backend.setdefault(c.follow_up_backend, []).append(c.follow_up_ref)
    refs = {}
    for name, ids in by_backend.items():
        try:
            found = followup.backend_named(name).statuses(refs=ids)
        except NotFound:
            found = {}
        refs.update({(name, k): v for k, v in found.items()})
    out = []
    for c in comments:
        ref = refs.get((c.follow_up_backend, c.follow_up_ref))
        state = ref.state() if ref else "open"
        out.append(
            CommentView(
                id=c.pk,
                month=c.month,
                unit_id=c.unit_id,
                unit_name=c.unit.name,
                text=c.text,
                requirement=c.requirement,
                speaker=c.speaker,
                due=ref.due if ref else c.due,
                status=state,
                status_label=followup.STATUS_LABELS[state] if ref else "跟进事项不可用",
                last_note=ref.last_note if ref else "",
                done_at=ref.done_at if ref else None,
                is_demo=c.is_demo,
                backend=c.follow_up_backend,
                ref=c.follow_up_ref,
            )
        )
    return out


def comments(*, month: dt.date, unit_ids: list[int] | None = None) -> list[CommentView]:
    """The comments recorded at the meeting on `month`."""
    rows = ReviewComment.objects.filter(month=month).select_related("unit")
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    return _views(rows.order_by("unit__sort_order", "id"))


def earlier_follow_ups(*, month: dt.date, unit_ids: list[int] | None = None) -> list[CommentView]:
    """What the meeting on `month` reports on: the comments of the previous meeting, and every
    older one (of the last twelve months) still open or done only since the previous meeting."""
    previous = month_add(month, -1)
    # A year back at most: the meeting reports on its recent comments, not the whole archive.
    rows = ReviewComment.objects.filter(month__lt=month, month__gte=month_add(month, -12)).select_related("unit")
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    views = _views(rows.order_by("-month", "unit__sort_order", "id"))
    return [
        v
        for v in views
        if v.month == previous
        or v.status in ("open", "overdue")
        or (v.done_at is not None and v.done_at.date() >= previous)
    ]


def board(
    *, month: dt.date | str, kind: str = "street", version: str | None = None, with_comments: bool = True
) -> Board:
    """Every unit's card of `kind` for `month`, drafted; best overall first."""
    month, kind = parse_month(month), parse_kind(kind)
    catalogue = catalogue_for(month, version)
    units = units_of(kind)
    refs = [UnitRef(u.pk, u.code, u.name) for u in units]
    specs = catalogue.for_kind(kind)
    first = min(month_add(month, -(catalogue.history_months - 1)), month_add(month, -1), dt.date(month.year, 1, 1))
    # Year-to-date figures need January of the trend's first year; monthly ones only the months shown.
    yearly = [s.code for s in specs if s.judge == "ytd" or s.period == "cumulative"]
    monthly = [s.code for s in specs if s.code not in yearly]
    ids = [u.pk for u in units]
    values, demo = load_values(codes=yearly, start=dt.date(first.year, 1, 1), end=month, unit_ids=ids)
    lag = max((s.max_lag_months for s in specs if s.code in monthly), default=0)
    more, more_demo = load_values(codes=monthly, start=month_add(first, -lag), end=month, unit_ids=ids)
    values.update(more)
    demo |= more_demo
    result = build_board(catalogue=catalogue, kind=kind, month=month, units=refs, values=values, demo=demo)
    for card in result.cards:
        drafting.draft(card, month=month, group=GROUP_LABELS[kind], top_months_min=catalogue.top_months_min)
    if with_comments:
        ids = [u.pk for u in units]
        now = comments(month=month, unit_ids=ids)
        before = earlier_follow_ups(month=month, unit_ids=ids)
        for card in result.cards:
            card.comments = [c for c in now if c.unit_id == card.unit.id]
            card.follow_ups = [c for c in before if c.unit_id == card.unit.id]
    return result


def unit_card(*, month: dt.date | str, unit: Unit, version: str | None = None):
    """(board, the unit's card) — the card is drafted against the whole group."""
    kind = next((k for k, kinds in KIND_UNITS.items() if unit.kind in kinds and k != "district"), None)
    if kind is None:
        raise InvalidInput(f"{unit.name}不参与点评排名", code="bad_kind")
    result = board(month=month, kind=kind, version=version)
    return result, next(c for c in result.cards if c.unit.id == unit.pk)


@dataclass(frozen=True)
class CityRanking:
    spec: IndicatorSpec
    rank: int | None
    participants: int | None
    month: dt.date | None
    source: str
    demo: bool
    previous_rank: int | None

    @property
    def sentence(self) -> str:
        if self.rank is None:
            return f"{self.spec.name}：暂无数据"
        place = "第一" if self.rank == 1 else f"第{self.rank}"
        return (
            f"{self.spec.name}：全市{self.participants}个参评区中排名{place}（{self.month.year}年{self.month.month}月）"
        )


def city_rankings(*, month: dt.date | str, version: str | None = None) -> list[CityRanking]:
    """The city's ranking of the district: the latest imported value of each rank indicator up to
    `month` (within the indicator's lag), with its source."""
    month = parse_month(month)
    catalogue = catalogue_for(month, version)
    out = []
    for spec in catalogue.for_kind("district"):
        earliest = month_add(month, -max(spec.max_lag_months, 2))
        rows = list(
            IndicatorValue.objects.filter(
                Q(indicator=spec.code), month__gte=earliest, month__lte=month, unit__kind__in=KIND_UNITS["district"]
            ).order_by("-month")[:2]
        )
        now = rows[0] if rows else None
        before = rows[1] if len(rows) > 1 else None
        out.append(
            CityRanking(
                spec=spec,
                rank=None if now is None or now.value is None else int(now.value),
                participants=(now.participants or spec.participants) if now else spec.participants,
                month=now.month if now else None,
                source=now.source if now else "",
                demo=bool(now and now.origin == Origin.DEMO),
                previous_rank=None if before is None or before.value is None else int(before.value),
            )
        )
    return out


def platform_status(*, month: dt.date, version: str | None = None) -> list[dict]:
    """Each platform indicator: computed here, plugged in by another app, or waiting for its
    provider (values imported meanwhile); and when its values for the month were last computed."""
    catalogue = catalogue_for(month, version)
    computed = dict(
        IndicatorValue.objects.filter(month=month, origin=Origin.PLATFORM)
        .values("indicator")
        .annotate(last=Max("updated_at"))
        .values_list("indicator", "last")
    )
    out = []
    for spec in catalogue.indicators:
        if spec.source != "platform":
            continue
        last = computed.get(spec.code)
        registered = spec.code in providers.registered()
        state = "registered" if registered else ("builtin" if has_provider(spec) else "waiting")
        out.append({"spec": spec, "state": state, "computed_at": last})
    return out


def value_rows(*, indicator: str | None = None, unit: str | None = None, month: dt.date | None = None,
               start: dt.date | None = None, end: dt.date | None = None):  # fmt: skip
    """Values for the API list, newest month first."""
    rows = IndicatorValue.objects.select_related("unit")
    if indicator:
        rows = rows.filter(indicator=indicator)
    if unit:
        rows = rows.filter(Q(unit__code=unit) | Q(unit__name=unit) | Q(unit__short_name=unit))
    if month:
        rows = rows.filter(month=month)
    if start:
        rows = rows.filter(month__gte=start)
    if end:
        rows = rows.filter(month__lte=end)
    return rows.order_by("-month", "indicator", "unit__sort_order", "id")


def speaker_basis(board: Board) -> str:
    """ "接诉即办综合成绩排名末4位" — why the board's speakers speak."""
    rule = board.catalogue.speakers
    if rule.basis == "overall":
        what = "综合排位"
    else:
        spec = board.catalogue.get(rule.basis)
        what = spec.name if spec else rule.basis
    return f"{what}排名末{rule.count}位"


def topic_lead(*, month: dt.date) -> str | None:
    """The lead department of the month's 每月一题 (it speaks too), or None."""
    from jiesu.insights.selectors import monthly_topic

    topic = monthly_topic(month=month)
    if topic is None:
        return None
    return f"{topic.lead_label}（每月一题“{topic.category.path}”牵头单位）"


@dataclass
class PackScorecard:
    """The scorecard section of the monthly review pack (HTML/PDF/Excel)."""

    board: Board
    views: list  # presenters.CardView, best overall first
    city: list[CityRanking]
    speaker_basis: str
    topic_lead: str | None
    has_demo: bool

    @property
    def speakers(self) -> list:
        return [v for v in self.views if v.card.speaker]

    @property
    def spec_names(self) -> list[str]:
        from jiesu.indicators.presenters import short_name

        return [short_name(s) for s in self.board.specs]


def pack_scorecard(*, month: dt.date) -> PackScorecard | None:
    """The street scorecard for the pack, or None when no catalogue is loaded (the pack then
    covers the hotline alone, as before)."""
    from jiesu.indicators import presenters

    try:
        result = board(month=month, kind="street")
    except NotFound:
        return None
    return PackScorecard(
        board=result,
        views=presenters.board_views(result),
        city=city_rankings(month=month),
        speaker_basis=speaker_basis(result),
        topic_lead=topic_lead(month=month) if result.catalogue.speakers.include_topic_lead else None,
        has_demo=presenters.has_demo(result),
    )


@dataclass(frozen=True)
class Sample:
    """The valid callbacks a platform rate rests on (its n) and whether they are too few to rank."""

    callbacks: int
    small: bool = False
    reason: str = ""
    value: float | None = None  # the rate itself, also when it is not ranked


def board_samples(*, month: dt.date, unit_ids: list[int]) -> dict[int, dict[str, Sample]]:
    """unit id → indicator code → Sample, for every value of the month whose detail carries its n:
    the valid callbacks (the assessment's rates, the 七有/五性 scores) or the calls (吹哨报到's
    报到率 / 到场率) — one query for the board."""
    rows = IndicatorValue.objects.filter(
        month=month, unit_id__in=unit_ids, detail__has_any_keys=["callbacks", "called"]
    ).values_list("unit_id", "indicator", "value", "detail")
    out: dict[int, dict[str, Sample]] = {}
    for unit_id, code, value, detail in rows:
        small = bool(detail.get("small_sample"))
        out.setdefault(unit_id, {})[code] = Sample(
            callbacks=int(detail.get("callbacks", detail.get("called", 0))),
            small=small,
            reason=str(detail.get("reason", "")) if small else "",
            value=value if value is not None else detail.get("unranked_value"),
        )
    return out
