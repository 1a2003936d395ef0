from django.contrib import admin

from jiesu.insights.models import ForecastSeries, Hotspot, HotspotAlert, MonthlyTopic, RecurringProblem, RefreshRun


@admin.register(MonthlyTopic)
class MonthlyTopicAdmin(admin.ModelAdmin):
    """Findings are computed (compute_monthly_topic); the admin only shows them."""

    list_display = ("month", "basis", "rank", "category", "previous_volume", "volume", "growth", "lead_unit")
    list_filter = ("month", "basis")
    readonly_fields = [f.name for f in MonthlyTopic._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    """Computed by the timers (jiesu.insights.services.refresh_*); the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Hotspot)
class HotspotAdmin(_ReadOnly):
    list_display = ("key", "title", "place", "street", "heat", "size", "callers", "status", "last_at")
    list_filter = ("status", "street")
    search_fields = ("key", "title", "place")


@admin.register(HotspotAlert)
class HotspotAlertAdmin(_ReadOnly):
    list_display = ("at", "kind", "message")
    list_filter = ("kind",)


@admin.register(RefreshRun)
class RefreshRunAdmin(_ReadOnly):
    list_display = ("kind", "at", "started_at", "seconds", "orders", "findings")
    list_filter = ("kind",)


@admin.register(RecurringProblem)
class RecurringProblemAdmin(_ReadOnly):
    list_display = ("street", "category", "month", "ratio", "season")


@admin.register(ForecastSeries)
class ForecastSeriesAdmin(_ReadOnly):
    list_display = ("name", "scope", "freq", "mase", "baseline_mase", "coverage", "peak_ratio")
    list_filter = ("freq", "scope")
