"""Admin: rule versions are editable (validated); snapshots and the watch-list history are
read-only — they are written by assessment.services only."""

from django.contrib import admin

from jiesu.assessment.models import AssessmentSnapshot, RuleVersion, WatchListEntry
from jiesu.common.admin import ReadOnlyAdmin


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "name", "effective_from", "is_active", "source")
    list_filter = ("is_active",)
    search_fields = ("version", "name")

    def get_readonly_fields(self, request, obj=None):
        # A version with published figures is frozen: add a new version instead.
        if obj is not None and AssessmentSnapshot.objects.filter(rule_version=obj).exists():
            return ("version", "effective_from", "rules")
        return ()


@admin.register(AssessmentSnapshot)
class AssessmentSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("month", "kind", "rank", "unit", "composite", "callbacks", "rule_version", "published_at")
    list_filter = ("month", "kind", "rule_version")


@admin.register(WatchListEntry)
class WatchListEntryAdmin(ReadOnlyAdmin):
    list_display = ("unit", "entered_month", "exited_month", "reason", "rule_version")
    list_filter = ("exited_month",)
