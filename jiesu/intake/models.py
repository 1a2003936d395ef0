"""Models of the intake app: who may post through Open311 (ApiKey), what each post carried that
is not part of the work order (Open311Submission: token, contact details, media), and the record
of each bulk import (ImportRun)."""

import secrets

from django.db import models


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def _new_token() -> str:
    return secrets.token_hex(16)


class ApiKey(models.Model):
    """An organisation allowed to create requests through Open311 (spec: POST requires api_key)."""

    key = models.CharField("密钥", max_length=64, unique=True, default=_new_key)
    name = models.CharField("使用单位/应用", max_length=100)
    contact = models.CharField("联系人及方式", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "Open311 API密钥"
        verbose_name_plural = "Open311 API密钥"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Open311Submission(models.Model):
    """One accepted POST: the token that resolves to the order, and the requester's contact
    details the work order has no field for. Personal data stays here and is never returned."""

    token = models.CharField("令牌", max_length=64, unique=True, default=_new_token)
    order = models.OneToOneField(
        "workorders.WorkOrder", verbose_name="工单", on_delete=models.PROTECT, related_name="open311_submission"
    )
    api_key = models.ForeignKey(ApiKey, verbose_name="API密钥", on_delete=models.PROTECT, related_name="submissions")
    service_code = models.CharField("服务编码", max_length=16)
    address_id = models.CharField("地址编码", max_length=64, blank=True)
    email = models.CharField("电子邮箱", max_length=254, blank=True)
    device_id = models.CharField("设备标识", max_length=128, blank=True)
    account_id = models.CharField("账号标识", max_length=128, blank=True)
    media_url = models.URLField("媒体链接", max_length=500, blank=True)
    attributes = models.JSONField("附加属性", default=dict, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "Open311提交记录"
        verbose_name_plural = "Open311提交记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.token


class ImportRun(models.Model):
    """One run of the bulk import (command or upload page), with its counts and reject file."""

    file_name = models.CharField("文件", max_length=255)
    started_by = models.ForeignKey(
        "org.User", verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    created_orders = models.PositiveIntegerField("新建工单", default=0)
    created_events = models.PositiveIntegerField("新建事件", default=0)
    skipped_existing = models.PositiveIntegerField("已存在跳过", default=0)
    rejected_rows = models.PositiveIntegerField("拒绝行数", default=0)
    reject_file = models.CharField("拒绝清单文件", max_length=500, blank=True)
    error = models.TextField("文件级错误", blank=True)
    # Touched after every batch; a run without a finish whose heartbeat is old was killed
    # (jiesu.intake.timers.sweep_stale_imports marks it failed and resumable).
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    resumable = models.BooleanField(
        "可续导", default=False, help_text="进程中断；以同一文件重新导入即从中断处继续（已导入的行按来源编号跳过）"
    )

    class Meta:
        verbose_name = "批量导入记录"
        verbose_name_plural = "批量导入记录"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} @ {self.started_at:%Y-%m-%d %H:%M}"
