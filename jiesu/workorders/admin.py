"""Admin: reference data is editable; orders and events are read-only (they change only through
jiesu.workorders.services, which keeps the event log complete)."""

from django.contrib import admin

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.workorders.models import Category, DeadlineRule, WorkOrder, WorkOrderEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "path", "level", "qiyou", "wuxing", "default_urgency", "is_active")
    list_filter = ("level", "qiyou", "wuxing", "is_active")
    search_fields = ("code", "path")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = (
        "version",
        "effective_from",
        "urgency",
        "response_amount",
        "response_unit",
        "handling_amount",
        "handling_unit",
    )
    list_filter = ("version",)


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    fields = ("seq", "action", "from_state", "to_state", "actor", "actor_unit", "at", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "state", "channel", "category", "lead_unit", "received_at", "handling_due")
    list_filter = ("state", "channel", "urgency")
    search_fields = ("number", "title")
    date_hierarchy = "received_at"
    inlines = [EventInline]
    list_select_related = ("category", "lead_unit")


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyAdmin):
    list_display = ("order", "seq", "action", "from_state", "to_state", "actor", "at")
    list_filter = ("action",)
    list_select_related = ("order", "actor")
