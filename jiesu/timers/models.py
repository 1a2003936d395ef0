"""What the timers did: one row per slot run (claimed before it runs, so a slot runs once), the
per-subject marks that make a timer's actions idempotent, and the heartbeat of whoever ticks."""

from django.db import models


class RunStatus(models.TextChoices):
    RUNNING = "running", "运行中"
    DONE = "done", "完成"
    FAILED = "failed", "失败"


class TimerRun(models.Model):
    timer = models.CharField("定时任务", max_length=64)
    slot = models.CharField("时段", max_length=32)
    status = models.CharField("状态", max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=1)
    now = models.DateTimeField("运行时刻")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["timer", "slot"], name="timer_run_slot_unique")]

    def __str__(self) -> str:
        return f"{self.timer} {self.slot} {self.get_status_display()}"


class TimerMark(models.Model):
    """How far a timer has gone with one subject (e.g. an order's handling deadline): `epoch`
    names the thing being watched (the deadline itself: a new deadline starts afresh), `stage`
    how far it got (a warning share, an escalation level). Moved forward only, atomically."""

    timer = models.CharField("定时任务", max_length=64)
    subject = models.BigIntegerField("对象编号")
    epoch = models.CharField("周期", max_length=40)
    stage = models.IntegerField("阶段")
    at = models.DateTimeField("时间")
    # When the subject needs looking at again (its next stage); None: nothing more to do in this
    # epoch. Lets a pass skip every subject whose next stage has not come.
    next_at = models.DateTimeField("下次检查", null=True, blank=True)

    class Meta:
        verbose_name = "定时任务进度"
        verbose_name_plural = "定时任务进度"
        constraints = [models.UniqueConstraint(fields=["timer", "subject"], name="timer_mark_unique")]

    def __str__(self) -> str:
        return f"{self.timer} #{self.subject} {self.epoch} → {self.stage}"


class Heartbeat(models.Model):
    """The last tick of each ticking process kind (celery beat/worker, run_timers)."""

    name = models.CharField("来源", max_length=64, primary_key=True)
    at = models.DateTimeField("时间")
    host = models.CharField("主机", max_length=128, blank=True)
    pid = models.IntegerField("进程号", default=0)

    class Meta:
        verbose_name = "心跳"
        verbose_name_plural = "心跳"

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
