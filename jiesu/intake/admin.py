"""Admin: Open311 API keys (editable), submissions and import runs (read-only records)."""

from django.contrib import admin
from django.urls import path

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.intake.importing import upload
from jiesu.intake.models import ApiKey, ImportRun, Open311Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key", "contact")
    readonly_fields = ("created_at", "last_used_at")


@admin.register(Open311Submission)
class Open311SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("token", "order", "api_key", "service_code", "created_at")
    list_filter = ("api_key",)
    search_fields = ("token", "order__number")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    change_list_template = "intake/importrun_changelist.html"

    def get_urls(self):
        own = [
            path(
                "upload/",
                self.admin_site.admin_view(lambda request: upload.upload_view(request, self.admin_site)),
                name="intake_importrun_upload",
            ),
            path(
                "<int:run_id>/rejects/",
                self.admin_site.admin_view(upload.rejects_view),
                name="intake_importrun_rejects",
            ),
        ]
        return own + super().get_urls()

    list_display = (
        "file_name",
        "started_by",
        "started_at",
        "total_rows",
        "created_orders",
        "created_events",
        "skipped_existing",
        "rejected_rows",
        "error",
    )
