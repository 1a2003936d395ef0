"""The working-day calendar that the library does not know: admin-entered days and years.

`chinesecalendar` covers 2004–2026. For later years an admin enters the State Council notice:
every holiday and every make-up workday (调休) as a CalendarDay, then marks the year complete.
Admin entries always take precedence over the library."""

from django.db import models


class CalendarYear(models.Model):
    year = models.PositiveIntegerField("年份", unique=True)
    notice = models.CharField("国务院通知文号/标题", max_length=200, blank=True)
    is_complete = models.BooleanField(
        "已录入完整", default=False, help_text="勾选后，该年未录入的日期按周一至周五上班、周末休息计算"
    )

    class Meta:
        verbose_name = "日历年份"
        verbose_name_plural = "日历年份"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=32, blank=True, help_text="如：春节、国庆节调休上班")

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "上班" if self.is_workday else "休息"
        return f"{self.date} {self.name or ''}({kind})"
