"""What /healthz looks at: the database, Redis (when configured), the timers' heartbeat (Celery
beat + worker, or run_timers) and the calendar horizon. Each check says ok / warn / fail with a
Chinese and an English message and never shows a secret (no URLs, hosts or passwords)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

OK, WARN, FAIL = "ok", "warn", "fail"
HEARTBEAT_STALE = dt.timedelta(minutes=3)


@dataclass
class Check:
    name: str
    status: str
    zh: str
    en: str
    ms: float | None = None

    def as_dict(self) -> dict:
        body = {"status": self.status, "message": self.zh, "message_en": self.en}
        if self.ms is not None:
            body["ms"] = round(self.ms, 1)
        return body


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - started) * 1000


def database() -> Check:
    try:
        _, ms = _timed(lambda: connection.cursor().execute("SELECT 1"))
    except Exception as exc:
        return Check(
            "database", FAIL, f"数据库不可用（{type(exc).__name__}）", f"database unavailable ({type(exc).__name__})"
        )
    return Check("database", OK, f"数据库正常（{connection.vendor}）", f"database ok ({connection.vendor})", ms)


def redis() -> Check:
    if not settings.REDIS_URL:
        return Check("redis", OK, "未配置 Redis（嵌入式运行）", "Redis not configured (embedded)")
    from jiesu.common.shared_version import _redis

    try:
        _, ms = _timed(lambda: _redis().ping())
    except Exception as exc:
        return Check(
            "redis", FAIL, f"Redis 不可用（{type(exc).__name__}）", f"Redis unavailable ({type(exc).__name__})"
        )
    return Check("redis", OK, "Redis 正常", "Redis ok", ms)


def timers() -> Check:
    from jiesu.timers.selectors import last_heartbeat

    try:
        beat = last_heartbeat()
    except Exception as exc:
        return Check(
            "timers",
            FAIL,
            f"读不到定时任务心跳（{type(exc).__name__}）",
            f"timer heartbeat unreadable ({type(exc).__name__})",
        )
    if beat is None:
        return Check(
            "timers",
            WARN,
            "定时任务从未运行（未启动 Celery beat/worker 或 run_timers）",
            "timers never ran (start Celery beat + worker, or run_timers)",
        )
    age = timezone.now() - beat.at
    seconds = int(age.total_seconds())
    if age > HEARTBEAT_STALE:
        return Check(
            "timers",
            WARN,
            f"定时任务 {seconds} 秒没有心跳（{beat.name}）：预警与督办停止了",
            f"no timer heartbeat for {seconds} s ({beat.name}): warnings and escalation stopped",
        )
    return Check(
        "timers", OK, f"定时任务正常（{beat.name}，{seconds} 秒前）", f"timers ok ({beat.name}, {seconds} s ago)"
    )


def calendar() -> Check:
    from jiesu.worktime import calendar as cal
    from jiesu.worktime.selectors import horizon_warning

    try:
        warning = horizon_warning()
        until = cal.official_until()
    except Exception as exc:
        return Check(
            "calendar", FAIL, f"读不到工作日历（{type(exc).__name__}）", f"calendar unreadable ({type(exc).__name__})"
        )
    if warning:
        return Check("calendar", WARN, warning, f"official holiday calendar ends {until}: load next year's notice")
    return Check("calendar", OK, f"官方节假日日历至 {until}", f"official holiday calendar until {until}")


def run_all() -> tuple[str, list[Check]]:
    checks = [database(), redis(), timers(), calendar()]
    statuses = {c.status for c in checks}
    overall = FAIL if FAIL in statuses else WARN if WARN in statuses else OK
    return overall, checks
