"""Pages of the insights app: the monthly topic (每月一题)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiesu.common.errors import DomainError
from jiesu.insights import selectors
from jiesu.insights.access import ANALYSIS_ROLES, PUBLISH_ROLES, role_required
from jiesu.insights.services import compute_monthly_topic
from jiesu.insights.topic import parse_month, previous_month


@role_required(*ANALYSIS_ROLES)
def index(request):
    months = selectors.topic_months()
    if months:
        return redirect("insights:topic", month=f"{months[0]:%Y-%m}")
    default = previous_month(timezone.localdate())
    return render(request, "insights/topic.html", {"month": default, "months": [], "can_compute": _can(request)})


@role_required(*ANALYSIS_ROLES)
def topic(request, month: str):
    try:
        month_date = parse_month(month)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("insights:index")
    candidates = list(selectors.topic_candidates(month=month_date))
    context = {
        "month": month_date,
        "months": selectors.topic_months(),
        "topic": selectors.monthly_topic(month=month_date),
        "absolute": [t for t in candidates if t.basis == "absolute"],
        "relative": [t for t in candidates if t.basis == "relative"],
        "computed": bool(candidates) or month_date in selectors.topic_months(),
        "can_compute": _can(request),
    }
    return render(request, "insights/topic.html", context)


@require_POST
@role_required(*PUBLISH_ROLES)
def compute(request):
    try:
        month = parse_month(request.POST.get("month", ""))
        rows = compute_monthly_topic(month=month)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("insights:index")
    if rows:
        messages.success(request, f"已计算{month:%Y年%m月}每月一题，共{len(rows)}个候选")
    else:
        messages.warning(request, f"{month:%Y年%m月}没有达到最小诉求量且环比增长的类别")
    return redirect("insights:topic", month=f"{month:%Y-%m}")


def _can(request) -> bool:
    return request.user.role in PUBLISH_ROLES
