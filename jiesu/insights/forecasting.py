"""Request volumes ahead: the next 4 weeks / next month per category and per street, with 80 %
intervals, and the rolling-origin backtest that measures them.

Model: the mean of two AutoETS forecasts of statsforecast — error/trend/season chosen by AICc, and
the best damped-trend model (seasonal where at least two seasons of history exist and the season
is at most 24 periods long); the half-width is the mean of their 80 % half-widths.

Intervals: the model's own 80 % intervals came out too wide on counts (≈ 91 % covered), so they
are recalibrated by normalised split-conformal prediction: a window's error at step j, divided by
the model's own half-width there, is a score; the interval is the forecast ± the 80th percentile
of the scores × that half-width. The model's width carries each series' own noise (a busy
category, a dead one), the percentile fixes the level. In the backtest a window is calibrated
only with the windows whose periods had passed before it (the first origin is not scored for
coverage), so the coverage figure is honest; the stored forecasts use every window.
Origins are `horizon` apart, at most `max_origins` per series (each is two ETS fits; a run of
fewer than four series may spend ORIGINS_PER_RUN = 120 origins on its long histories). Beyond
`max_windows` of them the earliest — up to CALIBRATION_WINDOWS — are forecast for calibration only
(not scored, not in MASE), and every later origin is scored: a long single series is then judged
on a few dozen windows, not on a dozen points whose coverage is a coin toss (±0.12 at 12 points),
and its first scored window does not start from one or two windows' scores. An origin after
`quiet` periods without a request (before a series went live, between a few stray early records),
or with fewer than `min_active` periods of requests behind it, is neither forecast nor scored, as a
retired series is not. The percentile's level adapts (adaptive conformal inference, Gibbs &
Candès 2021): α ← α + γ·(0.2 − a window's share missed) for each window whose periods have passed,
one α shared by the run's series (the windows of one cutoff are applied together, at most a full
correction at once), so intervals whose noise drifts away from the past scores are widened (or
narrowed) within a few cutoffs.

MASE: mean absolute error ÷ the in-sample mean absolute error of the seasonal naive forecast
(season m where two seasons of history exist, else the last value) — per series and window, then
averaged over windows and over series. The baseline is seasonal naive where a season fits, else
the last value."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from jiesu.common.errors import InvalidInput

COVERAGE = 0.8
# Fewer scores than this at one forecast step: the step borrows all steps' scores.
MIN_STEP_ERRORS = 30
# A series with this many scores of its own is calibrated on them alone.
MIN_OWN_SCORES = 20
# The earliest origins of a long history, forecast only to calibrate the later windows' intervals.
CALIBRATION_WINDOWS = 8
# Origins a run may forecast in all (each is two ETS fits per series): a run of a few series spends
# them on the long histories it has — a single series of nine years is judged on ~100 windows, not
# on 28 whose coverage is ±0.08 — and a run of many keeps the per-series cap `max_origins`.
ORIGINS_PER_RUN = 120
# Adaptive conformal step γ per window (Gibbs & Candès 2021 use 0.005 per point over thousands of
# points; a run here has a few dozen cutoffs, each window worth `horizon` points of feedback, and a
# single series must correct within a few of them: 0.05 left single series 0.03–0.09 off).
ACI_STEP = 0.1


@dataclass(frozen=True)
class Freq:
    code: str
    label: str
    season: int  # periods in a year's (or a week's) cycle
    horizon: int  # periods forecast at once
    max_windows: int  # origins all scored; beyond these the earliest ones only calibrate
    max_origins: int  # origins per series at most (each is two ETS fits)
    min_train: int  # periods of history a forecast needs
    quiet: int  # a series with no request in its last `quiet` periods has stopped (a retired category)
    # An origin needs this many periods with a request behind it (a quarter of `min_train`): a
    # history of a few stray records is a history of zeros, its model's interval has width ≈ 0 and
    # the first real period scores in the hundreds, widening every interval calibrated after it.
    min_active: int

    @property
    def unbacktested_origins(self) -> str:
        """The origins the backtest leaves out, in the words of its skip reasons and its header."""
        return f"前{self.quiet}个{self.label}无诉求、或此前有诉求的{self.label}不足{self.min_active}个的起点不回测"

    def period(self, when: dt.date) -> dt.date:
        """The first day of the period holding `when`."""
        if self.code == "D":
            return when
        if self.code == "W":
            return when - dt.timedelta(days=when.weekday())
        return when.replace(day=1)

    def next(self, start: dt.date, k: int = 1) -> dt.date:
        if self.code == "D":
            return start + dt.timedelta(days=k)
        if self.code == "W":
            return start + dt.timedelta(weeks=k)
        month = start.month - 1 + k
        return dt.date(start.year + month // 12, month % 12 + 1, 1)

    def last_day(self, start: dt.date) -> dt.date:
        return self.next(start) - dt.timedelta(days=1)


FREQS = {
    "D": Freq("D", "日", season=7, horizon=28, max_windows=6, max_origins=30, min_train=28, quiet=56, min_active=7),
    "W": Freq("W", "周", season=52, horizon=4, max_windows=8, max_origins=32, min_train=12, quiet=8, min_active=3),
    "M": Freq("M", "月", season=12, horizon=1, max_windows=12, max_origins=36, min_train=12, quiet=6, min_active=3),
}


def freq(code: str) -> Freq:
    try:
        return FREQS[(code or "").upper()]
    except KeyError:
        raise InvalidInput("频度只能是 D（日）、W（周）或 M（月）", code="invalid_freq") from None


@dataclass
class Series:
    key: str
    start: dt.date  # first period
    values: np.ndarray  # counts per period, float

    def periods(self, f: Freq) -> list[dt.date]:
        return [f.next(self.start, i) for i in range(len(self.values))]


def build_series(
    times: Iterable[dt.date], keys: Iterable[str], *, f: Freq, end: dt.date | None = None
) -> dict[str, Series]:
    """Counts per key and period, from each key's first period to the last complete period of the
    data (a period the data stops inside is left out: it would read as a drop). Missing periods
    count 0."""
    counts: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    last = None
    for when, key in zip(times, keys, strict=True):
        counts[key][f.period(when)] += 1
        last = when if last is None or when > last else last
    if last is None:
        return {}
    end = end or last
    final = f.period(end)
    if f.last_day(final) > end:  # incomplete last period
        final = f.next(final, -1)
    out: dict[str, Series] = {}
    for key, by_period in counts.items():
        start = min(by_period)
        if start > final:
            continue
        values, period = [], start
        while period <= final:
            values.append(float(by_period.get(period, 0)))
            period = f.next(period)
        out[key] = Series(key=key, start=start, values=np.asarray(values))
    return out


def season_fits(n: int, f: Freq) -> bool:
    return n >= 2 * f.season


def scale_of(train: np.ndarray, f: Freq) -> float:
    """In-sample MAE of the seasonal naive forecast (last value where no season fits)."""
    m = f.season if season_fits(len(train), f) else 1
    if len(train) <= m:
        return float("nan")
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def model_forecast(train: np.ndarray, *, f: Freq, h: int) -> tuple[np.ndarray, np.ndarray]:
    """(point forecast, the model's own 80 % half-width) for h periods; counts are never negative."""
    from statsforecast.models import AutoETS

    m = f.season if season_fits(len(train), f) and f.season <= 24 else 1
    level = int(COVERAGE * 100)
    means, halves = [], []
    # The AICc choice and the best damped-trend model, averaged: a trend picked on a short or
    # shifting history is halved in the long run, a flat choice gains a little of the trend.
    for damped in (None, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = AutoETS(season_length=m, damped=damped).forecast(y=train.astype(float), h=h, level=[level])
            except (ValueError, RuntimeError):  # too few periods for a damped model: the AICc choice alone
                continue
        means.append(np.asarray(out["mean"], dtype=float))
        halves.append(np.asarray(out[f"hi-{level}"], dtype=float) - means[-1])
    mean, half = np.mean(means, axis=0), np.mean(halves, axis=0)
    return np.maximum(mean, 0.0), np.maximum(np.nan_to_num(half, nan=0.0), 0.0)


def baseline_forecast(train: np.ndarray, *, f: Freq, h: int) -> np.ndarray:
    """Seasonal naive where two seasons of history exist, else the last value."""
    if season_fits(len(train), f):
        last_season = train[-f.season :]
        return np.asarray([last_season[i % f.season] for i in range(h)], dtype=float)
    return np.full(h, float(train[-1]))


@dataclass
class Window:
    origin: dt.date  # the first forecast period
    actual: np.ndarray
    forecast: np.ndarray
    half: np.ndarray  # the model's own 80 % half-width
    baseline: np.ndarray
    scale: float


@dataclass
class SeriesResult:
    key: str
    n: int
    windows: list[Window] = field(default_factory=list)
    skipped: str = ""  # why the series was not backtested
    covered: list[bool] = field(default_factory=list)
    calibration: list[Window] = field(default_factory=list)  # earlier origins: calibrate only, not scored

    @property
    def mase(self) -> float:
        return float(np.mean([np.mean(np.abs(w.forecast - w.actual)) / w.scale for w in self.windows]))

    @property
    def baseline_mase(self) -> float:
        return float(np.mean([np.mean(np.abs(w.baseline - w.actual)) / w.scale for w in self.windows]))

    @property
    def coverage(self) -> float | None:
        return float(np.mean(self.covered)) if self.covered else None


def backtest_series(s: Series, *, f: Freq, max_origins: int | None = None) -> SeriesResult:
    """Rolling origin: forecast `horizon` periods from origins `horizon` apart, ending at the last
    complete period, each with at least `min_train` periods behind it, `min_active` of them with
    requests, and a request in the `quiet` periods before it; at most `max_origins` (the
    frequency's unless given), of which the earliest (up to CALIBRATION_WINDOWS, only beyond
    `max_windows` origins) calibrate and the others are scored."""
    y, h = s.values, f.horizon
    result = SeriesResult(key=s.key, n=len(y))
    if len(y) >= f.quiet and not y[-f.quiet :].any():
        result.skipped = f"已停用：最近{f.quiet}个{f.label}没有诉求"
        return result
    available = (len(y) - f.min_train) // h
    if available < 2:
        need = f.min_train + 2 * h
        result.skipped = f"序列太短：{len(y)}个{f.label}，回测至少需要{need}个{f.label}"
        return result
    origins = [len(y) - k * h for k in range(min(available, max_origins or f.max_origins), 0, -1)]
    # An origin after `quiet` periods without a request (before the series went live, between a
    # few stray early records) measures nothing: forecast 0, an interval of width 0.
    # So does an origin with fewer than `min_active` periods of requests behind it.
    live = [o for o in origins if y[max(0, o - f.quiet) : o].any() and np.count_nonzero(y[:o]) >= f.min_active]
    calibration_only = min(CALIBRATION_WINDOWS, max(0, len(live) - f.max_windows))
    for i, origin in enumerate(live):
        train, actual = y[:origin], y[origin : origin + h]
        scale = scale_of(train, f)
        if not scale or math.isnan(scale):
            continue  # a constant history: no error scale
        forecast, half = model_forecast(train, f=f, h=h)
        (result.calibration if i < calibration_only else result.windows).append(
            Window(
                origin=f.next(s.start, origin),
                actual=actual,
                forecast=forecast,
                half=half,
                baseline=baseline_forecast(train, f=f, h=h),
                scale=scale,
            )
        )
    if len(result.windows) < 2:
        result.windows, result.calibration = [], []
        result.skipped = (
            "历史值恒定，无法计算误差尺度"
            if len(live) >= 2
            else f"有诉求的时段太短：{f.unbacktested_origins}，可回测的起点不足2个"
        )
    return result


class Calibration:
    """Conformity scores — |error| ÷ the model's own half-width — of past windows. A series with at
    least MIN_OWN_SCORES scores of its own is calibrated on them (a busy category and a dead one
    do not share a noise level); the others on the scores of all series at the same step. The
    quantile's level is 1 − α, α adapted to the misses so far (ACI)."""

    def __init__(self, horizon: int, *, step: float = ACI_STEP):
        self.horizon = horizon
        self.step = step
        self.by_step: list[list[float]] = [[] for _ in range(horizon)]
        self.by_key: dict[str, list[float]] = defaultdict(list)
        self.alpha = 1 - COVERAGE  # the adapted miss rate target, shared by all series

    def adapt(self, covered: Sequence[np.ndarray]) -> None:
        """ACI over the windows of one cutoff: missing more than 20 % lowers α (wider next time),
        less raises it. γ per window, but at most a full correction per cutoff: with many series
        γ·windows > 1 would overshoot and swing."""
        if covered:
            miss = 1.0 - float(np.mean(np.concatenate(covered)))
            self.alpha += min(1.0, self.step * len(covered)) * ((1 - COVERAGE) - miss)

    def add(self, key: str, w: Window) -> None:
        for j, (e, half) in enumerate(zip(np.abs(w.forecast - w.actual), w.half, strict=True)):
            if half > 0:
                self.by_step[j].append(float(e / half))
                self.by_key[key].append(float(e / half))

    def ready(self) -> bool:
        return any(self.by_step)

    def quantiles(self, key: str) -> np.ndarray:
        # α ≤ 0 asks for an unbounded interval: the largest score is the widest there is; the floor
        # keeps a run of lucky windows from collapsing the interval.
        coverage = min(1.0, max(0.5, 1 - self.alpha))
        own = self.by_key.get(key, [])
        if len(own) >= MIN_OWN_SCORES:
            return np.full(self.horizon, _conformal_quantile(own, coverage=coverage))
        pooled = [e for step in self.by_step for e in step]
        out = []
        for step in self.by_step:
            sample = step if len(step) >= MIN_STEP_ERRORS else pooled
            out.append(_conformal_quantile(sample, coverage=coverage) if sample else float("nan"))
        return np.asarray(out)


def _conformal_quantile(scores: list[float], *, coverage: float = COVERAGE) -> float:
    """The ⌈(n+1)·coverage⌉-th smallest score (split conformal's finite-sample level)."""
    level = min(1.0, math.ceil((len(scores) + 1) * coverage) / len(scores))
    return float(np.quantile(scores, level, method="higher"))


def interval(forecast: np.ndarray, *, half: np.ndarray, quantiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    width = quantiles[: len(forecast)] * half
    return np.maximum(forecast - width, 0.0), forecast + width


@dataclass
class Backtest:
    results: list[SeriesResult]
    freq: Freq
    calibration: Calibration  # every window's scores and α, as the next forecasts use them
    max_origins: int  # origins per series at most in this run

    @property
    def scored(self) -> list[SeriesResult]:
        return [r for r in self.results if r.windows]

    @property
    def skipped(self) -> list[SeriesResult]:
        return [r for r in self.results if not r.windows]

    def summary(self) -> dict:
        scored = self.scored
        covered = [c for r in scored for c in r.covered]
        return {
            "mase": float(np.mean([r.mase for r in scored])) if scored else float("nan"),
            "baseline_mase": float(np.mean([r.baseline_mase for r in scored])) if scored else float("nan"),
            "coverage80": float(np.mean(covered)) if covered else float("nan"),
            "n_series": len(scored),
        }


def backtest(series: Sequence[Series], *, f: Freq, aci_step: float = ACI_STEP) -> Backtest:
    """Every series backtested; the 80 % intervals of each window calibrated on the earlier windows
    of all series (windows with the same index from the end share one cutoff date)."""
    cap = max(f.max_origins, ORIGINS_PER_RUN // max(1, len(series)))
    results = [backtest_series(s, f=f, max_origins=cap) for s in series]
    return Backtest(
        results=results,
        freq=f,
        calibration=calibrate(results, horizon=f.horizon, aci_step=aci_step),
        max_origins=cap,
    )


def calibrate(results: Sequence[SeriesResult], *, horizon: int, aci_step: float = ACI_STEP) -> Calibration:
    """Walks the origins in time order: each window's interval from the scores (and α) of windows
    whose periods had passed, its coverage recorded if it is scored, then its scores and misses
    added for the windows after it. Returns the final state."""
    by_origin: dict[dt.date, list[tuple[SeriesResult, Window, bool]]] = defaultdict(list)
    for r in results:
        for w in r.calibration:
            by_origin[w.origin].append((r, w, False))
        for w in r.windows:
            by_origin[w.origin].append((r, w, True))
    calibration = Calibration(horizon, step=aci_step)
    for origin in sorted(by_origin):
        same_cutoff = by_origin[origin]
        if calibration.ready():
            outcomes = []
            for r, w, scored in same_cutoff:
                lo, hi = interval(w.forecast, half=w.half, quantiles=calibration.quantiles(r.key))
                covered = (w.actual >= lo) & (w.actual <= hi)
                if scored:
                    r.covered += [bool(c) for c in covered]
                outcomes.append(covered)
            calibration.adapt(outcomes)  # after the whole cutoff: a window is not calibrated on its peers
        for r, w, _ in same_cutoff:
            calibration.add(r.key, w)  # known once their periods have passed: only later windows use them
    return calibration


@dataclass
class Forecast:
    key: str
    periods: list[dt.date]
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    history_periods: list[dt.date]
    history: np.ndarray


def forecast_all(series: Sequence[Series], *, f: Freq, horizon: int | None = None) -> tuple[list[Forecast], Backtest]:
    """Forecasts of every series long enough, with 80 % intervals calibrated on the backtest of all
    of them; the backtest is returned too (its figures are shown beside the forecasts)."""
    h = horizon or f.horizon
    result = backtest(series, f=f)
    calibration = result.calibration
    out = []
    for s in series:
        if len(s.values) < f.min_train:
            continue
        q = calibration.quantiles(s.key) if calibration.ready() else np.full(f.horizon, float("nan"))
        if h > f.horizon:
            q = np.concatenate([q, np.full(h - f.horizon, q[-1])])
        mean, half = model_forecast(s.values, f=f, h=h)
        if np.isnan(q).any():  # nothing to calibrate with: the model's own intervals
            lo, hi = np.maximum(mean - half, 0.0), mean + half
        else:
            lo, hi = interval(mean, half=half, quantiles=q)
        last = f.next(s.start, len(s.values) - 1)
        out.append(
            Forecast(
                key=s.key,
                periods=[f.next(last, k) for k in range(1, h + 1)],
                mean=mean,
                lo=lo,
                hi=hi,
                history_periods=s.periods(f),
                history=s.values,
            )
        )
    return out, result
