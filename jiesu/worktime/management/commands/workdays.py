"""Deadline arithmetic from the command line: `manage.py workdays --start 2026-12-28 --add-days 15`.

Prints each counted day with the source that decided it, then as the last line
`due=<ISO time> source=<weakest source>` (worktime.calendar)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from jiesu.worktime import calendar
from jiesu.worktime.services import MAX_LIMIT_DAYS, add_working_days


class Command(BaseCommand):
    help = "计算 N 个工作日后的期限，并说明每一天由哪个日历来源决定（最后一行 due=… source=…）"

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="起算时间，ISO 格式：2026-12-28 或 2026-12-28T10:00+08:00")
        parser.add_argument("--add-days", type=int, required=True, help="工作日数（起算当日不计入）")

    def handle(self, *args, start: str, add_days: int, **options):
        begin = _parse_start(start)
        if not 0 <= add_days <= MAX_LIMIT_DAYS:
            raise CommandError(f"--add-days 须在 0 至 {MAX_LIMIT_DAYS} 之间")
        due = add_working_days(begin, days=add_days)
        day, counted, sources = timezone.localtime(begin).date(), 0, []
        while counted < add_days:
            day += dt.timedelta(days=1)
            info = calendar.day_info(day)
            mark = ("调休上班" if day.weekday() >= 5 else "上班") if info.is_workday else "休息"
            if info.is_workday:
                counted += 1
                sources.append(info.source)
            label = f"第{counted}个工作日" if info.is_workday else "不计"
            self.stdout.write(
                f"{day} {_WEEKDAYS[day.weekday()]} {mark} {info.name or ''} ← {calendar.SOURCE_LABELS[info.source]}  {label}"
            )
        horizon = calendar.official_until()
        self.stdout.write(f"官方日历已知至 {horizon}")
        source = calendar.weakest(sources) if sources else calendar.day_info(timezone.localtime(begin).date()).source
        self.stdout.write(f"due={due.isoformat()} source={source}")


_WEEKDAYS = "一二三四五六日"
_WEEKDAYS = [f"周{c}" for c in _WEEKDAYS]


def _parse_start(value: str) -> dt.datetime:
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is None:
                raise ValueError
            parsed = dt.datetime.combine(day, dt.time(9, 0))
    except ValueError:
        raise CommandError(f"--start 不是有效的 ISO 日期或时间：{value}") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    if not dt.date(1900, 1, 2) <= parsed.date() <= dt.date(2199, 12, 1):
        raise CommandError("--start 超出可计算的范围（1900–2199）")
    return parsed
