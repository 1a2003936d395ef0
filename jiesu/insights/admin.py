from django.contrib import admin

from jiesu.insights.models import MonthlyTopic


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
