"""Admin: the calendar that the libraries do not know — days, years, and the upload of a State
Council notice typed as a table. Every edit goes through worktime.services, so caches are
forgotten and deadlines that rested on an estimate are recomputed after the commit."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path

from jiesu.common.errors import InvalidInput
from jiesu.worktime import calendar
from jiesu.worktime.models import CalendarDay, CalendarYear
from jiesu.worktime.notice import read_notice
from jiesu.worktime.services import announce_change, enter_year

MAX_NOTICE_UPLOAD = 2 * 1024 * 1024


class _AnnounceOnSave(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        announce_change()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        announce_change()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        announce_change()


class NoticeForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    notice = forms.CharField(label="通知文号或标题", max_length=200, required=False)
    file = forms.FileField(label="节假日安排（CSV 或 XLSX：日期, 类型[放假/上班], 名称）")


@admin.register(CalendarYear)
class CalendarYearAdmin(_AnnounceOnSave):
    list_display = ("year", "notice", "is_complete")
    change_list_template = "worktime/calendaryear_changelist.html"

    def get_urls(self):
        own = [path("upload/", self.admin_site.admin_view(self.upload_view), name="worktime_calendaryear_upload")]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {"horizon": calendar.official_until(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def upload_view(self, request):
        if not self.has_add_permission(request):
            messages.error(request, "您没有录入日历的权限")
            return redirect("admin:worktime_calendaryear_changelist")
        form = NoticeForm(request.POST or None, request.FILES or None)
        error = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_NOTICE_UPLOAD:
                    raise InvalidInput("文件过大（最多 2 MB）", code="file_too_large")
                parsed = read_notice(content=upload.read(), filename=upload.name)
                year = form.cleaned_data["year"]
                enter_year(
                    year=year,
                    holidays=parsed.holidays,
                    makeup_workdays=parsed.makeup_workdays,
                    notice=form.cleaned_data["notice"],
                )
            except InvalidInput as problem:
                error = problem.message
            else:
                messages.success(
                    request,
                    f"已录入 {year} 年：放假 {len(parsed.holidays)} 天，调休上班 {len(parsed.makeup_workdays)} 天；"
                    "依赖推算日历的工单期限将自动重算。",
                )
                return redirect("admin:worktime_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "录入国务院节假日安排",
            "form": form,
            "error": error,
            "horizon": calendar.official_until(),
        }
        return render(request, "worktime/notice_upload.html", context)


@admin.register(CalendarDay)
class CalendarDayAdmin(_AnnounceOnSave):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
