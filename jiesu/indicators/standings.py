"""Where each unit stands on each indicator: ranks, the top and bottom groups, targets, the year so
far, months in the top group, the overall standing across indicators and who must speak — pure
functions on plain values (no database), so the rules can be tested alone and the whole scorecard of
26 streets × 20 indicators × 24 months is computed in one pass over one query's rows.

Rules (all their numbers come from the catalogue):
- ranks: standard competition ranking ("1224") on the value rounded to the indicator's decimals,
  best first by its direction;
- top group (排名前列): rank ≤ top_n and in the upper half; bottom group (后列): among the last
  bottom_n from the other end and in the lower half, and not in the top group; a value shared by
  `max_tie_share` of the units or more is no distinction either way (26 streets with no fire are
  not all "first"); fewer than two values: no groups;
- strength = top group and not worse than the target; shortfall = worse than the target, or bottom
  group — so no indicator is ever both (the drafting relies on it);
- judged figure: the month's value (`judge: month`, the latest of `max_lag_months` earlier months
  when the month has none) or the year so far (`judge: ytd`): for monthly figures Σ / mean / last of
  January…month (`ytd`), for cumulative ones the latest reported value of the year;
- overall standing (综合排位): the weighted mean over indicators of the percentile of the unit's
  place, 100 × (of − rank) ÷ (of − 1), then competition-ranked;
- speakers: the `count` lowest on the speakers' basis (overall, or one indicator), ties at the
  line included."""

import datetime as dt
from dataclasses import dataclass, field

from jiesu.indicators.catalogue import Catalogue, IndicatorSpec

# values[code][month][unit id] = value
Values = dict[str, dict[dt.date, dict[int, float]]]


def month_add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(slots=True)
class Place:
    value: float | None
    rank: int | None = None
    of: int = 0
    tied: int = 0
    top: bool = False
    bottom: bool = False
    below_target: bool = False
    month: dt.date | None = None  # the month the value is from (an earlier one when lagged)

    @property
    def strength(self) -> bool:
        return self.top and not self.below_target

    @property
    def shortfall(self) -> bool:
        return self.value is not None and (self.below_target or self.bottom)

    @property
    def percentile(self) -> float | None:
        if self.rank is None or self.of < 2:
            return None
        return 100.0 * (self.of - self.rank) / (self.of - 1)


def rank_places(
    values: dict[int, float | None],
    *,
    spec: IndicatorSpec,
    max_tie_share: float,
    month: dt.date | None = None,
    months: dict[int, dt.date] | None = None,
) -> dict[int, Place]:
    """Places of every unit with a value (units without one are left out); the values are from
    `month`, except those `months` names an earlier month for."""
    rounded = {k: round(v, spec.decimals) for k, v in values.items() if v is not None}
    ordered = sorted(rounded.values(), reverse=spec.higher_is_better)
    ranked = len(ordered)
    first: dict[float, int] = {}
    counts: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
        counts[value] = counts.get(value, 0) + 1
    months = months or {}
    out = {}
    for key, value in rounded.items():
        rank, tied = first[value], counts[value]
        distinct = ranked >= 2 and tied / ranked < max_tie_share
        top = distinct and rank <= spec.top_n and rank <= ranked / 2
        worst = ranked - (rank + tied - 1) + 1
        bottom = distinct and not top and spec.bottom_n > 0 and worst <= spec.bottom_n and worst <= ranked / 2
        out[key] = Place(
            value=values[key],
            rank=rank,
            of=ranked,
            tied=tied,
            top=top,
            bottom=bottom,
            below_target=spec.worse_than_target(values[key]),
            month=months.get(key, month),
        )
    return out


@dataclass
class Series:
    """One indicator's figures per month and unit, as judged — `judged[m][unit]`, with
    `judged_from[m][unit]` for the few figures from an earlier month (lag, cumulative reports) —
    and the year so far `ytd[m][unit]`. Plain numbers in dicts: few objects for the collector."""

    judged: dict[dt.date, dict[int, float]] = field(default_factory=dict)
    judged_from: dict[dt.date, dict[int, dt.date]] = field(default_factory=dict)
    ytd: dict[dt.date, dict[int, float]] = field(default_factory=dict)


