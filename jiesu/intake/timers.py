"""Timers of intake (jiesu.timers registry)."""

import datetime as dt

from django.conf import settings
from django.db.models import Q

from jiesu.intake.models import ImportRun
from jiesu.timers.registry import Every, register

STALE_MESSAGE = (
    "导入进程已中断（{minutes} 分钟无进展），本次导入标记为失败。已写入的工单保留；"
    "用同一文件重新导入即从中断处继续（已导入的行按来源编号跳过）。"
)


def stale_minutes() -> int:
    return int(getattr(settings, "JIESU_IMPORT_STALE_MINUTES", 30))


@register("intake.sweep_stale_imports", label="标记中断的批量导入", schedule=Every(minutes=5))
def sweep_stale_imports(*, now: dt.datetime) -> dict:
    """A run killed mid-import (kill -9, a restarted container) never writes its finish: after
    JIESU_IMPORT_STALE_MINUTES without a heartbeat it is marked failed and resumable."""
    minutes = stale_minutes()
    cutoff = now - dt.timedelta(minutes=minutes)
    stale = ImportRun.objects.filter(finished_at__isnull=True).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    marked = stale.update(finished_at=now, error=STALE_MESSAGE.format(minutes=minutes), resumable=True)
    return {"marked": marked}
