"""Ranks, groups, targets, the year so far, lagged months, months in the top group, the overall
standing and the speakers — on hand-built values."""

import datetime as dt

from jiesu.indicators.standings import UnitRef, build_board, lowest, month_add, rank_places, series
from jiesu.indicators.tests.factories import catalogue, month, spec_doc


def places(values, **spec_extra):
    c = catalogue(spec_doc("x", **spec_extra))
    return rank_places(values, spec=c.get("x"), max_tie_share=c.max_tie_share)


def test_competition_ranking_with_ties_and_direction():
    p = places({1: 100.0, 2: 100.0, 3: 46.0, 4: 80.0})
    assert [p[k].rank for k in (1, 2, 3, 4)] == [1, 1, 4, 3]
    assert p[1].tied == 2 and p[3].of == 4
    low = places({1: 3.0, 2: 0.0, 3: 7.0}, direction="lower")
    assert [low[k].rank for k in (1, 2, 3)] == [2, 1, 3]


def test_values_are_compared_at_the_indicators_decimals():
    p = places({1: 95.001, 2: 95.004, 3: 90.0})
    assert p[1].rank == p[2].rank == 1
    p = places({1: 95.001, 2: 95.004, 3: 90.0}, decimals=3)
    assert (p[2].rank, p[1].rank) == (1, 2)


def test_top_and_bottom_groups_of_26():
    p = places({u: float(100 - u) for u in range(1, 27)})
    assert [u for u in p if p[u].top] == [1, 2, 3]
    assert [u for u in p if p[u].bottom] == [24, 25, 26]
    assert p[1].strength and not p[1].shortfall and p[26].shortfall and not p[26].strength


def test_ties_at_the_line_are_in_and_a_common_value_is_no_distinction():
    values = {u: float(100 - u) for u in range(1, 27)}
    values[4] = values[5] = values[3]  # three share third place
    p = places(values)
    assert sorted(u for u in p if p[u].top) == [1, 2, 3, 4, 5]
    # 14 of 26 streets had no fire: not all "first"; the one with most fires is still last.
    fires = {u: 0.0 for u in range(1, 15)} | {u: float(u - 14) for u in range(15, 27)}
    f = places(fires, direction="lower")
    assert not any(f[u].top for u in range(1, 15))
    assert f[26].bottom and f[26].rank == 26


def test_small_groups_keep_top_and_bottom_apart():
    p = places({1: 90.0, 2: 80.0, 3: 70.0, 4: 60.0})
    assert [p[u].top for u in (1, 2, 3, 4)] == [True, True, False, False]
    assert [p[u].bottom for u in (1, 2, 3, 4)] == [False, False, True, True]
    assert not any(p.top or p.bottom for p in places({1: 90.0}).values())


def test_a_first_place_worse_than_the_target_is_a_shortfall_not_a_strength():
    p = places({1: 80.0, 2: 70.0, 3: 60.0, 4: 50.0, 5: 40.0, 6: 30.0}, target=85)
    assert p[1].top and p[1].below_target and not p[1].strength and p[1].shortfall
    lower = places({1: 75.0, 2: 60.0, 3: 50.0}, direction="lower", target=70)
    assert lower[1].below_target and not lower[2].below_target


def _monthly(pairs):
    out = {}
    for (y, m), by_unit in pairs.items():
        out[month(y, m)] = by_unit
    return out


def test_year_to_date_sum_mean_and_cumulative():
    months = [month(2026, m) for m in range(1, 5)]
    data = _monthly({(2026, 1): {1: 2.0}, (2026, 2): {1: 4.0}, (2026, 4): {1: 6.0}})
    c = catalogue(spec_doc("s", judge="ytd", ytd="sum"), spec_doc("m", ytd="mean"), spec_doc("c", period="cumulative"))
    s = series(c.get("s"), data, months)
    assert s.ytd[month(2026, 4)] == {1: 12.0} and s.judged[month(2026, 4)][1] == 12.0
    m = series(c.get("m"), data, months)
    assert m.ytd[month(2026, 4)] == {1: 4.0}
    assert month(2026, 3) not in {k for k, v in m.judged.items() if v}  # no March figure, no lag
    cum = series(c.get("c"), data, months)
    assert cum.ytd[month(2026, 3)] == {}  # last report (February) is too old without a lag
    assert cum.ytd[month(2026, 4)] == {1: 6.0}