def series(spec: IndicatorSpec, monthly: dict[dt.date, dict[int, float]], months: list[dt.date]) -> Series:
    """Judged and year-to-date figures for consecutive `months` (values read from January of the
    first month's year on, which `monthly` must hold). One pass with running sums."""
    out = Series()
    if not months:
        return out
    cursor = dt.date(months[0].year, 1, 1)
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    lasts: dict[int, float] = {}
    latest: dict[int, float] = {}
    latest_when: dict[int, dt.date] = {}
    while cursor <= months[-1]:
        if cursor.month == 1:
            sums, counts, lasts = {}, {}, {}
        for unit, value in monthly.get(cursor, {}).items():
            if value is None:
                continue
            sums[unit] = sums.get(unit, 0.0) + value
            counts[unit] = counts.get(unit, 0) + 1
            lasts[unit] = latest[unit] = value
            latest_when[unit] = cursor
        if cursor >= months[0]:
            oldest = month_add(cursor, -spec.max_lag_months)
            if spec.period == "cumulative":
                ytd = {
                    u: v for u, v in latest.items() if latest_when[u].year == cursor.year and latest_when[u] >= oldest
                }
            elif spec.ytd == "sum":
                ytd = dict(sums)
            elif spec.ytd == "mean":
                ytd = {u: total / counts[u] for u, total in sums.items()}
            else:
                ytd = dict(lasts)
            if spec.judge == "ytd":
                judged = ytd
            else:
                judged = {u: v for u, v in latest.items() if latest_when[u] >= oldest}
            if spec.period == "cumulative" or spec.judge == "month":
                earlier = {u: latest_when[u] for u in judged if latest_when[u] != cursor}
                if earlier:
                    out.judged_from[cursor] = earlier
            out.ytd[cursor], out.judged[cursor] = ytd, judged
        cursor = month_add(cursor, 1)
    return out


@dataclass(frozen=True)
class Line:
    """One indicator on one unit's card."""

    spec: IndicatorSpec
    place: Place  # judged figure, this month
    previous: Place | None  # judged figure, last month
    month_value: float | None  # the month's own figure (beside a year-to-date judgement)
    ytd: Place | None  # ranking on the year so far
    top_months: int  # months of this year in the top group (judged figure), this one included
    demo: bool = False

    @property
    def change(self) -> float | None:
        if self.previous is None or self.previous.value is None or self.place.value is None:
            return None
        return self.place.value - self.previous.value

    @property
    def rank_change(self) -> int | None:
        """Positive: moved up."""
        if self.previous is None or self.previous.rank is None or self.place.rank is None:
            return None
        return self.previous.rank - self.place.rank

    @property
    def improved(self) -> bool | None:
        change = self.change
        if change is None or abs(change) < 10**-self.spec.decimals / 2:
            return None
        return change > 0 if self.spec.higher_is_better else change < 0


@dataclass
class UnitRef:
    id: int
    code: str
    name: str


@dataclass
class Card:
    unit: UnitRef
    lines: list[Line]
    overall: float | None = None
    overall_rank: int | None = None
    previous_overall_rank: int | None = None
    history: list[tuple[dt.date, int | None]] = field(default_factory=list)
    speaker: bool = False
    strengths: list[str] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)
    shortfall_details: list[str] = field(default_factory=list)
    paragraph: str = ""
    comments: list = field(default_factory=list)  # this month's 点评 (filled by the selector)
    follow_ups: list = field(default_factory=list)  # earlier 点评 and their status

    @property
    def overall_change(self) -> int | None:
        if self.overall_rank is None or self.previous_overall_rank is None:
            return None
        return self.previous_overall_rank - self.overall_rank


def light_ranks(
    values: dict[int, float], *, spec: IndicatorSpec, max_tie_share: float
) -> tuple[dict[int, float], set[int]]:
    """({unit: percentile}, {units with a strength}) — what Place.percentile and Place.strength
    say, without building places: for the months of the trend and of the year so far, which only
    feed the overall standing and "months in the top group"."""
    rounded = {k: round(v, spec.decimals) for k, v in values.items() if v is not None}
    ranked = len(rounded)
    if ranked < 2:
        return {}, set()
    first: dict[float, int] = {}
    counts: dict[float, int] = {}
    for position, value in enumerate(sorted(rounded.values(), reverse=spec.higher_is_better), start=1):
        if value in first:
            counts[value] += 1
        else:
            first[value], counts[value] = position, 1
    limit = min(spec.top_n, ranked / 2)
    pct = {}
    strong = set()
    for k, v in rounded.items():
        rank = first[v]
        pct[k] = 100.0 * (ranked - rank) / (ranked - 1)
        if rank <= limit and counts[v] / ranked < max_tie_share and not spec.worse_than_target(values[k]):
            strong.add(k)
    return pct, strong


def overall_ranks(scores: dict[str, dict[int, float]], specs: list[IndicatorSpec], units: list[int]):
    """{unit: (overall index, rank)} for one month from each indicator's percentiles: weighted
    mean, competition-ranked."""
    weights = {s.code: s.weight for s in specs}
    index: dict[int, float | None] = {}
    for unit in units:
        total = weight = 0.0
        for code, by_unit in scores.items():
            pct = by_unit.get(unit)
            if pct is None or weights.get(code, 0) == 0:
                continue
            total += weights[code] * pct
            weight += weights[code]
        index[unit] = round(total / weight, 1) if weight else None
    ordered = sorted((v for v in index.values() if v is not None), reverse=True)
    first: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {u: (v, None if v is None else first[v]) for u, v in index.items()}


