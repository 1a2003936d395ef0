from django.contrib import admin

from jiesu.reports.models import ReviewPack


@admin.register(ReviewPack)
class ReviewPackAdmin(admin.ModelAdmin):
    """Generated packs are records of what was handed out: read-only here."""

    list_display = ("month", "rule_version", "published", "pdf_pages", "generated_at", "generated_by")
    list_filter = ("month", "rule_version")
    readonly_fields = [f.name for f in ReviewPack._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
