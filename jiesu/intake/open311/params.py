"""Parsing of Open311 query and form parameters; every failure is an Open311Error in Chinese."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from jiesu.common import validation
from jiesu.common.errors import InvalidInput
from jiesu.intake.open311 import conf
from jiesu.intake.open311.formats import Open311Error


def text(data, name: str) -> str:
    """Spec: an empty parameter is the same as an absent one."""
    return (data.get(name) or "").strip()


def w3_datetime(value: str, *, field: str) -> dt.datetime:
    """A W3C/ISO 8601 datetime (timezone Z or ±HH:MM) or a plain date (local midnight)."""
    parsed = None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is not None:
                parsed = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error.one(
            400, "invalid_datetime", f"{field} 不是有效的 ISO 8601 时间（例如 2026-11-01T00:00:00+08:00）：{value}"
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    try:
        return validation.clean_datetime(parsed, field=field, label=field)
    except InvalidInput as error:
        raise Open311Error.one(400, "invalid_datetime", error.message) from None


def date_range(data) -> tuple[dt.datetime, dt.datetime]:
    """start_date/end_date: at most `max_days` apart; a missing end counts from the start, a
    missing start back from the end, neither means the most recent `max_days` days."""
    max_days = dt.timedelta(days=conf.get("max_days"))
    start_text, end_text = text(data, "start_date"), text(data, "end_date")
    start = w3_datetime(start_text, field="start_date") if start_text else None
    end = w3_datetime(end_text, field="end_date") if end_text else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - max_days
    if end is None:
        end = start + max_days
    if end < start:
        raise Open311Error.one(400, "invalid_date_range", "end_date 不能早于 start_date")
    if end - start > max_days:
        raise Open311Error.one(400, "date_range_too_long", f"start_date 与 end_date 相差不能超过{max_days.days}天")
    return start, end


def comma_list(data, name: str) -> list[str]:
    return [part.strip() for part in text(data, name).split(",") if part.strip()]


def check_jurisdiction(data) -> None:
    given = text(data, "jurisdiction_id")
    if given and given != conf.get("jurisdiction_id"):
        raise Open311Error.one(
            404, "jurisdiction_not_found", f"jurisdiction_id“{given}”不存在，本接口服务 {conf.get('jurisdiction_id')}"
        )
