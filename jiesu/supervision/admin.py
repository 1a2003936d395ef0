"""Admin: reference data (areas, 区领导包片) is edited here; items, their history, reports,
reminders and meetings are written by the services only and shown read-only."""

from django.contrib import admin

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.supervision.models import (
    Area,
    LeaderPatch,
    MeetingQuestion,
    Milestone,
    ProgressReport,
    Reminder,
    ReportMeeting,
    SupervisionEvent,
    SupervisionItem,
)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "source", "year", "sort_order")
    list_filter = ("source", "year")
    search_fields = ("code", "name")


@admin.register(LeaderPatch)
class LeaderPatchAdmin(admin.ModelAdmin):
    list_display = ("leader", "street", "since", "until", "is_demo")
    list_filter = ("leader", "is_demo")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ("seq", "title", "due_date", "due_text", "done_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SupervisionItem)
class SupervisionItemAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "title",
        "source",
        "area",
        "lead_unit",
        "state",
        "next_milestone_due",
        "is_public",
        "is_demo",
    )
    list_filter = ("source", "state", "is_public", "is_demo", "area")
    search_fields = ("number", "title")
    inlines = [MilestoneInline]


@admin.register(SupervisionEvent)
class SupervisionEventAdmin(ReadOnlyAdmin):
    list_display = ("item", "seq", "action", "from_state", "to_state", "actor", "at")
    list_filter = ("action",)
    search_fields = ("item__number",)


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ("item", "unit", "reported_by", "at", "completes_milestone", "completes_item", "is_demo")
    search_fields = ("item__number", "text")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("kind", "item", "target", "due_date", "run_at")
    list_filter = ("kind",)


@admin.register(ReportMeeting)
class ReportMeetingAdmin(ReadOnlyAdmin):
    list_display = ("title", "street", "held_on", "reported_asked", "reported_collected", "reported_solved", "is_demo")


@admin.register(MeetingQuestion)
class MeetingQuestionAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "kind", "state", "order", "item", "evaluation")
    list_filter = ("kind", "state")
