"""Pages of the monthly review's scorecard: the whole board of a month (every street on every
indicator, who speaks, the city's ranking of the district), one unit's card with the leader's comments
and their follow-up, and the forms that record them."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiesu.common.errors import DomainError, InvalidInput
from jiesu.common.months import parse_month, previous_month
from jiesu.indicators import presenters, selectors, services
from jiesu.indicators.models import IndicatorValue, ReviewComment
from jiesu.indicators.validation import KIND_UNITS
from jiesu.insights.access import ANALYSIS_ROLES, PUBLISH_ROLES, role_required
from jiesu.org.models import UNIT_ROLES, Unit


def default_month() -> dt.date:
    """The latest month with figures (not in the future); else last month."""
    this = timezone.localdate().replace(day=1)
    latest = IndicatorValue.objects.filter(month__lte=this).aggregate(m=Max("month"))["m"]
    return latest or previous_month(this)


def _forbidden(request, message: str):
    html = render_to_string("web/error.html", {"status": 403, "message": message}, request=request)
    return HttpResponseForbidden(html)


@role_required(*ANALYSIS_ROLES)
def index(request):
    """The latest month, or the month and kind chosen in the board's form (no script needed)."""
    month, kind = request.GET.get("month", ""), request.GET.get("kind", "")
    try:
        chosen = f"{parse_month(month):%Y-%m}" if month else f"{default_month():%Y-%m}"
    except DomainError:
        chosen = f"{default_month():%Y-%m}"
    url = reverse("indicators:board", args=[chosen])
    return redirect(f"{url}?kind={kind}" if kind in ("street", "department") else url)


@login_required
def mine(request):
    """A street's or department's own people: their unit's card of the latest month."""
    unit = request.user.unit
    if unit is None or not any(unit.kind in kinds for k, kinds in KIND_UNITS.items() if k != "district"):
        return _forbidden(request, "您所在单位不参与月度点评排名")
    return redirect("indicators:unit", month=f"{default_month():%Y-%m}", code=unit.code)


@role_required(*ANALYSIS_ROLES)
def board_page(request, month: str):
    try:
        month_date = parse_month(month)
        kind = selectors.parse_kind(request.GET.get("kind"))
        board = selectors.board(month=month_date, kind=kind, version=request.GET.get("version") or None)
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(request, "indicators/board.html", {"error": exc.message, "month": None}, status=400)
    samples = selectors.board_samples(month=board.month, unit_ids=[c.unit.id for c in board.cards])
    views = presenters.board_views(board, samples)
    context = {
        "board": board,
        "month": board.month,
        "kind": kind,
        "kind_label": selectors.KIND_LABELS[kind],
        "group": selectors.GROUP_LABELS[kind],
        "views": views,
        "specs": [(s, presenters.short_name(s)) for s in board.specs],
        "speakers": [(v, _speaker_reason(board, v.card)) for v in views if v.card.speaker],
        "speaker_basis": selectors.speaker_basis(board),
        "topic_lead": selectors.topic_lead(month=board.month) if board.catalogue.speakers.include_topic_lead else None,
        "city": selectors.city_rankings(month=board.month) if kind == "street" else [],
        "has_demo": presenters.has_demo(board),
        "has_samples": bool(samples),
        "small_samples": [v for v in views if v.small_samples],
        "previous": previous_month(board.month),
        "next": _next(board.month),
        "can_compute": request.user.role in PUBLISH_ROLES,
        "platform": selectors.platform_status(month=board.month),
    }
    return render(request, "indicators/board.html", context)


def _speaker_reason(board, card) -> str:
    basis = board.catalogue.speakers.basis
    if basis == "overall":
        return f"综合排位第{card.overall_rank}位（共{len(board.cards)}个）"
    line = next(ln for ln in card.lines if ln.spec.code == basis)
    return f"{line.spec.name}{line.spec.shown(line.place.value)}，第{line.place.rank}位（共{line.place.of}个）"


def _next(month: dt.date) -> dt.date | None:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following if following <= timezone.localdate().replace(day=1) else None


def _may_view_unit(user, unit: Unit) -> bool:
    if user.role in ANALYSIS_ROLES:
        return True
    return user.role in UNIT_ROLES and user.unit_id == unit.pk


@login_required
def unit_page(request, month: str, code: str):
    unit = get_object_or_404(Unit, code=code)
    if not _may_view_unit(request.user, unit):
        return _forbidden(request, f"您的角色（{request.user.get_role_display()}）只能查看本单位的评分卡")
    try:
        board, card = selectors.unit_card(month=parse_month(month), unit=unit)
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(request, "indicators/unit.html", {"error": exc.message, "unit": unit}, status=400)
    samples = selectors.board_samples(month=board.month, unit_ids=[unit.pk]).get(unit.pk, {})
    view = presenters.card_view(card, month=board.month, of=len(board.cards), samples=samples)
    catalogue = board.catalogue
    context = {
        "board": board,
        "month": board.month,
        "unit": unit,
        "view": view,
        "card": card,
        "group": selectors.GROUP_LABELS[board.kind],
        "can_comment": request.user.role in services.COMMENT_ROLES,
        "default_due": services.default_due(catalogue_days=catalogue.follow_up_workdays),
        "today": timezone.localdate(),
        "has_demo": any(ln.demo for ln in card.lines),
    }
    for c in card.follow_ups + card.comments:
        c.can_report = c.status not in ("done", "done_late") and services.may_report(request.user, unit_id=c.unit_id)
    return render(request, "indicators/unit.html", context)


@require_POST
@role_required(*PUBLISH_ROLES)
def record_comment(request, month: str, code: str):
    unit = get_object_or_404(Unit, code=code)
    url = reverse("indicators:unit", args=[month, code])
    try:
        due_text = (request.POST.get("due") or "").strip()
        try:
            due = dt.date.fromisoformat(due_text) if due_text else None
        except ValueError:
            raise InvalidInput(f"完成期限“{due_text}”不是有效日期（YYYY-MM-DD）", code="bad_due") from None
        comment = services.record_comment(
            month=parse_month(month),
            unit=unit,
            text=request.POST.get("text", ""),
            requirement=request.POST.get("requirement", ""),
            speaker=request.POST.get("speaker", ""),
            due=due,
            user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{url}#comment-form")
    messages.success(request, f"已记录对{unit.name}的点评意见，并生成跟进事项（期限 {comment.due:%Y-%m-%d}）")
    return redirect(f"{url}#comments")


@require_POST
@login_required
def report_progress(request, comment_id: int):
    comment = get_object_or_404(ReviewComment.objects.select_related("unit"), pk=comment_id)
    back = request.POST.get("back") or f"{comment.month:%Y-%m}"
    url = reverse("indicators:unit", args=[back, comment.unit.code])
    try:
        parse_month(back)
        services.report_follow_up(
            comment_id=comment.pk, text=request.POST.get("text", ""), done=bool(request.POST.get("done")),
            user=request.user,
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{url}#follow-ups")
    messages.success(request, "已记录落实情况" + ("，事项已办结" if request.POST.get("done") else ""))
    return redirect(f"{url}#follow-ups")


@require_POST
@role_required(*PUBLISH_ROLES)
def compute(request, month: str):
    try:
        month_date = parse_month(month)
        stored = services.refresh_platform_values(month=month_date)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("indicators:index")
    messages.success(
        request, f"已重新计算{month_date.year}年{month_date.month}月平台指标（{sum(stored.values())}个数值）"
    )
    return redirect("indicators:board", month=f"{month_date:%Y-%m}")
