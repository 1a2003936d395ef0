"""The dispatcher console: the queue (oldest first, with the recommendation), one-click and bulk
dispatch, returned orders and disputes, pending extensions, live counters."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from jiesu.common.errors import DomainError, InvalidInput
from jiesu.grids import selectors as grid_selectors
from jiesu.org.models import Role, Unit
from jiesu.org.selectors import handling_units
from jiesu.web import forms, integrations, selectors
from jiesu.web.countdown import countdown
from jiesu.web.roles import role_required
from jiesu.workorders import services

CONSOLE_ROLES = (Role.DISPATCHER, Role.ADMIN)
COMPUTE_PER_VIEW = 20
TABS = {"queue": "待派单", "disputes": "退单与争议", "extensions": "延期审批", "spot_checks": "待抽查"}


@role_required(*CONSOLE_ROLES)
def console(request):
    tab = request.GET.get("tab", "queue")
    tab = tab if tab in TABS else "queue"
    units = handling_units()
    context = {
        "tab": tab,
        "tabs": TABS,
        "units": units,
        # One <option> list rendered once and reused in every row: looping the template over
        # ~60 units × 100 rows costs more than the queries.
        "unit_options": format_html_join("", '<option value="{}">{}</option>', units.values_list("pk", "name")),
        "counters": selectors.counters(user=request.user),
    }
    if tab == "queue":
        queue = selectors.dispatch_queue()
        # Proposals not made at intake are computed here, a bounded number per view (each is
        # recorded by the dispatch app, so the next view reads them).
        rows = []
        for position, order in enumerate(queue):
            proposal = integrations.recommend(order=order, compute=position < COMPUTE_PER_VIEW)
            rows.append({"order": order, "recommendation": proposal})
        context["rows"] = rows
        context["map_points"] = grid_selectors.map_points(row["order"] for row in rows)
        context["recommender"] = any(row["recommendation"] for row in rows) or not rows
    elif tab == "disputes":
        context["disputes"] = selectors.disputes()
    elif tab == "spot_checks":
        context["spot_checks"] = selectors.spot_check_queue()
    else:
        context["extensions"] = [
            {"order": o, "countdown": countdown(due=o.handling_due)} for o in selectors.pending_extensions()
        ]
    return render(request, "web/console.html", context)


@role_required(*CONSOLE_ROLES)
def counters(request):
    """htmx fragment, polled every few seconds."""
    return render(request, "web/_counters.html", {"counters": selectors.counters(user=request.user)})


@require_POST
@role_required(*CONSOLE_ROLES)
def bulk_dispatch(request):
    """Dispatch the selected rows: each to the unit chosen for all, or else to its own
    recommendation. Each order is its own transaction; failures are listed, the rest go through."""
    ids = [int(v) for v in request.POST.getlist("order") if v.isdigit()]
    if not ids:
        messages.error(request, "请先勾选要派发的工单")
        return redirect("/console/")
    try:
        chosen = forms.unit(request.POST, "lead_unit", "主办单位", required=False)
    except InvalidInput as error:
        messages.error(request, error.message)
        return redirect("/console/")
    done, failed, per_unit = 0, [], {}
    for order in selectors.dispatch_queue(limit=1000):
        if order.pk not in ids:
            continue
        unit, decision = chosen, {"method": "manual_bulk"}
        if unit is None:
            proposal = integrations.recommend(order=order)
            if proposal is None or proposal.unit_id is None:
                failed.append(f"{order.number}：没有推荐单位，请选择主办单位")
                continue
            unit = proposal.unit_id
            decision = {"method": "recommendation_bulk", "confidence": proposal.confidence}
        try:
            dispatched = services.dispatch(user=request.user, order_id=order.pk, lead_unit=unit, decision=decision)
            done += 1
            per_unit[dispatched.lead_unit_id] = per_unit.get(dispatched.lead_unit_id, 0) + 1
        except DomainError as error:
            failed.append(f"{order.number}：{error.message}")
    if done:
        names = dict(Unit.objects.filter(pk__in=per_unit).values_list("pk", "name"))
        parts = "、".join(f"{names[pk]} {n} 件" for pk, n in sorted(per_unit.items(), key=lambda item: -item[1]))
        messages.success(request, f"已派发 {done} 件（{parts}）")
    for line in failed:
        messages.error(request, line)
    return redirect("/console/")
