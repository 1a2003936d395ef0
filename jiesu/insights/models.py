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


class HotspotStatus(models.TextChoices):
    ACTIVE = "active", "活跃"
    ENDED = "ended", "已消退"


class Hotspot(models.Model):
    """A cluster of orders about one problem at one place (jiesu.insights.hotspots), kept under a
    stable key: each refresh matches its clusters to the active hotspots by shared orders, so a
    hotspot keeps its key, first-seen time and alerts while it lasts."""

    key = models.CharField("热点编号", max_length=32, unique=True)
    status = models.CharField("状态", max_length=16, choices=HotspotStatus.choices, default=HotspotStatus.ACTIVE)
    title = models.CharField("标题", max_length=200, help_text="取自成员工单原文（抽取式）")
    keywords = models.JSONField("关键词", default=list)
    place = models.CharField("地点", max_length=200, blank=True)
    street = models.ForeignKey(
        "org.Unit", verbose_name="街镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "workorders.Category", verbose_name="类别", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name="建议牵头单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_basis = models.CharField("牵头依据", max_length=300, blank=True)
    size = models.PositiveIntegerField("诉求数")
    callers = models.PositiveIntegerField("诉求人数")
    repeat_calls = models.PositiveIntegerField("重复来电")
    duplicates = models.PositiveIntegerField("合并的重复件", default=0)
    recent = models.PositiveIntegerField("近7天诉求")
    previous = models.PositiveIntegerField("前7天诉求")
    heat = models.FloatField("热度")
    peak_heat = models.FloatField("最高热度")
    first_at = models.DateTimeField("首次诉求")
    last_at = models.DateTimeField("最近诉求")
    lat = models.FloatField("纬度", null=True, blank=True, help_text="成员工单坐标的中位数（WGS-84）")
    lng = models.FloatField("经度", null=True, blank=True)
    member_ids = models.JSONField("成员工单", default=list)
    first_seen_at = models.DateTimeField("发现时间")
    refreshed_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "热点"
        verbose_name_plural = "热点"
        ordering = ["-heat", "key"]
        indexes = [models.Index(fields=["status", "-heat"], name="hotspot_status_heat")]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def growth(self) -> int:
        return self.recent - self.previous


class AlertKind(models.TextChoices):
    NEW = "new", "新热点"
    GROWN = "grown", "热点快速增长"


class HotspotAlert(models.Model):
    """An alert recorded once per hotspot and kind (grown: once per ISO week); the notify app turns
    unsent alerts into messages (docs/insights.md, 提醒)."""

    hotspot = models.ForeignKey(Hotspot, verbose_name="热点", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField("类型", max_length=16, choices=AlertKind.choices)
    period = models.CharField("去重周期", max_length=16, blank=True, help_text="新热点为空；增长为ISO周，如2026-W19")
    at = models.DateTimeField("时间")
    heat = models.FloatField("热度")
    size = models.PositiveIntegerField("诉求数")
    recent = models.PositiveIntegerField("近7天诉求")
    previous = models.PositiveIntegerField("前7天诉求")
    message = models.CharField("提醒内容", max_length=300)

    class Meta:
        verbose_name = "热点提醒"
        verbose_name_plural = "热点提醒"
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["hotspot", "kind", "period"], name="hotspot_alert_once"),
        ]

    def __str__(self) -> str:
        return self.message


class RefreshRun(models.Model):
    """One refresh of stored findings (hotspots, seasonal profiles, forecasts): when, how long, how much."""

    kind = models.CharField("类型", max_length=16)
    at = models.DateTimeField("数据截止")
    started_at = models.DateTimeField("开始")
    seconds = models.FloatField("耗时（秒）")
    orders = models.PositiveIntegerField("读入工单")
    findings = models.PositiveIntegerField("结果条数")
    details = models.JSONField("参数与统计", default=dict)

    class Meta:
        verbose_name = "分析刷新记录"
        verbose_name_plural = "分析刷新记录"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="refresh_kind_started")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M} {self.seconds:.1f}s"


