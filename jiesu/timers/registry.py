"""The timer registry: what runs when. Apps declare their timers in `<app>/timers.py`:

    from jiesu.timers.registry import Daily, register

    @register("reports.monthly_review_pack", label="月度点评材料", schedule=Monthly(day=1, at="06:00"))
    def monthly_review_pack(*, now):
        ...
        return {"generated": 1}          # counts recorded on the run; "alert": "…" tells the admins

A schedule turns a moment into a *slot* — the period it belongs to ("2027-01-04T10:05" for every
5 minutes, "2027-01-04" for daily, "2027-01" for monthly). Each slot of each timer runs once: the
runner claims it in the database (jiesu.timers.services), so Celery beat, `manage.py run_timers` and a
second worker can all tick without running anything twice. A slot missed while nothing ran is
caught up at the next tick (daily after its time of day, monthly after its day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


def _local(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now)


def _time_of_day(text: str) -> dt.time:
    hour, minute = (int(part) for part in text.split(":"))
    return dt.time(hour, minute)


@dataclass(frozen=True)
class Every:
    """Every `minutes` minutes, on boundaries of the local day (00:00, 00:05, …)."""

    minutes: int

    def slot(self, now: dt.datetime) -> str | None:
        local = _local(now)
        minute = (local.hour * 60 + local.minute) // self.minutes * self.minutes
        return f"{local:%Y-%m-%d}T{minute // 60:02d}:{minute % 60:02d}"

    def describe(self) -> str:
        return f"每 {self.minutes} 分钟"


@dataclass(frozen=True)
class Daily:
    """Once a day from `at` (local time, "HH:MM") on; a day missed is not caught up the next day."""

    at: str

    def slot(self, now: dt.datetime) -> str | None:
        local = _local(now)
        if local.time() < _time_of_day(self.at):
            return None
        return f"{local:%Y-%m-%d}"

    def describe(self) -> str:
        return f"每天 {self.at}"


@dataclass(frozen=True)
class Monthly:
    """Once a month from day `day` at `at` on (until the month ends)."""

    day: int
    at: str = "06:00"

    def slot(self, now: dt.datetime) -> str | None:
        local = _local(now)
        if (local.day, local.time()) < (self.day, _time_of_day(self.at)):
            return None
        return f"{local:%Y-%m}"

    def describe(self) -> str:
        return f"每月 {self.day} 日 {self.at}"


@dataclass(frozen=True)
class Timer:
    name: str
    label: str
    schedule: Every | Daily | Monthly
    run: Callable[..., dict | None]


_TIMERS: dict[str, Timer] = {}


def register(name: str, *, label: str, schedule: Every | Daily | Monthly):
    """Decorator: `run(*, now) -> dict | None` becomes the timer `name` (unique, "app.what")."""

    def decorate(run: Callable[..., dict | None]):
        existing = _TIMERS.get(name)
        if existing is not None and existing.run.__qualname__ != run.__qualname__:
            raise ValueError(f"timer {name} registered twice")
        _TIMERS[name] = Timer(name=name, label=label, schedule=schedule, run=run)
        return run

    return decorate


def all_timers() -> dict[str, Timer]:
    return dict(sorted(_TIMERS.items()))


def get(name: str) -> Timer:
    try:
        return _TIMERS[name]
    except KeyError:
        raise KeyError(f"未知定时任务：{name}（已注册：{', '.join(sorted(_TIMERS)) or '无'}）") from None
