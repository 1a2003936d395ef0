"""Dates as people read them, one set of filters for every page:

- `when`  — a moment: "12-01 14:20" this year, "2011-12-01 14:20" any other year;
- `day`   — a date: "12月1日" this year, "2011年12月1日" otherwise;
- `ago`   — natural relative time: 刚刚, 5分钟前, 3小时前, 昨天 14:20, 3天前, then the `day`
  (and the same forward for deadlines: 5分钟后, 3小时后, 明天 14:20, 3天后);
- `when_full` — the unambiguous "2026年12月1日 14:20" for a title/tooltip.

Computed in local time (Asia/Shanghai) against `timezone.now()`, so tests can move the clock."""

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()

WEEK_DAYS = 7  # beyond a week a relative "N天前" reads worse than the date


def _local(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return None


def _now() -> dt.datetime:
    return timezone.localtime(timezone.now())


def format_when(value, *, now: dt.datetime | None = None) -> str:
    moment = _local(value)
    if moment is None:
        return "—"
    now = now or _now()
    return f"{moment:%m-%d %H:%M}" if moment.year == now.year else f"{moment:%Y-%m-%d %H:%M}"


def format_day(value, *, now: dt.datetime | None = None) -> str:
    moment = _local(value)
    if moment is None:
        return "—"
    now = now or _now()
    short = f"{moment.month}月{moment.day}日"
    return short if moment.year == now.year else f"{moment.year}年{short}"


def format_ago(value, *, now: dt.datetime | None = None) -> str:
    moment = _local(value)
    if moment is None:
        return "—"
    now = now or _now()
    if timezone.is_aware(now) and not timezone.is_aware(moment):
        now = timezone.make_naive(now)
    seconds = (now - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    suffix = "后" if future else "前"
    if seconds < 60:
        return "即将" if future else "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)}分钟{suffix}"
    days = abs((moment.date() - now.date()).days)
    if days == 0:
        return f"{int(seconds // 3600)}小时{suffix}"
    if days == 1:
        return f"{'明天' if future else '昨天'} {moment:%H:%M}"
    if days < WEEK_DAYS:
        return f"{days}天{suffix}"
    return format_day(moment, now=now)


def format_full(value) -> str:
    moment = _local(value)
    if moment is None:
        return ""
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


@register.filter
def when(value) -> str:
    return format_when(value)


@register.filter
def day(value) -> str:
    return format_day(value)


@register.filter
def ago(value) -> str:
    return format_ago(value)


@register.filter
def when_full(value) -> str:
    return format_full(value)
