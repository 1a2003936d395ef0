"""Reads about the calendar that pages, checks and health probes share."""

import datetime as dt

from django.utils import timezone

from jiesu.worktime import calendar

WARN_DAYS = 60  # warn this long before the last officially known day


def horizon_warning(*, today: dt.date | None = None) -> str | None:
    """A Chinese warning when the official calendar ends within WARN_DAYS, else None."""
    today = today or timezone.localdate()
    horizon = calendar.official_until()
    left = (horizon - today).days
    if left > WARN_DAYS:
        return None
    next_year = horizon.year + 1
    when = f"{left} 天后（{horizon}）" if left >= 0 else f"已于 {horizon}"
    return (
        f"官方节假日日历{when}到期：{next_year}年的期限目前按周末和法定节日规则推算，工单标注“日历为推算”。"
        f"请系统管理员录入国务院办公厅{next_year}年节假日安排（管理后台 › 工作日历 › 日历年份 › 上传），录入后期限自动重算。"
    )
