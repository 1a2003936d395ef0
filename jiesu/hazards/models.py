"""企安安 hazard checks: the enterprise register, versioned checklists (data), inspections with their
findings (and photos, as attachments), and hazards with a level and a rectification deadline in
working days, re-inspected and closed through a transition table (state_machine.yaml) with an
append-only history — the same machinery as orders and supervision items (jiesu.common)."""

from django.conf import settings
from django.db import models

from jiesu.common.history import HistoryEvent


class Enterprise(models.Model):
    name = models.CharField("名称", max_length=128)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    address = models.CharField("地址", max_length=200, blank=True)
    industry = models.CharField("行业", max_length=32, db_index=True)
    street = models.ForeignKey("org.Unit", verbose_name="所属街镇", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("org.Grid", verbose_name="网格", null=True, blank=True, on_delete=models.PROTECT)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    lng = models.FloatField("经度(WGS-84)", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Checklist(models.Model):
    code = models.CharField("编码", max_length=32)
    version = models.CharField("版本", max_length=16)
    effective_from = models.DateField("生效日期")
    title = models.CharField("名称", max_length=64)
    industries = models.JSONField("适用行业", default=list, help_text="空表示所有行业")
    items = models.JSONField("检查项", default=list)

    class Meta:
        verbose_name = "检查表"
        verbose_name_plural = "检查表"
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="checklist_code_version")]

    def __str__(self) -> str:
        return f"{self.title}（{self.version}）"


class Inspection(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="inspections"
    )
    checklist = models.ForeignKey(Checklist, verbose_name="检查表", on_delete=models.PROTECT)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="检查人", null=True, on_delete=models.PROTECT)
    inspected_at = models.DateTimeField("检查时间", db_index=True)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "隐患排查"
        verbose_name_plural = "隐患排查"
        ordering = ["-inspected_at"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.inspected_at:%Y-%m-%d}"


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, verbose_name="排查", on_delete=models.CASCADE, related_name="findings")
    item_code = models.CharField("检查项", max_length=16)
    item_text = models.CharField("检查内容", max_length=200)
    passed = models.BooleanField("符合")
    note = models.CharField("情况", max_length=500, blank=True)

    class Meta:
        verbose_name = "检查结果"
        verbose_name_plural = "检查结果"
        ordering = ["inspection_id", "item_code"]

    def __str__(self) -> str:
        return f"{self.item_code} {'符合' if self.passed else '不符合'}"


class HazardLevel(models.TextChoices):
    GENERAL = "general", "一般隐患"
    MAJOR = "major", "重大隐患"


class HazardState(models.TextChoices):
    OPEN = "open", "整改中"
    AWAITING = "awaiting", "待复查"
    CLOSED = "closed", "已销号"


class Hazard(models.Model):
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="hazards")
    finding = models.OneToOneField(Finding, verbose_name="检查结果", on_delete=models.PROTECT, related_name="hazard")
    description = models.CharField("隐患描述", max_length=500)
    level = models.CharField("级别", max_length=16, choices=HazardLevel.choices)
    state = models.CharField("状态", max_length=16, choices=HazardState.choices, default=HazardState.OPEN)
    # The street answers for its enterprises' hazards (the transition table's lead_unit scope).
    lead_unit = models.ForeignKey("org.Unit", verbose_name="责任街镇", on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField("发现时间", db_index=True)
    due_at = models.DateTimeField("整改期限", db_index=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("逾期升级次数", default=0)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "安全隐患"
        verbose_name_plural = "安全隐患"
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"{self.enterprise}：{self.description[:20]}"


class HazardEvent(HistoryEvent):
    history_noun = "隐患事件"

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "隐患事件"
        verbose_name_plural = "隐患事件"
        ordering = ["hazard_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["hazard", "seq"], name="hazard_event_seq_unique")]