def lowest(ranks: dict[int, int | None], count: int) -> set[int]:
    """The `count` worst-ranked (largest rank) units, units tied at the line included."""
    ranked = sorted((r, u) for u, r in ranks.items() if r is not None)
    if count <= 0 or not ranked:
        return set()
    line = ranked[-min(count, len(ranked))][0]
    return {u for r, u in ranked if r >= line}


@dataclass
class Board:
    month: dt.date
    kind: str
    catalogue: Catalogue
    specs: list[IndicatorSpec]
    cards: list[Card]  # best overall first; units without any figure last

    @property
    def speakers(self) -> list[Card]:
        return [c for c in self.cards if c.speaker]


def build_board(
    *,
    catalogue: Catalogue,
    kind: str,
    month: dt.date,
    units: list[UnitRef],
    values: Values,
    demo: set[tuple[str, dt.date, int]] | None = None,
) -> Board:
    """Every unit's card for `month`: the judged places this month and last month, the year so far,
    months in the top group this year, the overall standing and its history, speakers."""
    demo = demo or set()
    specs = catalogue.for_kind(kind)
    history_start = month_add(month, -(catalogue.history_months - 1))
    previous = month_add(month, -1)
    year_start = dt.date(month.year, 1, 1)
    months = [min(history_start, previous, year_start)]
    while months[-1] < month:
        months.append(month_add(months[-1], 1))
    unit_ids = [u.id for u in units]

    # Full places for this month and the last; percentiles (and, this year, strengths) for the others.
    by_month_places: dict[dt.date, dict[str, dict[int, Place]]] = {m: {} for m in (previous, month)}
    scores: dict[dt.date, dict[str, dict[int, float]]] = {m: {} for m in months}
    strong: dict[dt.date, dict[str, set[int]]] = {m: {} for m in months if m >= year_start}
    ytd_places: dict[str, dict[int, Place]] = {}
    share = catalogue.max_tie_share
    for spec in specs:
        s = series(spec, values.get(spec.code, {}), months)
        for m in months:
            judged = s.judged.get(m, {})
            if m in by_month_places:
                placed = rank_places(judged, spec=spec, max_tie_share=share, month=m, months=s.judged_from.get(m))
                by_month_places[m][spec.code] = placed
                scores[m][spec.code] = {u: p.percentile for u, p in placed.items() if p.percentile is not None}
                if m in strong:
                    strong[m][spec.code] = {u for u, p in placed.items() if p.strength}
            else:
                pct, strengths = light_ranks(judged, spec=spec, max_tie_share=share)
                scores[m][spec.code] = pct
                if m in strong:
                    strong[m][spec.code] = strengths
        ytd_places[spec.code] = rank_places(s.ytd.get(month, {}), spec=spec, max_tie_share=share)

    overall = {m: overall_ranks(scores[m], specs, unit_ids) for m in months}
    cards = []
    for unit in units:
        lines = []
        for spec in specs:
            now = by_month_places[month][spec.code].get(unit.id) or Place(value=None)
            before = by_month_places[previous][spec.code].get(unit.id)
            top_months = sum(1 for by_code in strong.values() if unit.id in by_code[spec.code])
            lines.append(
                Line(
                    spec=spec,
                    place=now,
                    previous=before,
                    month_value=values.get(spec.code, {}).get(month, {}).get(unit.id),
                    ytd=ytd_places[spec.code].get(unit.id),
                    top_months=top_months,
                    demo=now.month is not None and (spec.code, now.month, unit.id) in demo,
                )
            )
        index, rank = overall[month].get(unit.id, (None, None))
        cards.append(
            Card(
                unit=unit,
                lines=lines,
                overall=index,
                overall_rank=rank,
                previous_overall_rank=overall[previous].get(unit.id, (None, None))[1],
                history=[(m, overall[m].get(unit.id, (None, None))[1]) for m in months if m >= history_start],
            )
        )
    _mark_speakers(cards, catalogue=catalogue, kind=kind)
    order = {u: n for n, u in enumerate(unit_ids)}
    cards.sort(key=lambda c: (c.overall_rank is None, c.overall_rank or 0, order[c.unit.id]))
    return Board(month=month, kind=kind, catalogue=catalogue, specs=specs, cards=cards)


def _mark_speakers(cards: list[Card], *, catalogue: Catalogue, kind: str) -> None:
    rule = catalogue.speakers
    if rule.kind != kind:
        return
    if rule.basis == "overall":
        ranks = {c.unit.id: c.overall_rank for c in cards}
    else:
        ranks = {c.unit.id: next((ln.place.rank for ln in c.lines if ln.spec.code == rule.basis), None) for c in cards}
    chosen = lowest(ranks, rule.count)
    for card in cards:
        card.speaker = card.unit.id in chosen
