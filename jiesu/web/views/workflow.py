"""The 提级响应 queue and the 吹哨报到 page (the called unit's calls to report to, and 报到率 /
到场率 per unit)."""

import datetime as dt

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.common.months import next_month, parse_month, previous_month
from jiesu.org.models import Role
from jiesu.web import queues
from jiesu.web.countdown import countdown
from jiesu.web.roles import role_required
from jiesu.workorders import selectors as wo_selectors
from jiesu.workorders.models import OPEN_STATES, Level, WhistleCall

ALL_ROLES = [r for r in Role.values if r != Role.AGENT]


@role_required(*ALL_ROLES)
def escalations(request):
    """Escalated orders (提级响应): open ones first by deadline; filter by level, search."""
    level = request.GET.get("level", "")
    scope = request.GET.get("scope", "open")
    q = request.GET.get("q", "").strip()[:60]
    orders = wo_selectors.visible_orders(user=request.user).exclude(level="")
    if level in Level.values:
        orders = orders.filter(level=level)
    if scope == "open":
        orders = orders.filter(state__in=OPEN_STATES)
    orders = queues.search(orders, q).select_related("lead_unit", "coordinator_unit").order_by("handling_due", "pk")
    page_no = request.GET.get("page", "1")
    page = queues.paginate(orders, page=int(page_no) if page_no.isdigit() else 1)
    rows = [{"order": o, "countdown": countdown(due=o.handling_due, done=o.resolved_at)} for o in page.object_list]
    query = "&".join(f"{k}={v}" for k, v in (("level", level), ("scope", scope), ("q", q)) if v)
    return render(
        request,
        "web/escalations.html",
        {
            "rows": rows,
            "page": page,
            "levels": Level.choices[1:],
            "level": level,
            "scope": scope,
            "q": q,
            "query": query,
        },
    )


def _month(raw: str) -> dt.date:
    try:
        return parse_month(raw)
    except InvalidInput:
        return timezone.localdate().replace(day=1)


@role_required(*ALL_ROLES)
def whistle(request):
    """The unit's calls (报到 within the limit) and the month's 报到率 / 到场率 per called unit."""
    month = _month(request.GET.get("month", ""))
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(next_month(month), dt.time.min))
    now = timezone.now()
    calls = []
    if request.user.unit_id:
        mine = WhistleCall.objects.filter(unit_id=request.user.unit_id).select_related("order", "order__lead_unit")
        mine = mine.filter(Q(reported_at__isnull=True, report_due__gte=now) | Q(called_at__gte=start))
        for call in mine.order_by("report_due")[:100]:
            calls.append({"call": call, "countdown": countdown(due=call.report_due, done=call.reported_at)})
    return render(
        request,
        "web/whistle.html",
        {
            "calls": calls,
            "rates": wo_selectors.whistle_rates(start=start, end=end),
            "month": month,
            "previous": previous_month(month),
            "next": next_month(month),
            "now": now,
        },
    )
