"""Admin: reference data is editable; orders and events are read-only (they change only through
jiesu.workorders.services, which keeps the event log complete)."""

from django.contrib import admin

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.workorders.models import Category, DeadlineRule, JointHandling, WhistleCall, WorkOrder, WorkOrderEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Both schemes; the Beijing-style tree is edited in data/taxonomy/beijing12345.yaml (versioned) or
    here (name, keywords, 七有/五性, TipDM label, active); its 权责清单 rules in 权责清单."""

    list_display = (
        "code",
        "path",
        "scheme",
        "level",
        "initials",
        "qiyou",
        "wuxing",
        "tipdm_label",
        "maps_to",
        "is_active",
    )
    list_filter = ("scheme", "level", "qiyou", "wuxing", "tipdm_label", "is_active")
    search_fields = ("code", "path", "initials", "keywords")
    readonly_fields = ("scheme", "initials")
    raw_id_fields = ("parent", "maps_to")

    def save_model(self, request, obj, form, change):
        from jiesu.workorders.reference import initials

        obj.initials = initials(obj.name)  # the search keeps up with a renamed category
        super().save_model(request, obj, form, change)


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


@admin.register(WhistleCall)
class WhistleCallAdmin(ReadOnlyAdmin):
    """吹哨报到: written by the whistle / report_in / contribute services."""

    list_display = ("order", "unit", "called_at", "report_due", "reported_at")
    list_filter = ("unit",)
    raw_id_fields = ("order",)
    search_fields = ("order__number",)


@admin.register(JointHandling)
class JointHandlingAdmin(ReadOnlyAdmin):
    """联合处置 records: written by the joint_handling service."""

    list_display = ("order", "held_at", "place")
    raw_id_fields = ("order",)
    search_fields = ("order__number", "place")