def test_a_new_year_starts_the_sums_again():
    c = catalogue(spec_doc("s", judge="ytd", ytd="sum"))
    data = _monthly({(2025, 12): {1: 10.0}, (2026, 1): {1: 1.0}})
    s = series(c.get("s"), data, [month(2025, 12), month(2026, 1)])
    assert s.ytd[month(2025, 12)] == {1: 10.0} and s.ytd[month(2026, 1)] == {1: 1.0}


def test_lagged_month_shows_the_latest_figure_within_the_lag():
    c = catalogue(spec_doc("e", max_lag_months=1))
    data = _monthly({(2026, 6): {1: 80.0}})
    s = series(c.get("e"), data, [month(2026, 6), month(2026, 7), month(2026, 8)])
    assert s.judged[month(2026, 7)][1] == 80.0 and s.judged_from[month(2026, 7)][1] == month(2026, 6)
    assert 1 not in s.judged[month(2026, 8)]


def _board(values_by_code, *, now, units=6, **rules):
    c = catalogue(spec_doc("a", count_top_months=True), spec_doc("b", area="b区"), **rules)
    refs = [UnitRef(u, f"u{u}", f"单位{u}") for u in range(1, units + 1)]
    return build_board(catalogue=c, kind="street", month=now, units=refs, values=values_by_code)


def test_board_counts_months_in_the_top_group_this_year_only_and_ranks_overall():
    now = month(2026, 4)
    a = {}
    # unit 1 best in every month of 2025-12 … 2026-04; unit 6 worst
    for k in range(-4, 1):
        a[month_add(now, k)] = {u: 100.0 - u for u in range(1, 7)}
    b = {now: {u: 50.0 + u for u in range(1, 7)}}  # reversed on b
    board = _board({"a": a, "b": b}, now=now)
    card1 = next(c for c in board.cards if c.unit.id == 1)
    line_a = next(ln for ln in card1.lines if ln.spec.code == "a")
    assert line_a.top_months == 4  # January–April, not December
    assert line_a.previous.rank == 1 and line_a.rank_change == 0
    # Overall: a and b weigh alike, so units 1 and 6 tie at the percentile mean; 3 and 4 too.
    by_unit = {c.unit.id: c for c in board.cards}
    assert by_unit[1].overall == by_unit[6].overall == 50.0
    assert len(by_unit[1].history) == 24 and by_unit[1].history[-1] == (now, by_unit[1].overall_rank)


def test_speakers_are_the_lowest_on_the_basis_with_ties_at_the_line():
    now = month(2026, 4)
    a = {now: {1: 90.0, 2: 80.0, 3: 70.0, 4: 60.0, 5: 60.0, 6: 95.0}}
    board = _board({"a": a}, now=now, speakers={"basis": "a", "count": 2})
    assert {c.unit.id for c in board.speakers} == {4, 5}
    board = _board({"a": a}, now=now, speakers={"basis": "a", "count": 3})
    assert {c.unit.id for c in board.speakers} == {3, 4, 5}
    assert lowest({1: 1, 2: 2, 3: None}, 5) == {1, 2}


def test_units_without_any_figure_come_last_without_rank():
    now = month(2026, 4)
    board = _board({"a": {now: {1: 90.0, 2: 80.0}}}, now=now)
    assert [c.unit.id for c in board.cards][:2] == [1, 2]
    assert board.cards[-1].overall_rank is None and board.cards[-1].overall is None


def test_months_helper():
    assert month_add(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert month_add(dt.date(2025, 12, 1), 13) == dt.date(2027, 1, 1)


def test_light_ranks_agree_with_places():
    import random

    from jiesu.indicators.standings import light_ranks

    rng = random.Random(7)
    for _ in range(200):
        c = catalogue(spec_doc("x", direction=rng.choice(["higher", "lower"]), target=rng.choice([None, 50.0]),
                               top_n=rng.choice([1, 3, 5])))  # fmt: skip
        spec = c.get("x")
        values = {u: float(rng.choice([0, 10, 40, 50, 60, 90, 100])) for u in range(rng.randint(0, 12))}
        placed = rank_places(values, spec=spec, max_tie_share=c.max_tie_share)
        pct, strong = light_ranks(values, spec=spec, max_tie_share=c.max_tie_share)
        assert pct == {u: p.percentile for u, p in placed.items() if p.percentile is not None}
        assert strong == {u for u, p in placed.items() if p.strength}
