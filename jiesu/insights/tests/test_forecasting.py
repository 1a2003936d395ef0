"""Forecasts and their rolling-origin backtest on seeded synthetic counts (the real-data figures
are in docs/insights.md): series built per period with the incomplete last period left out, AutoETS
beating seasonal naive on noisy seasonal counts, calibrated 80 % intervals near 80 %, retired and
short series skipped with their reason, and the command's output and errors."""

import csv
import datetime as dt

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from jiesu.insights import forecasting as fc

D, W, M = fc.FREQS["D"], fc.FREQS["W"], fc.FREQS["M"]


def test_periods_and_series_leave_out_the_unfinished_period():
    assert W.period(dt.date(2026, 5, 7)) == dt.date(2026, 5, 4)  # Monday
    assert M.next(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    assert M.next(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    times = [dt.date(2026, 1, 5), dt.date(2026, 1, 20), dt.date(2026, 3, 2), dt.date(2026, 4, 10)]
    series = fc.build_series(times, ["a", "a", "a", "b"], f=M)
    assert series["a"].start == dt.date(2026, 1, 1)
    assert list(series["a"].values) == [2, 0, 1]  # April is unfinished on 10 April: left out
    assert "b" not in series  # b's only month is the unfinished one


def seasonal_counts(rng, n, level):
    week = np.array([1.2, 1.1, 1.0, 1.0, 1.1, 0.6, 0.5])
    return rng.poisson(level * week[np.arange(n) % 7]).astype(float)


def test_ets_beats_seasonal_naive_on_noisy_weekly_pattern_and_intervals_are_calibrated():
    rng = np.random.default_rng(7)
    start = dt.date(2026, 1, 5)
    series = [
        fc.Series(key=f"s{i}", start=start, values=seasonal_counts(rng, 200, level=20 + 5 * i)) for i in range(12)
    ]
    result = fc.backtest(series, f=D)
    summary = result.summary()
    assert summary["n_series"] == 12
    assert summary["mase"] < summary["baseline_mase"]  # a smoothed season beats last week's noise
    assert 0.65 <= summary["coverage80"] <= 0.92
    first = result.scored[0]
    assert len(first.windows) == D.max_windows
    assert first.windows[0].origin < first.windows[-1].origin  # rolling origins in time order
    assert len(first.covered) == (D.max_windows - 1) * D.horizon  # the first origin only calibrates


@pytest.mark.parametrize(("f", "n"), [(D, 120), (W, 12 + 12 * 4)])  # W: 8 scored + 4 calibration-only origins
def test_a_window_is_forecast_and_calibrated_only_from_periods_before_it(f, n):
    """Wrecking the last window's actual counts changes nothing about the earlier windows: neither
    their forecasts nor whether their intervals covered (the calibration — scores and the adapted
    level — must not see later errors)."""
    rng = np.random.default_rng(11)
    start = dt.date(2026, 1, 5)
    clean = [fc.Series(key=f"s{i}", start=start, values=seasonal_counts(rng, n, level=15 + 4 * i)) for i in range(6)]
    wrecked = [fc.Series(key=s.key, start=start, values=s.values.copy()) for s in clean]
    for s in wrecked:
        s.values[-f.horizon :] *= 20  # the last window's periods only
    a, b = fc.backtest(clean, f=f), fc.backtest(wrecked, f=f)
    assert a.summary()["n_series"] == b.summary()["n_series"] == 6
    for ra, rb in zip(a.scored, b.scored, strict=True):
        assert len(ra.windows) == len(rb.windows) >= 3
        for wa, wb in zip(ra.calibration + ra.windows[:-1], rb.calibration + rb.windows[:-1], strict=True):
            assert np.array_equal(wa.forecast, wb.forecast) and np.array_equal(wa.half, wb.half)
        earlier = len(ra.covered) - f.horizon
        assert ra.covered[:earlier] == rb.covered[:earlier]
    # the wrecked last window does show up: fewer of its periods are covered
    last_a = [c for r in a.scored for c in r.covered[-f.horizon :]]
    last_b = [c for r in b.scored for c in r.covered[-f.horizon :]]
    assert sum(last_b) < sum(last_a)


def test_earlier_origins_calibrate_the_first_scored_window_but_are_not_scored():
    rng = np.random.default_rng(5)
    n = W.min_train + (W.max_windows + 5) * W.horizon  # room for 5 calibration-only origins
    series = [
        fc.Series(key=f"w{i}", start=dt.date(2024, 1, 1), values=rng.poisson(40, n).astype(float)) for i in range(3)
    ]
    result = fc.backtest(series, f=W)
    for r in result.scored:
        assert len(r.windows) == W.max_windows and len(r.calibration) == 5
        assert r.calibration[-1].origin < r.windows[0].origin
        assert len(r.covered) == W.max_windows * W.horizon  # the first scored origin is calibrated too
    long = fc.backtest_series(
        fc.Series(key="long", start=dt.date(2010, 1, 1), values=rng.poisson(40, 12 + 60 * 4).astype(float)), f=W
    )
    # a long history: max_origins forecast, the earliest CALIBRATION_WINDOWS calibrate, the rest are scored
    assert len(long.calibration) == fc.CALIBRATION_WINDOWS
    assert len(long.windows) == W.max_origins - fc.CALIBRATION_WINDOWS > W.max_windows
    assert long.windows[-1].origin == W.next(dt.date(2010, 1, 1), 12 + 59 * 4)  # ends at the last period


def test_a_run_of_few_series_spends_the_origin_budget_on_their_long_histories(monkeypatch):
    """One series of 112 months: 100 origins (8 calibrate, 92 scored) instead of the per-series cap
    of 36; in a run of four series each keeps the cap. (The model is stubbed: this is about which
    origins are forecast, and ETS would take a minute here.)"""
    calls = []

    def flat(train, *, f, h):
        calls.append(len(train))
        return np.full(h, float(np.mean(train[-12:]))), np.full(h, 5.0)

    monkeypatch.setattr(fc, "model_forecast", flat)
    rng = np.random.default_rng(9)
    series = [
        fc.Series(key=f"m{i}", start=dt.date(2010, 1, 1), values=rng.poisson(40, 12 + 100).astype(float))
        for i in range(4)
    ]
    one = fc.backtest(series[:1], f=M)
    assert one.max_origins == fc.ORIGINS_PER_RUN > M.max_origins
    (r,) = one.scored
    assert len(r.calibration) == fc.CALIBRATION_WINDOWS and len(r.windows) == 100 - fc.CALIBRATION_WINDOWS
    assert len(r.covered) == len(r.windows) and 0.6 < r.coverage < 0.95
    assert len(calls) == 100 and min(calls) == M.min_train  # the first origin has min_train months behind it
    four = fc.backtest(series, f=M)
    assert four.max_origins == M.max_origins
    assert all(len(r.calibration) + len(r.windows) == M.max_origins for r in four.scored)


def test_origins_in_a_dormant_stretch_are_neither_forecast_nor_scored():
    """A few stray early records, then nothing for months, then the series goes live: origins whose
    `quiet` periods before them hold no request are left out (as a retired series is)."""
    rng = np.random.default_rng(3)
    values = np.r_[[1.0, 0, 0, 1], np.zeros(40), rng.poisson(30, 60).astype(float)]
    start = dt.date(2020, 1, 6)
    r = fc.backtest_series(fc.Series(key="late", start=start, values=values), f=W)
    # origins are 4 weeks apart back from the end (week 100, 96, …); live from week 44 on, so the
    # first with a request in the 8 weeks before it is week 48 — none inside the empty stretch
    assert [w.origin for w in r.calibration + r.windows] == [W.next(start, k) for k in range(48, 101, 4)]
    assert len(r.windows) == W.max_windows and len(r.calibration) == 6  # 14 live origins: 8 scored
    stray = fc.Series(key="stray", start=start, values=np.r_[[1.0], np.zeros(40), [2.0, 0, 1, 0, 0]])
    assert "有诉求的时段太短" in fc.backtest_series(stray, f=W).skipped


def test_an_origin_behind_only_a_few_stray_records_is_not_forecast():
    """Two stray records keep the `quiet` weeks before the next origins non-empty, but a history of
    fewer than `min_active` weeks with requests is a history of zeros: its interval would have width
    ≈ 0 and the first busy week would score in the hundreds, widening every interval after it."""
    rng = np.random.default_rng(5)
    values = np.zeros(100)
    values[[20, 26]] = 1.0
    values[30:] = rng.poisson(30, 70)
    start = dt.date(2020, 1, 6)
    r = fc.backtest_series(fc.Series(key="stray-then-live", start=start, values=values), f=W)
    # origins 12, 16, …, 96; 24 and 28 have a request in the 8 weeks before them but only 1 and 2
    # weeks with requests behind them; 32 has 4 (20, 26, 30, 31)
    assert W.min_active == 3
    assert [w.origin for w in r.calibration + r.windows] == [W.next(start, k) for k in range(32, 97, 4)]
    scores = [abs(a - m) / h for w in r.calibration for a, m, h in zip(w.actual, w.forecast, w.half, strict=True)]
    assert max(scores) < 10  # no window fitted to zeros
    values[30:] = 0.0
    values[96] = 1.0  # the strays alone: origins 24, 28 and 32 were forecast before `min_active`
    assert "不足3个" in fc.backtest_series(fc.Series(key="sparse", start=start, values=values), f=W).skipped


def drifting_windows(seed, *, noise_from, noise_to):
    """10 monthly series of 60 one-step windows whose true noise moves from `noise_from` to
    `noise_to` (sd) while the model's half-width stays 10: the first 24 only calibrate."""
    rng = np.random.default_rng(seed)
    results = []
    for i in range(10):
        r = fc.SeriesResult(key=f"s{i}", n=72)
        for k, sd in enumerate(np.linspace(noise_from, noise_to, 60)):
            w = fc.Window(
                origin=M.next(dt.date(2020, 1, 1), k),
                actual=np.array([100 + rng.normal(0, sd)]),
                forecast=np.array([100.0]),
                half=np.array([10.0]),
                baseline=np.array([100.0]),
                scale=1.0,
            )
            (r.calibration if k < 24 else r.windows).append(w)
        results.append(r)
    return results


def coverage_of(results):
    return float(np.mean([c for r in results for c in r.covered]))


def test_adaptive_level_keeps_coverage_near_80_when_the_noise_drifts():
    drifting = drifting_windows(0, noise_from=4, noise_to=16)
    fc.calibrate(drifting, horizon=1)
    assert abs(coverage_of(drifting) - 0.8) < 0.04
    # without the adaptive level the past scores lag behind the growing noise
    fixed = drifting_windows(0, noise_from=4, noise_to=16)
    fc.calibrate(fixed, horizon=1, aci_step=0.0)
    assert coverage_of(fixed) < 0.70
    # and on steady noise the adaptation does not pull coverage off 80 %
    steady = drifting_windows(1, noise_from=8, noise_to=8)
    fc.calibrate(steady, horizon=1)
    assert abs(coverage_of(steady) - 0.8) < 0.04


def test_short_retired_and_constant_series_are_skipped_with_a_reason():
    start = dt.date(2025, 1, 1)
    short = fc.Series(key="short", start=start, values=np.ones(13))
    retired = fc.Series(key="retired", start=start, values=np.r_[np.full(30, 5.0), np.zeros(10)])
    constant = fc.Series(key="flat", start=start, values=np.full(40, 3.0))
    result = fc.backtest([short, retired, constant], f=M)
    reasons = {r.key: r.skipped for r in result.skipped}
    assert "序列太短" in reasons["short"]
    assert "已停用" in reasons["retired"]
    assert "恒定" in reasons["flat"]
    assert result.summary()["n_series"] == 0


def test_forecasts_have_intervals_around_the_mean_and_never_below_zero():
    rng = np.random.default_rng(3)
    series = [
        fc.Series(key=f"m{i}", start=dt.date(2022, 1, 1), values=rng.poisson(30, 40).astype(float)) for i in range(5)
    ]
    forecasts, backtest = fc.forecast_all(series, f=M, horizon=3)
    assert len(forecasts) == 5 and backtest.summary()["n_series"] == 5
    f0 = forecasts[0]
    assert f0.periods == [dt.date(2025, 5, 1), dt.date(2025, 6, 1), dt.date(2025, 7, 1)]
    assert np.all(f0.lo <= f0.mean) and np.all(f0.mean <= f0.hi) and np.all(f0.lo >= 0)
    assert np.all(f0.hi > f0.lo)
    assert 15 < f0.mean[0] < 45


def write(path, rows, header=("时间", "类别")):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def daily_rows():
    rng = np.random.default_rng(1)
    rows = []
    day = dt.date(2026, 1, 1)
    for _ in range(150):
        for group, level in (("甲", 12), ("乙", 6)):
            for _n in range(rng.poisson(level * (0.5 if (day.weekday() >= 5) else 1.0))):
                rows.append([f"{day.isoformat()} 09:00:00", group])
        day += dt.timedelta(days=1)
    rows.append(["2026-05-20", "丙"])  # a new group, eleven days old: too short to backtest
    return rows


def test_command_prints_groups_skipped_series_and_the_summary_line(tmp_path, capsys):
    call_command(
        "backtest_forecast",
        data=str(write(tmp_path / "d.csv", daily_rows())),
        time_col="时间",
        group_col="类别",
        freq="D",
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("mase=") and "baseline_mase=" in out[-1] and "coverage80=" in out[-1]
    assert out[-1].endswith("n_series=2")
    assert any(line.startswith("甲") for line in out) and any(line.startswith("乙") for line in out)
    assert any("丙" in line and "太短" in line for line in out)
    values = dict(part.split("=") for part in out[-1].split())
    assert float(values["mase"]) > 0 and 0 <= float(values["coverage80"]) <= 1


@pytest.mark.parametrize(
    ("rows", "kwargs", "message"),
    [
        ([["2026-01-01", "a"], ["昨天", "a"], ["2026-01-03", "a"]], {}, "第3行“昨天”"),
        ([["2026-01-01", "a"]], {}, "只有 1 行数据"),
        ([["2026-01-01", "a"], ["2026-01-02", "a"]], {"group_col": "街道"}, "找不到列：街道"),
        ([["2026-01-01", "a"], ["2026-01-02", "a"]], {"freq": "Q"}, "频度只能是"),
    ],
)
def test_command_errors_are_chinese(tmp_path, rows, kwargs, message):
    args = {"data": str(write(tmp_path / "bad.csv", rows)), "time_col": "时间", "group_col": "类别", **kwargs}
    with pytest.raises(CommandError, match=message):
        call_command("backtest_forecast", **args)


def test_skip_bad_times_reports_what_it_dropped(tmp_path, capsys):
    rows = daily_rows() + [["", "甲"], ["不是时间", "乙"]]
    call_command(
        "backtest_forecast",
        data=str(write(tmp_path / "d.csv", rows)),
        time_col="时间",
        group_col="类别",
        freq="W",
        skip_bad_times=True,
    )
    out = capsys.readouterr().out
    assert "跳过 2 行" in out and "mase=" in out
