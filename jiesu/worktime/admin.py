from django.contrib import admin

from jiesu.worktime import calendar
from jiesu.worktime.models import CalendarDay, CalendarYear


class _InvalidateOnSave(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar.invalidate()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar.invalidate()


@admin.register(CalendarYear)
class CalendarYearAdmin(_InvalidateOnSave):
    list_display = ("year", "notice", "is_complete")


@admin.register(CalendarDay)
class CalendarDayAdmin(_InvalidateOnSave):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
