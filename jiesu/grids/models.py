"""网格 field work: who answers for a grid (assignment history), what grid workers report (网格上报,
including 自发现自处置), and their on-site check-ins (到场).

The grid polygons and layers themselves are org's (`org.GridLayer`, `org.Grid`): orders already
point at `org.Grid`, and org must not depend on this app."""

from django.conf import settings
from django.db import models


class GridAssignment(models.Model):
    """Grid ↔ responsible unit ↔ grid worker over time. A new assignment ends the current one
    (`ended_at`); rows are never deleted, so "who had this grid on 3 May" always reads."""

    grid = models.ForeignKey("org.Grid", verbose_name="网格", on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="网格员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_assignments",
    )
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="指派人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "网格责任分配"
        verbose_name_plural = "网格责任分配"
        ordering = ["grid_id", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid"], condition=models.Q(ended_at__isnull=True), name="grid_one_current_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid} → {self.worker or self.unit}"


class ReportKind(models.TextChoices):
    REPORT = "report", "上报问题"  # becomes an order (channel 网格上报)
    SELF_HANDLED = "self_handled", "自发现自处置"  # a minor finding the worker closes on the spot


class LocationSource(models.TextChoices):
    BROWSER = "browser", "浏览器定位"
    EXIF = "exif", "照片GPS"
    GRID = "grid", "网格中心(未定位)"


class GridReport(models.Model):
    """One finding of a grid worker. Its photos are attachments owned by it; a reported problem
    points at the order it became."""

    grid = models.ForeignKey("org.Grid", verbose_name="网格", on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上报人", on_delete=models.PROTECT, related_name="grid_reports"
    )
    kind = models.CharField("类型", max_length=16, choices=ReportKind.choices)
    description = models.TextField("问题描述")
    lat = models.FloatField("纬度(WGS-84)")
    lng = models.FloatField("经度(WGS-84)")
    location_source = models.CharField("位置来源", max_length=16, choices=LocationSource.choices)
    order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name="生成工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_report",
    )
    reported_at = models.DateTimeField("上报时间", db_index=True)
    closed_at = models.DateTimeField("处置完成时间", null=True, blank=True)
    closing_note = models.CharField("处置说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "网格上报"
        verbose_name_plural = "网格上报"
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.grid} {self.get_kind_display()} {self.description[:20]}"


class CheckIn(models.Model):
    """到场: a grid worker at an order's place, with where and when the phone said."""

    order = models.ForeignKey(
        "workorders.WorkOrder", verbose_name="工单", on_delete=models.PROTECT, related_name="grid_checkins"
    )
    grid = models.ForeignKey("org.Grid", verbose_name="网格", null=True, blank=True, on_delete=models.PROTECT)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="网格员", on_delete=models.PROTECT, related_name="grid_checkins"
    )
    lat = models.FloatField("纬度(WGS-84)")
    lng = models.FloatField("经度(WGS-84)")
    distance_m = models.PositiveIntegerField("距诉求位置(米)", null=True, blank=True)
    at = models.DateTimeField("到场时间")

    class Meta:
        verbose_name = "到场签到"
        verbose_name_plural = "到场签到"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.worker} {self.at:%m-%d %H:%M}"
