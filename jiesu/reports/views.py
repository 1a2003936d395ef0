"""Pages of the reports app: the leader dashboard, the monthly review page, generating and
downloading the review pack."""

import json
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.db.models import Max
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiesu.assessment.models import RuleVersion
from jiesu.assessment.selectors import parse_kind, resolve_rule
from jiesu.common.errors import DomainError
from jiesu.insights.access import ANALYSIS_ROLES, PUBLISH_ROLES, role_required
from jiesu.insights.topic import month_window, next_month, parse_month, previous_month
from jiesu.reports.dashboard import KIND_LABELS, dashboard_data
from jiesu.reports.grids_section import build_grid_section
from jiesu.reports.models import ReviewPack
from jiesu.reports.review import build_review
from jiesu.reports.services import FILE_NAMES
from jiesu.reports.tasks import generate_review_pack_task
from jiesu.workorders.models import WorkOrder

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _default_month():
    """Last month (the month a review meeting looks back on); when nothing was received then — a
    new installation, or history imported up to an earlier date — the latest earlier month with orders."""
    last = previous_month(timezone.localdate())
    start, _end = month_window(last)
    if WorkOrder.objects.filter(received_at__gte=start, received_at__lt=month_window(next_month(last))[0]).exists():
        return last
    latest = WorkOrder.objects.filter(received_at__lt=start).aggregate(latest=Max("received_at"))["latest"]
    return parse_month(timezone.localtime(latest).date()) if latest else last


def _month_arg(request):
    """?month=YYYY-MM, defaulting to `_default_month()`."""
    raw = request.GET.get("month")
    return parse_month(raw) if raw else _default_month()


@role_required(*ANALYSIS_ROLES)
def dashboard(request):
    rule = request.GET.get("rule") or None
    context = {
        "kinds": KIND_LABELS,
        "rules": RuleVersion.objects.filter(is_active=True).order_by("-effective_from", "version"),
        "rule": rule,
        "can_generate": request.user.role in PUBLISH_ROLES,
    }
    try:
        month = _month_arg(request)
        kind = parse_kind(request.GET.get("kind"))
        context.update(month=month, kind=kind, data=dashboard_data(month=month, kind=kind, rule_version=rule))
        context["grids"] = build_grid_section(month=month)
        if context["grids"] is not None:
            context["grid_values"] = json.dumps(context["grids"].volumes, ensure_ascii=False)
    except DomainError as exc:
        context.update(month=_default_month(), kind="street", error=exc.message)
    context["packs"] = ReviewPack.objects.filter(month=context["month"])[:5]
    return render(request, "reports/dashboard.html", context)


@role_required(*ANALYSIS_ROLES)
def review_page(request, month: str):
    try:
        review = build_review(month=parse_month(month), rule_version=request.GET.get("rule") or None)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:dashboard")
    packs = ReviewPack.objects.filter(month=review.month)[:5]
    return render(request, "reports/review_page.html", {"review": review, "packs": packs})


@require_POST
@role_required(*PUBLISH_ROLES)
def generate(request):
    """Queue the pack; embedded (no Redis) the task runs at once and the review opens."""
    try:
        month = parse_month(request.POST.get("month", ""))
        rule = resolve_rule(month=month, rule_version=request.POST.get("rule") or None)
        result = generate_review_pack_task.delay(f"{month:%Y-%m}", request.user.pk, rule.version)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            messages.success(request, f"已提交生成{month:%Y年%m月}月度工作点评材料，完成后可在此下载")
            return redirect(f"{reverse('reports:dashboard')}?month={month:%Y-%m}&rule={rule.version}")
        pack = ReviewPack.objects.get(pk=result.get())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:dashboard")
    messages.success(request, f"已生成{pack.month:%Y年%m月}月度工作点评材料（PDF {pack.pdf_pages} 页）")
    url = reverse("reports:review", args=[f"{pack.month:%Y-%m}"])
    return redirect(f"{url}?rule={pack.rule_version}")


@role_required(*ANALYSIS_ROLES)
def download(request, pk: int, fmt: str):
    pack = ReviewPack.objects.filter(pk=pk).first()
    if pack is None or fmt not in CONTENT_TYPES:
        raise Http404("材料不存在")
    path = Path(settings.MEDIA_ROOT) / pack.file_path(fmt)
    if not path.is_file():
        raise Http404("材料文件已被移除，请重新生成")
    name = f"{pack.month:%Y年%m月}{FILE_NAMES[fmt]}"
    return FileResponse(path.open("rb"), as_attachment=fmt != "html", filename=name, content_type=CONTENT_TYPES[fmt])


@role_required(*ANALYSIS_ROLES)
def supervision_export(request):
    """督办事项 as Excel or PDF (format=xlsx|pdf, optional source=)."""
    from django.http import HttpResponse

    from jiesu.reports.excel import supervision_workbook
    from jiesu.reports.render import review_pdf, supervision_html
    from jiesu.reports.supervision_section import build_section
    from jiesu.supervision.models import Source

    source = request.GET.get("source") or None
    if source is not None and source not in Source.values:
        source = None
    section = build_section(source=source)
    fmt = request.GET.get("format", "xlsx")
    name = f"督办事项-{section.as_of:%Y%m%d}"
    if fmt == "pdf":
        pdf, _pages = review_pdf(supervision_html(section))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.pdf"
        return response
    response = HttpResponse(
        supervision_workbook(section),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.xlsx"
    return response
