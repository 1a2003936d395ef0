"""Admin: catalogue versions are editable (validated on save); values, import batches, corrections,
comments and follow-up items are records written by jiesu.indicators.services (read-only here).
The import upload page (管理后台 › 指标数据导入记录 › 导入点评指标数值) runs the same import as
`manage.py import_indicators`."""

from pathlib import Path

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.common.errors import DomainError, InvalidInput
from jiesu.indicators import services
from jiesu.indicators.models import (
    CatalogueVersion,
    FollowUpItem,
    FollowUpNote,
    ImportBatch,
    IndicatorValue,
    ReviewComment,
    ValueRevision,
)
from jiesu.org.models import Role

MAX_UPLOAD = 50 * 1024 * 1024


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "name", "effective_from", "is_active", "source")
    list_filter = ("is_active",)
    search_fields = ("version", "name")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="指标数值文件（CSV 或 XLSX）", help_text="列：指标、单位、月份、数值（可选 来源、参评数）"
    )
    source = forms.CharField(
        label="数据来源说明", required=False, max_length=200, help_text="行内无“来源”列时使用；缺省为文件名"
    )
    replace = forms.BooleanField(label="允许更正已有的不同数值", required=False, help_text="原数值留存在更正记录中")


def _require_admin(user) -> None:
    if not (user.is_authenticated and user.is_active and (user.role == Role.ADMIN or user.is_superuser)):
        raise PermissionDenied("只有系统管理员可以导入点评指标数值")


def upload_view(request, admin_site):
    _require_admin(request.user)
    context = {**admin_site.each_context(request), "title": "导入点评指标数值"}
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        folder = services.reject_dir()
        safe = Path(upload.name).name.replace(" ", "_")
        target = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{safe}"
        try:
            if upload.size > MAX_UPLOAD:
                raise InvalidInput(
                    f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB，请用 manage.py import_indicators 导入", code="bad_file"
                )
            with target.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            outcome = services.import_file(
                path=target,
                user=request.user,
                replace=form.cleaned_data["replace"],
                source=form.cleaned_data["source"],
                display_name=upload.name,
            )
            context.update(batch=outcome.batch, summary=outcome.describe(), problems=outcome.problems[:50])
        except DomainError as exc:
            services.record_file_problem(name=upload.name, error=exc.message, user=request.user)
            context["error"] = exc.message
    context["form"] = form
    return render(request, "indicators/admin_upload.html", context)


def rejects_view(request, batch_id: int):
    _require_admin(request.user)
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    target = Path(batch.reject_file) if batch.reject_file else None
    if target is None or not target.is_file():
        raise Http404("该次导入没有拒绝清单")
    return FileResponse(target.open("rb"), as_attachment=True, filename=f"indicator-rejects-{batch.pk}.csv")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    change_list_template = "indicators/importbatch_changelist.html"
    list_display = (
        "started_at", "origin", "file_name", "started_by", "total_rows", "created", "replaced", "unchanged",
        "rejected", "error",
    )  # fmt: skip
    list_filter = ("origin",)

    def get_urls(self):
        own = [
            path(
                "upload/",
                self.admin_site.admin_view(lambda request: upload_view(request, self.admin_site)),
                name="indicators_importbatch_upload",
            ),
            path(
                "<int:batch_id>/rejects/",
                self.admin_site.admin_view(rejects_view),
                name="indicators_importbatch_rejects",
            ),
        ]
        return own + super().get_urls()


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ("month", "indicator", "unit", "value", "origin", "source", "updated_at")
    list_filter = ("origin", "month", "indicator")
    search_fields = ("indicator", "unit__name", "source")


@admin.register(ValueRevision)
class ValueRevisionAdmin(ReadOnlyAdmin):
    list_display = ("at", "indicator", "unit", "month", "old_value", "new_value", "old_source", "batch")
    list_filter = ("indicator",)


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    list_display = (
        "month",
        "unit",
        "requirement",
        "speaker",
        "due",
        "follow_up_backend",
        "follow_up_ref",
        "recorded_by",
    )
    list_filter = ("month", "is_demo")
    search_fields = ("unit__name", "text", "requirement")


class FollowUpNoteInline(admin.TabularInline):
    model = FollowUpNote
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FollowUpItem)
class FollowUpItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "due", "status", "done_at", "source_ref")
    list_filter = ("status",)
    inlines = [FollowUpNoteInline]
