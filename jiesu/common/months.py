"""Months as the assessment and insight apps use them: the first day of the month as a date."""

import datetime as dt
import re

from jiesu.common.errors import InvalidInput


def parse_month(value: str | dt.date) -> dt.date:
    """'2025-03' (or a date) → date(2025, 3, 1); anything else is InvalidInput with code bad_month."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{2})", (value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise InvalidInput(f"月份格式不正确（“{value}”），应为 YYYY-MM，如 2025-03", code="bad_month")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
