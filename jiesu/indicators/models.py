"""The monthly review's indicators: the catalogue (versioned data), the values per unit and month
(computed by the platform or imported), the import batches, and what the leader said at the
meeting (点评) with the follow-up of each comment."""

from django.conf import settings
from django.db import models

from jiesu.indicators.catalogue import Catalogue, parse_catalogue


class CatalogueVersion(models.Model):
    """One version of the indicator catalogue, in force from `effective_from` (a month's first day)
    until a version with a later date takes over — like the assessment's RuleVersion. `document`
    holds the `catalogue:` mapping of data/indicators/catalogue-*.yaml (see docs/indicators.md)."""

    version = models.CharField("版本", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("生效月份", help_text="该月1日；此后各月默认使用本版本")
    source = models.CharField("依据来源", max_length=300, blank=True)
    document = models.JSONField("指标体系内容", default=dict)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "点评指标体系版本"
        verbose_name_plural = "点评指标体系版本"
        ordering = ["-effective_from", "version"]

    def __str__(self) -> str:
        return f"{self.version} {self.name}（{self.effective_from:%Y-%m} 起）"

    def parsed(self) -> Catalogue:
        return parse_catalogue(
            version=self.version,
            effective_from=self.effective_from,
            doc=self.document,
            name=self.name,
            source=self.source,
        )

    def clean(self):
        from django.core.exceptions import ValidationError

        from jiesu.common.errors import InvalidInput

        if self.effective_from and self.effective_from.day != 1:
            raise ValidationError({"effective_from": "生效月份须为某月1日"})
        try:
            self.parsed()
        except InvalidInput as exc:
            raise ValidationError({"document": exc.message}) from None


class Origin(models.TextChoices):
    PLATFORM = "platform", "平台计算"
    IMPORT = "import", "文件导入"
    API = "api", "接口推送"
    DEMO = "demo", "演示数据"


class ImportBatch(models.Model):
    """One import (a file by command or admin upload, or one API push): what it did and the rows
    it refused (reject file for files)."""

    origin = models.CharField("方式", max_length=16, choices=Origin.choices)
    file_name = models.CharField("文件/来源", max_length=200, blank=True)
    source = models.CharField("数据来源说明", max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    replace = models.BooleanField("允许更正已有数值", default=False)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    replaced = models.PositiveIntegerField("更正", default=0)
    unchanged = models.PositiveIntegerField("未变（已有相同数值）", default=0)
    rejected = models.PositiveIntegerField("拒绝", default=0)
    reject_file = models.CharField("拒绝清单", max_length=300, blank=True)
    error = models.CharField("文件级错误", max_length=500, blank=True)
    seconds = models.FloatField("耗时（秒）", default=0)

    class Meta:
        verbose_name = "指标数据导入记录"
        verbose_name_plural = "指标数据导入记录"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_origin_display()} {self.file_name} {self.started_at:%Y-%m-%d %H:%M}"


class IndicatorValue(models.Model):
    """One indicator's value for one unit and month. Keyed by the indicator's code (stable across
    catalogue versions). Platform values are recomputed (`compute_indicators`); imported ones are
    written once and changed only by an explicit correction, which leaves a ValueRevision."""

    indicator = models.CharField("指标编码", max_length=48)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("月份", help_text="当月1日")
    value = models.FloatField("数值", null=True, blank=True, help_text="平台计算时样本不足为空")
    participants = models.PositiveIntegerField("参评数", null=True, blank=True, help_text="市级排名的参评区数")
    origin = models.CharField("来源方式", max_length=16, choices=Origin.choices)
    source = models.CharField("来源说明", max_length=200, blank=True)
    detail = models.JSONField("计算明细", default=dict, blank=True)
    batch = models.ForeignKey(
        ImportBatch, verbose_name="导入批次", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "点评指标数值"
        verbose_name_plural = "点评指标数值"
        ordering = ["-month", "indicator", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "month"], name="indicator_value_unique"),
        ]
        indexes = [models.Index(fields=["month", "indicator"], name="indicator_value_month")]
        permissions = [("push_indicatorvalue", "可通过接口推送点评指标数值")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} {self.month:%Y-%m} = {self.value}"


class ValueRevision(models.Model):
    """An imported value that a later import or push corrected: the old and the new value
    (append-only; the scorecard reads IndicatorValue)."""

    indicator = models.CharField("指标编码", max_length=48)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("月份")
    old_value = models.FloatField("原数值", null=True)
    new_value = models.FloatField("新数值", null=True)
    old_source = models.CharField("原来源", max_length=200, blank=True)
    batch = models.ForeignKey(ImportBatch, verbose_name="导入批次", null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "点评指标更正记录"
        verbose_name_plural = "点评指标更正记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} {self.month:%Y-%m}: {self.old_value} → {self.new_value}"


class ReviewComment(models.Model):
    """What the leader said about one unit at the meeting reviewing `month` (点评意见), and the
    follow-up it became: `follow_up_ref` points into the follow-up backend (jiesu.indicators.followup:
    the local FollowUpItem today, the 督办 engine when it is wired)."""

    month = models.DateField("点评月份", help_text="会议所点评的月份（当月1日）")
    unit = models.ForeignKey("org.Unit", verbose_name="被点评单位", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("点评意见")
    requirement = models.CharField("整改要求", max_length=300, help_text="跟进事项的标题")
    speaker = models.CharField("点评领导", max_length=60, blank=True)
    due = models.DateField("完成期限")
    follow_up_backend = models.CharField("跟进方式", max_length=32)
    follow_up_ref = models.CharField("跟进事项编号", max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    is_demo = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "点评意见"
        verbose_name_plural = "点评意见"
        ordering = ["-month", "unit__sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id} {self.requirement}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "办理中"
    DONE = "done", "已办结"


class FollowUpItem(models.Model):
    """The local follow-up backend's item (跟进事项): open until the unit reports it done. The
    overdue state is derived from `due` and today, never stored."""

    title = models.CharField("事项", max_length=300)
    detail = models.TextField("内容", blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    due = models.DateField("完成期限")
    status = models.CharField("状态", max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    source_ref = models.CharField("来源", max_length=100, blank=True, help_text="如 点评意见#12")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "点评跟进事项"
        verbose_name_plural = "点评跟进事项"
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"


class FollowUpNote(models.Model):
    """A progress report on a follow-up item (append-only)."""

    item = models.ForeignKey(FollowUpItem, verbose_name="跟进事项", on_delete=models.CASCADE, related_name="notes")
    text = models.TextField("进展")
    marks_done = models.BooleanField("报告办结", default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "跟进进展"
        verbose_name_plural = "跟进进展"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.at:%Y-%m-%d} {self.text[:20]}"
