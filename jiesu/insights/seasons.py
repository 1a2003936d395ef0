"""Named times of the year (供暖季, 汛期, 开学, 春节 …) from data/insights/seasons.yaml, and the pure
seasonal figures: the seasonal index of a monthly series and the months a place's problem peaks in
year after year."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

SEASONS_FILE = Path(settings.BASE_DIR) / "data" / "insights" / "seasons.yaml"
# A month is a peak of a place's problem when it has at least PEAK_RATIO × the year's median month
# and at least PEAK_EXCESS more requests than it; recurring when that happens in ≥ 2 years.
PEAK_RATIO = 1.8
PEAK_EXCESS = 4
MIN_YEARS = 2


@dataclass(frozen=True)
class Season:
    name: str
    start: dt.date
    end: dt.date
    expect: str

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.start <= last and first <= self.end


@cache
def _spec(path: Path = SEASONS_FILE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["seasons"]


def _new_year(year: int) -> dt.date | None:
    import holidays

    days = [d for d, name in holidays.China(years=year, language="zh_CN").items() if "春节" in name]
    return min(days) if days else None


def seasons_of(year: int) -> list[Season]:
    """The seasons that start in `year` (a season over the new year ends in the next one)."""
    out = []
    for spec in _spec():
        if spec.get("lunar_new_year"):
            day = _new_year(year)
            if day is None:
                continue
            start = day - dt.timedelta(days=int(spec.get("days_before", 7)))
            end = day + dt.timedelta(days=int(spec.get("days_after", 7)))
        else:
            sm, sd = map(int, spec["start"].split("-"))
            em, ed = map(int, spec["end"].split("-"))
            start = dt.date(year, sm, sd)
            end = dt.date(year + (1 if (em, ed) < (sm, sd) else 0), em, ed)
        out.append(Season(name=spec["name"], start=start, end=end, expect=spec.get("expect", "")))
    return out


def seasons_in(first: dt.date, last: dt.date) -> list[Season]:
    """Seasons overlapping [first, last], in start order."""
    found = [s for y in range(first.year - 1, last.year + 1) for s in seasons_of(y) if s.overlaps(first, last)]
    return sorted({(s.name, s.start): s for s in found}.values(), key=lambda s: s.start)


def month_seasons(month: int) -> str:
    """The names of the seasons that touch a calendar month (in a typical year), e.g. '汛期、暑期'."""
    year = 2001  # any year: only the fixed-date seasons and a typical 春节 month matter here
    first = dt.date(year, month, 1)
    last = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
    names = [s.name for s in seasons_in(first, last) if not s.name.startswith("春节")]
    if month in (1, 2):
        names.insert(0, "春节")
    return "、".join(dict.fromkeys(names))


def seasonal_index(months: dict[str, int]) -> list[float]:
    """Per calendar month (1–12): the average over complete years of month ÷ that year's monthly
    mean. Needs two complete years of months; [] otherwise."""
    by_year: dict[int, dict[int, int]] = defaultdict(dict)
    for key, n in months.items():
        year, month = int(key[:4]), int(key[5:7])
        by_year[year][month] = n
    ratios: dict[int, list[float]] = defaultdict(list)
    full_years = [y for y, ms in by_year.items() if len(ms) == 12]
    if len(full_years) < 2:
        return []
    for year in full_years:
        mean = sum(by_year[year].values()) / 12
        if mean <= 0:
            continue
        for month, n in by_year[year].items():
            ratios[month].append(n / mean)
    if len(ratios) < 12:
        return []
    return [round(statistics.mean(ratios[m]), 3) for m in range(1, 13)]


@dataclass(frozen=True)
class Peak:
    month: int
    years: list[dict]  # [{year, volume, typical}]
    ratio: float


def recurring_peaks(months: dict[str, int]) -> list[Peak]:
    """Calendar months in which the series peaked in at least two different years (each year judged
    against its own median month; a year needs 10 months of data)."""
    by_year: dict[int, dict[int, int]] = defaultdict(dict)
    for key, n in months.items():
        by_year[int(key[:4])][int(key[5:7])] = n
    hits: dict[int, list[dict]] = defaultdict(list)
    for year, ms in by_year.items():
        if len(ms) < 10:
            continue
        typical = statistics.median([ms.get(m, 0) for m in range(1, 13)])
        for month, n in ms.items():
            if n >= PEAK_RATIO * max(typical, 1) and n - typical >= PEAK_EXCESS:
                hits[month].append({"year": year, "volume": n, "typical": typical})
    peaks = []
    for month, years in hits.items():
        if len({y["year"] for y in years}) >= MIN_YEARS:
            ratio = statistics.mean(y["volume"] / max(y["typical"], 1) for y in years)
            peaks.append(Peak(month=month, years=sorted(years, key=lambda y: y["year"]), ratio=round(ratio, 2)))
    return sorted(peaks, key=lambda p: p.month)
