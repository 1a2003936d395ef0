"""Findings of the insights app: the monthly topic (每月一题)."""

from django.db import models


class TopicBasis(models.TextChoices):
    ABSOLUTE = "absolute", "环比增量"
    RELATIVE = "relative", "环比增幅"


class MonthlyTopic(models.Model):
    """One candidate of one month's 每月一题: a category whose request volume grew month on month.

    For each month and basis (absolute / relative growth) the top candidates are kept with their
    rank; rank 1 of the primary basis is the month's topic. Streets and sample orders are frozen
    at computation time (sample personal data already masked) so a published topic does not drift."""

    month = models.DateField("月份", help_text="当月1日")
    basis = models.CharField("排序口径", max_length=16, choices=TopicBasis.choices)
    rank = models.PositiveSmallIntegerField("名次")
    category = models.ForeignKey(
        "workorders.Category", verbose_name="诉求类别", on_delete=models.PROTECT, related_name="+"
    )
    volume = models.PositiveIntegerField("本月诉求量")
    previous_volume = models.PositiveIntegerField("上月诉求量")
    growth = models.IntegerField("环比增量")
    growth_rate = models.FloatField("环比增幅", null=True, blank=True, help_text="上月为0时为空")
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="牵头单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示权责清单规定由属地街镇牵头",
    )
    assisting_units = models.JSONField("协办单位", default=list, help_text="[{code, name}]")
    responsibility_basis = models.CharField("权责依据", max_length=200, blank=True)
    streets = models.JSONField("街镇分布", default=list, help_text="[{code, name, volume, previous}]")
    samples = models.JSONField("典型工单", default=list, help_text="已脱敏")
    params = models.JSONField("计算参数", default=dict)
    computed_at = models.DateTimeField("计算时间", auto_now_add=True)

    class Meta:
        verbose_name = "每月一题"
        verbose_name_plural = "每月一题"
        ordering = ["-month", "basis", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["month", "basis", "rank"], name="monthly_topic_month_basis_rank")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_basis_display()}第{self.rank}名 {self.category_id}"

    @property
    def lead_label(self) -> str:
        return self.lead_unit.name if self.lead_unit_id else "属地街镇"
