"""The admin upload page for bulk import (/admin/intake/importrun/upload/): admin role only.
It runs the same import as `manage.py import_orders`, shows the result and offers the reject file."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from jiesu.intake.importing.mapping import Mapping, MappingError
from jiesu.intake.importing.reader import FileProblem
from jiesu.intake.importing.runner import describe, run_import
from jiesu.intake.models import ImportRun
from jiesu.org.models import Role

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
MAX_UPLOAD = 200 * 1024 * 1024


def _mapping_choices() -> list[tuple[str, str]]:
    return [(p.name, p.stem) for p in sorted(MAPPINGS_DIR.glob("*.yaml"))]


class UploadForm(forms.Form):
    file = forms.FileField(label="工单文件（CSV 或 XLSX）")
    mapping = forms.ChoiceField(label="列映射", choices=_mapping_choices)
    mapping_file = forms.FileField(label="或上传自定义映射（YAML）", required=False)


def require_admin(user) -> None:
    if not (user.is_authenticated and user.is_active and (user.role == Role.ADMIN or user.is_superuser)):
        raise PermissionDenied("只有系统管理员可以批量导入工单")


def _store(upload, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    safe = Path(upload.name).name.replace(" ", "_")
    target = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{safe}"
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return target


def upload_view(request, admin_site):
    require_admin(request.user)
    context = {**admin_site.each_context(request), "title": "批量导入历史工单"}
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_UPLOAD:
                raise FileProblem(f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB，请用 manage.py import_orders 导入")
            if form.cleaned_data["mapping_file"]:
                mapping_path = _store(form.cleaned_data["mapping_file"], Path(settings.MEDIA_ROOT) / "imports")
            else:
                mapping_path = MAPPINGS_DIR / form.cleaned_data["mapping"]
            mapping = Mapping.from_yaml(mapping_path)
            path = _store(upload, Path(settings.MEDIA_ROOT) / "imports")
            run = ImportRun.objects.create(file_name=upload.name, started_by=request.user)
            try:
                result = run_import(path=path, mapping=mapping, run=run)
            except FileProblem as problem:
                run.error = str(problem)
                run.save(update_fields=["error"])
                raise
            context.update(run=run, summary=describe(result), rejected=result.rejected[:50])
        except (FileProblem, MappingError) as problem:
            context["error"] = f"文件无法导入，未写入任何数据：{problem}"
    context["form"] = form
    return render(request, "intake/import_upload.html", context)


def rejects_view(request, run_id: int):
    require_admin(request.user)
    run = get_object_or_404(ImportRun, pk=run_id)
    path = Path(run.reject_file) if run.reject_file else None
    if path is None or not path.is_file():
        raise Http404("该次导入没有拒绝清单")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"rejects-{run.pk}.csv")
