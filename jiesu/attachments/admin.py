from django.contrib import admin

from jiesu.attachments.models import Attachment
from jiesu.common.admin import ReadOnlyAdmin


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "original_name", "kind", "size", "owner_type", "owner_id", "uploaded_at", "deleted_at")
    list_filter = ("kind", "owner_type")
    search_fields = ("original_name", "sha256")
