"""Models of the dispatch app: auto-dispatch settings, the recommendations given, corrections
learned from returns and redispatches, and the routing memory trained from them."""

from django.db import models


class DispatchSettings(models.Model):
    """One row (pk=1), edited in admin. Auto-dispatch is off until an administrator turns it on."""

    auto_dispatch_enabled = models.BooleanField("启用自动派单", default=False)
    confidence_threshold = models.FloatField(
        "自动派单置信度阈值", default=0.9, help_text="主办单位推荐置信度不低于此值(0–1)才自动派单"
    )
    min_category_probability = models.FloatField(
        "类别概率下限", default=0.8, help_text="分类模型对首选类别的概率不低于此值才自动派单"
    )
    allowed_categories = models.CharField(
        "允许自动派单的类别",
        max_length=500,
        blank=True,
        help_text="类别编码前缀或类别路径，逗号分隔（如 03, 商贸旅游/市场监管）；留空表示不限类别",
    )
    duplicate_days = models.PositiveSmallIntegerField("重复件比对天数", default=7)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "智能派单设置"
        verbose_name_plural = "智能派单设置"

    def __str__(self) -> str:
        state = "开启" if self.auto_dispatch_enabled else "关闭"
        return f"自动派单{state}（阈值 {self.confidence_threshold:.2f}）"

    @classmethod
    def current(cls) -> "DispatchSettings":
        return cls.objects.get_or_create(pk=1)[0]


class Recommendation(models.Model):
    """What the platform proposed for an order (kept to measure how often people accept it)."""

    order = models.ForeignKey("workorders.WorkOrder", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    model_version = models.CharField("模型版本", max_length=64, blank=True)
    category = models.ForeignKey(
        "workorders.Category", verbose_name="推荐类别", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category_probability = models.FloatField("类别概率", null=True, blank=True)
    street = models.ForeignKey(
        "org.Unit", verbose_name="定位街镇", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name="推荐主办单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField("置信度", default=0)
    auto_dispatched = models.BooleanField("已自动派单", default=False)
    payload = models.JSONField("完整推荐", default=dict)

    class Meta:
        verbose_name = "派单推荐"
        verbose_name_plural = "派单推荐"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.lead_unit_id} ({self.confidence:.2f})"


# Workorder actions that carry a routing correction (read by the signal in jiesu.dispatch.signals).
CORRECTION_ACTIONS = ("return", "redispatch", "rule_dispute")


class CorrectionKind(models.TextChoices):
    RETURN = "return", "退单"
    DISPUTE_UPHELD = "dispute_upheld", "退单成立改派"
    DISPUTE_REJECTED = "dispute_rejected", "退单不成立"
    REDISPATCH = "redispatch", "改派"


class Correction(models.Model):
    """A labelled correction derived from one WorkOrderEvent: for this category at this place the
    unit `wrong_unit` was not right, `correct_unit` was (when known)."""

    event = models.OneToOneField("workorders.WorkOrderEvent", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("workorders.WorkOrder", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=20, choices=CorrectionKind.choices)
    at = models.DateTimeField("时间", db_index=True)
    category = models.ForeignKey(
        "workorders.Category", verbose_name="类别", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    street = models.ForeignKey(
        "org.Unit", verbose_name="街镇", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wrong_unit = models.ForeignKey(
        "org.Unit", verbose_name="被纠正单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    correct_unit = models.ForeignKey(
        "org.Unit", verbose_name="正确单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "派单纠正"
        verbose_name_plural = "派单纠正"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_id}"


class RoutingMemory(models.Model):
    """Learned from corrections by `manage.py retrain_dispatch`: how often orders of this category
    at this street ended with (`confirmed`) or were taken away from (`rejected`) this unit."""

    version = models.CharField("训练版本", max_length=32, db_index=True)
    category_code = models.CharField("类别编码", max_length=32)
    street = models.ForeignKey("org.Unit", verbose_name="街镇", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    confirmed = models.PositiveIntegerField("确认次数", default=0)
    rejected = models.PositiveIntegerField("被纠正次数", default=0)

    class Meta:
        verbose_name = "派单经验"
        verbose_name_plural = "派单经验"
        ordering = ["category_code", "street_id", "-confirmed"]
        indexes = [models.Index(fields=["category_code", "street"], name="routing_memory_key")]

    def __str__(self) -> str:
        return f"{self.category_code}@{self.street_id} → {self.unit_id} +{self.confirmed}/-{self.rejected}"
