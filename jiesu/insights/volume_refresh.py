"""Refreshing the stored seasonal profiles, recurring problems and forecasts from the orders.

Two aggregations in SQL (orders per street × category × month, and per week), everything else in
Python on those counts: a district of a million orders a year gives a few thousand rows."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr, TruncMonth, TruncWeek
from django.utils import timezone

from jiesu.insights import forecasting, seasons
from jiesu.insights.hotspot_refresh import _lead_proposal
from jiesu.insights.models import ForecastSeries, RecurringProblem, RefreshRun, VolumeProfile
from jiesu.insights.topic import TZ
from jiesu.org.models import Unit
from jiesu.workorders.models import Category, State, WorkOrder

NO_STREET = "未定位"
# A category × street cell is profiled when it has at least this many orders in all.
MIN_CELL_TOTAL = 24
# A forecast is a peak when next month's mean is at least this share above the last year's mean.
PEAK_RATIO = 1.2


def _counts(*, until: dt.datetime, trunc, code_length: int) -> list[tuple[int | None, str, dt.date, int]]:
    rows = (
        WorkOrder.objects.filter(received_at__lt=until)
        .exclude(state=State.UNREASONABLE)
        .exclude(category=None)
        .annotate(period=trunc("received_at", tzinfo=TZ), code=Substr("category__code", 1, code_length))
        .values_list("street_id", "code", "period")
        .annotate(n=Count("id"))
        .order_by()
    )
    out = []
    for street_id, code, period, n in rows:
        day = period.date() if isinstance(period, dt.datetime) else period
        out.append((street_id, code, day, n))
    return out


def _month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _complete_month_end(now: dt.datetime) -> dt.datetime:
    """Start of the current month in Beijing time: only complete months are profiled."""
    local = timezone.localtime(now, TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def refresh_seasonal(*, now: dt.datetime | None = None) -> RefreshRun:
    """Monthly profiles (category, street, category × street) and recurring problems (second-level
    category × street peaking in the same month in ≥ 2 years)."""
    now = now or timezone.now()
    started, clock = timezone.now(), time.perf_counter()
    until = _complete_month_end(now)
    first_level = _counts(until=until, trunc=TruncMonth, code_length=2)
    second_level = _counts(until=until, trunc=TruncMonth, code_length=5)
    categories = {c.code: c for c in Category.objects.filter(level__lte=2)}
    streets = Unit.objects.in_bulk({s for s, _, _, _ in first_level} - {None})
    last_month = (until - dt.timedelta(days=1)).date().replace(day=1)

    series: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for street_id, code, day, n in first_level:
        key = _month_key(day)
        series[("category", code)][key] += n
        series[("street", str(street_id or ""))][key] += n
        series[("cell", f"{code}|{street_id or ''}")][key] += n
    VolumeProfile.objects.all().delete()
    profiles = []
    for (scope, key), months in series.items():
        total = sum(months.values())
        if scope == "cell" and total < MIN_CELL_TOTAL:
            continue
        code, _, street_key = key.partition("|") if scope == "cell" else (key if scope == "category" else "", "", key)
        category = categories.get(code) if scope in ("category", "cell") else None
        street = streets.get(int(street_key)) if street_key else None
        name = " · ".join(
            x
            for x in (
                category.name if category else "",
                (street.name if street else NO_STREET) if scope != "category" else "",
            )
            if x
        )
        year_ago = dt.date(last_month.year - 1, last_month.month, 1)
        profiles.append(
            VolumeProfile(
                scope=scope,
                key=key,
                name=name or key,
                category=category,
                street=street,
                months=dict(sorted(months.items())),
                index=seasons.seasonal_index(months),
                total=total,
                last_month=last_month,
                last_volume=months.get(_month_key(last_month), 0),
                year_ago=months.get(_month_key(year_ago)),
                computed_at=now,
            )
        )
    VolumeProfile.objects.bulk_create(profiles, batch_size=500)

    cells: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for street_id, code, day, n in second_level:
        if street_id is not None:
            cells[(code, street_id)][_month_key(day)] += n
    RecurringProblem.objects.all().delete()
    problems = []
    for (code, street_id), months in cells.items():
        category = categories.get(code)
        street = streets.get(street_id) or Unit.objects.filter(pk=street_id).first()
        if category is None or street is None:
            continue
        for peak in seasons.recurring_peaks(months):
            lead_id, basis = _lead_proposal(category=category, street=street, leads=[])
            problems.append(
                RecurringProblem(
                    key=f"SP{code}-{street.code}-{peak.month:02d}",
                    category=category,
                    street=street,
                    month=peak.month,
                    years=peak.years,
                    ratio=peak.ratio,
                    season=seasons.month_seasons(peak.month),
                    lead_unit_id=lead_id,
                    lead_basis=basis[:300],
                    computed_at=now,
                )
            )
    RecurringProblem.objects.bulk_create(problems, batch_size=500)
    return RefreshRun.objects.create(
        kind="seasonal",
        at=now,
        started_at=started,
        seconds=round(time.perf_counter() - clock, 3),
        orders=sum(n for *_, n in first_level),
        findings=len(profiles) + len(problems),
        details={"profiles": len(profiles), "recurring": len(problems), "last_month": last_month.isoformat()},
    )


def _series_from(rows, *, f: forecasting.Freq, end: dt.date) -> dict[tuple[str, str], forecasting.Series]:
    counts: dict[tuple[str, str], dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for street_id, code, day, n in rows:
        period = f.period(day)
        counts[("district", "all")][period] += n
        counts[("category", code)][period] += n
        counts[("street", str(street_id or ""))][period] += n
    out = {}
    for key, by_period in counts.items():
        start, values, period = min(by_period), [], min(by_period)
        while period <= end:
            values.append(float(by_period.get(period, 0)))
            period = f.next(period)
        if values:
            out[key] = forecasting.Series(key="|".join(key), start=start, values=np.asarray(values))
    return out


@transaction.atomic
def refresh_forecasts(*, now: dt.datetime | None = None) -> RefreshRun:
    """Next 4 weeks and next month for the district, each first-level category and each street,
    with 80 % intervals calibrated on their own rolling-origin backtest."""
    now = now or timezone.now()
    started, clock = timezone.now(), time.perf_counter()
    local = timezone.localtime(now, TZ)
    names = {c.code: c.name for c in Category.objects.filter(level=1)}
    streets = dict(Unit.objects.values_list("pk", "name"))
    stored, orders = [], 0
    ForecastSeries.objects.all().delete()
    for code, trunc in (("W", TruncWeek), ("M", TruncMonth)):
        f = forecasting.FREQS[code]
        current = f.period(local.date())
        until = dt.datetime.combine(current, dt.time(), tzinfo=TZ)  # complete periods only
        rows = _counts(until=until, trunc=trunc, code_length=2)
        orders = max(orders, sum(n for *_, n in rows))
        series = _series_from(rows, f=f, end=f.next(current, -1))
        forecasts, backtest = forecasting.forecast_all(list(series.values()), f=f)
        by_key = {r.key: r for r in backtest.results}
        for fc in forecasts:
            scope, key = fc.key.split("|", 1)
            if scope == "district":
                name = "全区"
            elif scope == "category":
                name = names.get(key, key)
            else:
                name = streets.get(int(key), NO_STREET) if key else NO_STREET
            result = by_key.get(fc.key)
            recent = fc.history[-(12 if code == "M" else 52) :]
            peak = float(fc.mean[0] / recent.mean()) if len(recent) and recent.mean() > 0 else None
            stored.append(
                ForecastSeries(
                    scope=scope,
                    key=key,
                    name=name,
                    freq=code,
                    history=[[p.isoformat(), int(v)] for p, v in zip(fc.history_periods, fc.history, strict=True)][
                        -104:
                    ],
                    forecast=[
                        [p.isoformat(), round(float(m), 1), round(float(lo), 1), round(float(hi), 1)]
                        for p, m, lo, hi in zip(fc.periods, fc.mean, fc.lo, fc.hi, strict=True)
                    ],
                    mase=result.mase if result and result.windows else None,
                    baseline_mase=result.baseline_mase if result and result.windows else None,
                    coverage=result.coverage if result else None,
                    peak_ratio=round(peak, 3) if peak is not None else None,
                    computed_at=now,
                )
            )
    ForecastSeries.objects.bulk_create(stored, batch_size=200)
    return RefreshRun.objects.create(
        kind="forecasts",
        at=now,
        started_at=started,
        seconds=round(time.perf_counter() - clock, 3),
        orders=orders,
        findings=len(stored),
        details={},
    )
