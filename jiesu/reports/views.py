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
from jiesu.insights.topic import month_window, parse_month, previous_month
from jiesu.reports import stored
from jiesu.reports.dashboard import KIND_LABELS, dashboard_data
from jiesu.reports.grids_section import build_grid_section
from jiesu.reports.models import ReviewPack
from jiesu.reports.services import FILE_NAMES
from jiesu.reports.tasks import generate_review_pack_task
from jiesu.workorders.models import WorkOrder

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _default_month():
    """The current month as soon as it has a callback (the figures a leader asks for today);
    before that — the first hours of a month, a new installation, history imported up to an
    earlier date — the latest earlier month with orders."""
    this = parse_month(timezone.localdate())
    start, _end = month_window(this)
    if WorkOrder.objects.filter(received_at__gte=start, solved__isnull=False).exists():
        return this
    latest = WorkOrder.objects.filter(received_at__lt=start).aggregate(latest=Max("received_at"))["latest"]
    return parse_month(timezone.localtime(latest).date()) if latest else previous_month(this)


def _month_arg(request):
    """?month=YYYY-MM, defaulting to `_default_month()`."""
    raw = request.GET.get("month")
    return parse_month(raw) if raw else _default_month()


@role_required(*ANALYSIS_ROLES)
def index(request):
    """/reports/: every report of the platform on one page, each opened on the default month."""
    month = _default_month()
    ym = f"{month:%Y-%m}"
    sections = [
        (
            "考评与点评",
            [
                (
                    "领导驾驶舱",
                    reverse("reports:dashboard"),
                    "三率、综合得分、街镇与部门排名、治理类街乡镇、红黑榜（实时计算）",
                ),
                (
                    "月度工作点评",
                    reverse("reports:review", args=[ym]),
                    "点评会材料：全区情况、排名、逐单位点评、每月一题；可生成 PDF / Excel",
                ),
                (
                    "街镇综合评分卡",
                    reverse("indicators:board", args=[ym]),
                    "月度工作点评会的全部指标：各街镇排名、点评要点、点评意见跟进",
                ),
                ("每月一题", reverse("insights:topic", args=[ym]), "环比增长最多的诉求类别、牵头单位、街镇分布"),
            ],
        ),
        (
            "主动治理",
            [
                ("热点", reverse("reports:hotspots"), "诉求集中的地点与问题（地图、预警）"),
                ("季节性与周期性问题", reverse("reports:seasonal"), "未来三个月的季节性问题日历、反复出现的问题"),
                ("诉求量预测", reverse("reports:forecasts"), "全区、类别、街镇的诉求量预测"),
            ],
        ),
        (
            "督办",
            [
                ("督办事项", reverse("supervision:index"), "目标责任书、民生项目池、主动治理清单、向群众报告工作"),
                ("督办事项导出（Excel）", f"{reverse('reports:supervision_export')}?format=xlsx", "全部督办事项及进展"),
            ],
        ),
    ]
    packs = ReviewPack.objects.order_by("-generated_at")[:10]
    return render(request, "reports/index.html", {"month": month, "sections": sections, "packs": packs})


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
        # The stored review, rebuilt only when its data changed (jiesu.reports.stored).
        review = stored.review_page(month=parse_month(month), rule_version=request.GET.get("rule") or None)
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