class VolumeProfile(models.Model):
    """Monthly request volumes of one category, street or category × street, with its seasonal
    index (each calendar month's average ÷ the overall monthly average) and year-on-year change."""

    scope = models.CharField("口径", max_length=16)  # category | street | cell
    key = models.CharField("键", max_length=64)
    name = models.CharField("名称", max_length=200)
    category = models.ForeignKey(
        "workorders.Category", verbose_name="类别", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "org.Unit", verbose_name="街镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    months = models.JSONField("月度诉求量", default=dict, help_text="{YYYY-MM: n}")
    index = models.JSONField("季节指数", default=list, help_text="1–12月，满两年才有")
    total = models.PositiveIntegerField("合计")
    last_month = models.DateField("最近完整月份")
    last_volume = models.PositiveIntegerField("最近月诉求量")
    year_ago = models.PositiveIntegerField("去年同月诉求量", null=True, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "诉求量季节画像"
        verbose_name_plural = "诉求量季节画像"
        ordering = ["scope", "-total"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="volume_profile_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.name}"

    @property
    def yoy(self) -> float | None:
        return None if not self.year_ago else (self.last_volume - self.year_ago) / self.year_ago


class RecurringProblem(models.Model):
    """A category that peaks at the same street in the same calendar month in at least two years."""

    key = models.CharField("编号", max_length=64, unique=True)
    category = models.ForeignKey("workorders.Category", verbose_name="类别", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("org.Unit", verbose_name="街镇", on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField("月份")
    years = models.JSONField("高峰年份", default=list, help_text="[{year, volume, typical}]")
    ratio = models.FloatField("高峰倍数", help_text="高峰月诉求量 ÷ 当年月中位数，各年平均")
    season = models.CharField("所属时节", max_length=32, blank=True)
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name="建议牵头单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_basis = models.CharField("牵头依据", max_length=300, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "周期性问题"
        verbose_name_plural = "周期性问题"
        ordering = ["month", "-ratio"]

    def __str__(self) -> str:
        return f"{self.street_id} {self.category_id} {self.month}月"


class ForecastSeries(models.Model):
    """Forecast of one series (district, a category or a street) at one frequency, with its history,
    80 % intervals and the backtest figures measured on it."""

    scope = models.CharField("口径", max_length=16)  # district | category | street
    key = models.CharField("键", max_length=64)
    name = models.CharField("名称", max_length=200)
    freq = models.CharField("频度", max_length=1)  # W | M
    history = models.JSONField("历史", default=list, help_text="[[period, n]]")
    forecast = models.JSONField("预测", default=list, help_text="[[period, mean, lo80, hi80]]")
    mase = models.FloatField("回测MASE", null=True, blank=True)
    baseline_mase = models.FloatField("基准MASE", null=True, blank=True)
    coverage = models.FloatField("80%区间覆盖率", null=True, blank=True)
    peak_ratio = models.FloatField("高峰倍数", null=True, blank=True, help_text="下期预测 ÷ 近一年均值")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "诉求量预测"
        verbose_name_plural = "诉求量预测"
        ordering = ["freq", "scope", "name"]
        constraints = [models.UniqueConstraint(fields=["scope", "key", "freq"], name="forecast_scope_key_freq")]

    def __str__(self) -> str:
        return f"{self.name} {self.freq}"


class OrderTerms(models.Model):
    """The words of one order's text as the hotspot finder sees them (jieba segmentation is the
    slow part of a refresh): kept per order and recomputed only when the text's digest changes."""

    order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name="工单",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="insight_terms",
    )
    digest = models.CharField("文本摘要", max_length=16)
    words = models.TextField("分词")

    class Meta:
        verbose_name = "工单分词"
        verbose_name_plural = "工单分词"

    def __str__(self) -> str:
        return f"{self.order_id}"
