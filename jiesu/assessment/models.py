"""Assessment rules (versioned data), published monthly snapshots and the watch list history.

Figures are always recomputable from the work-order event log; a snapshot freezes what was
published so that later events or rule edits cannot make published figures drift."""

from django.db import models

from jiesu.assessment.rules import Rules, parse_rules


class RuleVersion(models.Model):
    """One version of the assessment method, in force from `effective_from` (a month's first day)
    until a version with a later date takes over. `rules` holds the document of
    data/assessment/rules-*.yaml (see docs/assessment.md)."""

    version = models.CharField("版本", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("生效月份", help_text="该月1日；此后各月默认使用本版本")
    source = models.CharField("依据来源", max_length=300, blank=True)
    rules = models.JSONField("规则内容", default=dict)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "考评规则版本"
        verbose_name_plural = "考评规则版本"
        ordering = ["-effective_from", "version"]

    def __str__(self) -> str:
        return f"{self.version} {self.name}（{self.effective_from:%Y-%m} 起）"

    def parsed(self) -> Rules:
        return parse_rules(version=self.version, effective_from=self.effective_from, doc=self.rules)

    def clean(self):
        from django.core.exceptions import ValidationError

        from jiesu.common.errors import InvalidInput

        if self.effective_from and self.effective_from.day != 1:
            raise ValidationError({"effective_from": "生效月份须为某月1日"})
        try:
            self.parsed()
        except InvalidInput as exc:
            raise ValidationError({"rules": exc.message}) from None


class KindGroup(models.TextChoices):
    """Rankings are made within a group: streets and towns together (街镇), departments apart."""

    STREET = "street", "街镇"
    DEPARTMENT = "department", "区直部门"


class AssessmentSnapshot(models.Model):
    """One unit's published figures for one month under one rule version."""

    month = models.DateField("考评月份", db_index=True)
    rule_version = models.ForeignKey(RuleVersion, verbose_name="规则版本", on_delete=models.PROTECT)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("排名组", max_length=16, choices=KindGroup.choices)
    received = models.PositiveIntegerField("受理量", default=0)
    callbacks = models.PositiveIntegerField("有效回访", default=0)
    responded = models.PositiveIntegerField("及时响应", default=0)
    solved = models.PositiveIntegerField("已解决", default=0)
    satisfaction_points = models.FloatField("满意折算", default=0)
    response_rate = models.FloatField("响应率", null=True)
    resolution_rate = models.FloatField("解决率", null=True)
    satisfaction_rate = models.FloatField("满意率", null=True)
    composite = models.FloatField("综合得分", null=True)
    overdue = models.PositiveIntegerField("超期件", default=0)
    supervised = models.PositiveIntegerField("督办次数", default=0)
    returns = models.PositiveIntegerField("退单次数", default=0)
    reopens = models.PositiveIntegerField("重办次数", default=0)
    rank = models.PositiveIntegerField("排名", null=True)
    ranked_count = models.PositiveIntegerField("参与排名数", default=0)
    composite_change = models.FloatField("综合得分环比", null=True)
    rank_change = models.IntegerField("名次环比", null=True, help_text="正数表示名次上升")
    ytd_callbacks = models.PositiveIntegerField("年度有效回访", default=0)
    ytd_response_rate = models.FloatField("年度响应率", null=True)
    ytd_resolution_rate = models.FloatField("年度解决率", null=True)
    ytd_satisfaction_rate = models.FloatField("年度满意率", null=True)
    ytd_composite = models.FloatField("年度综合得分", null=True)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "月度考评快照"
        verbose_name_plural = "月度考评快照"
        ordering = ["month", "kind", "rank", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "rule_version", "unit"], name="snapshot_month_rule_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id} #{self.rank}"


class WatchListEntry(models.Model):
    """A stay on the watch list (治理类街乡镇): entered in one month, exited in a later one."""

    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    rule_version = models.ForeignKey(RuleVersion, verbose_name="规则版本", on_delete=models.PROTECT)
    entered_month = models.DateField("列入月份")
    exited_month = models.DateField("退出月份", null=True, blank=True)
    reason = models.CharField("列入原因", max_length=300)
    exit_reason = models.CharField("退出原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "治理类街乡镇记录"
        verbose_name_plural = "治理类街乡镇记录"
        ordering = ["-entered_month", "unit_id"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.entered_month:%Y-%m}–{self.exited_month or ''}"


class OrderMonthFacts(models.Model):
    """One order's events of one local calendar month folded into the facts the assessment reads
    (see jiesu.assessment.facts): a projection of the event log, refreshed in the transaction that
    appends an event and rebuildable from the log (`rebuild_order_facts`). Times are epoch seconds;
    `*_key` columns pack an event's seq with a value so that the latest one wins under MAX."""

    order = models.ForeignKey(
        "workorders.WorkOrder", verbose_name="工单", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.IntegerField("月份", help_text="本地时间年月，如 202506")
    last_at = models.BigIntegerField("本月最后事件")
    created_at = models.BigIntegerField("受理", null=True)
    last_unit_key = models.BigIntegerField(null=True)
    first_unit_key = models.BigIntegerField(null=True)
    assigned_at = models.BigIntegerField("派单", null=True)
    responded_at = models.BigIntegerField("响应", null=True)
    resolved_at = models.BigIntegerField("办结", null=True)
    callback_key = models.BigIntegerField(null=True)
    callback_at = models.BigIntegerField("回访", null=True)
    reached_callback_key = models.BigIntegerField(null=True)
    reached_callback_at = models.BigIntegerField("有效回访", null=True)
    due_key = models.BigIntegerField(null=True)
    due_set_at = models.BigIntegerField(null=True)
    due_at = models.BigIntegerField("办理时限", null=True)
    returned_at = models.BigIntegerField("退单", null=True)
    ruled_at = models.BigIntegerField("争议裁定", null=True)
    unreasonable = models.SmallIntegerField(default=0)
    merged = models.SmallIntegerField(default=0)

    class Meta:
        verbose_name = "工单月度事实"
        verbose_name_plural = "工单月度事实"
        constraints = [models.UniqueConstraint(fields=["order", "month"], name="order_month_facts_unique")]
        indexes = [
            models.Index(fields=["month", "order"], name="order_facts_month"),
            models.Index(fields=["due_at"], name="order_facts_due"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.month}"


class LeaderAggregate(models.Model):
    """Stored figures of a leader page (jiesu.assessment.aggregates): one named aggregate with its
    parameters, as of a moment, with the last event id it saw (re-computed by the timer when an
    event since could change it)."""

    key = models.CharField("键", max_length=255, unique=True)
    name = models.CharField("名称", max_length=120)
    params = models.JSONField("参数", default=dict)
    payload = models.JSONField("数据")
    as_of = models.DateTimeField("数据截至")
    event_mark = models.BigIntegerField("已计入的最后事件")
    keep_until = models.DateTimeField("保留至", null=True, blank=True)

    class Meta:
        verbose_name = "领导页面预计算数据"
        verbose_name_plural = "领导页面预计算数据"

    def __str__(self) -> str:
        return self.key
