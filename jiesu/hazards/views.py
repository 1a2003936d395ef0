"""企安安 pages: figures per street/grid/industry and the hazards list; a hazard with its history
and the actions the user may take now (报告整改完成, 复查)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jiesu.common.errors import DomainError
from jiesu.hazards import selectors, services
from jiesu.hazards.lifecycle import TABLE
from jiesu.hazards.models import Enterprise, Hazard, HazardLevel, HazardState
from jiesu.org.access import role_required
from jiesu.org.models import Role

VIEW_ROLES = selectors.VIEW_ROLES


@role_required(*VIEW_ROLES)
def index(request):
    by = request.GET.get("by") if request.GET.get("by") in selectors.GROUPS else "street"
    state = request.GET.get("state") if request.GET.get("state") in HazardState.values else None
    overdue = True if request.GET.get("overdue") == "1" else None
    # 只看我的网格: a grid worker's own grids; other roles have no grids, the box is not offered.
    mine = request.user.role == Role.GRID_WORKER and request.GET.get("mine") == "1"
    rows = selectors.hazards(state=state, overdue=overdue, worker=request.user if mine else None)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "hazards/index.html",
        {
            "by": by,
            "group_label": selectors.GROUPS[by][1],
            "groups": {k: v[1] for k, v in selectors.GROUPS.items()},
            "figures": selectors.figures(by=by),
            "page": page,
            "state": state,
            "overdue": overdue,
            "mine": mine,
            "can_filter_mine": request.user.role == Role.GRID_WORKER,
            "states": HazardState.choices,
            "enterprises": Enterprise.objects.count(),
            "demo": Enterprise.objects.filter(is_demo=True).exists(),
        },
    )


@role_required(*VIEW_ROLES)
def detail(request, hazard_id: int):
    hazard = get_object_or_404(Hazard.objects.select_related("enterprise__street", "finding__inspection"), pk=hazard_id)
    allowed = [t for t in TABLE.allowed(user=request.user, record=hazard) if t.roles]
    labels = {name: t.label for name, t in TABLE.table().items()}
    return render(
        request,
        "hazards/detail.html",
        {
            "hazard": hazard,
            "events": [
                (e, labels.get(e.action, e.action)) for e in hazard.events.select_related("actor").order_by("seq")
            ],
            "actions": allowed,
            "states": dict(HazardState.choices),
        },
    )


@require_POST
@role_required(*VIEW_ROLES)
def act(request, hazard_id: int, action: str):
    data = request.POST
    try:
        if action == "rectified":
            services.report_rectified(user=request.user, hazard_id=hazard_id, note=data.get("note", ""))
        elif action in ("reinspect_pass", "reinspect_fail"):
            services.reinspect(
                user=request.user,
                hazard_id=hazard_id,
                passed=action == "reinspect_pass",
                note=data.get("note", ""),
                files=request.FILES.getlist("photos"),
            )
        else:
            messages.error(request, f"未知操作：{action}")
            return redirect("hazards:detail", hazard_id=hazard_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已保存")
    return redirect("hazards:detail", hazard_id=hazard_id)


INSPECT_ROLES = sorted(TABLE.get("create").roles)


@role_required(*INSPECT_ROLES)
def inspect(request):
    """排查登记: pick an enterprise (a grid worker's own grids first), a checklist in force for its
    industry, answer every item; failed items become hazards with their deadlines."""
    enterprise = Enterprise.objects.filter(pk=request.GET.get("enterprise") or 0).select_related("street").first()
    if enterprise is None:
        q = (request.GET.get("q") or "").strip()
        rows = selectors.enterprises(q=q, user=request.user)
        return render(request, "hazards/inspect.html", {"enterprises": rows[:50], "q": q})
    checklists = selectors.applicable_checklists(enterprise=enterprise)
    chosen = next(
        (c for c in checklists if c.code == request.GET.get("checklist")), checklists[0] if checklists else None
    )
    data = request.POST if request.method == "POST" else {}
    context = {
        "enterprise": enterprise,
        "checklists": checklists,
        "checklist": chosen,
        "levels": HazardLevel.choices,
        # One card per item, with what was posted (a refused form keeps every answer).
        "rows": [
            {
                "item": item,
                "passed": data.get(f"pass_{item['code']}", "1") != "0",
                "note": data.get(f"note_{item['code']}", ""),
                "level": data.get(f"level_{item['code']}", ""),
            }
            for item in (chosen.items if chosen else [])
        ],
        "note": data.get("note", ""),
    }
    if request.method == "POST" and chosen is not None:
        results = [
            services.ItemResult(
                item=item["code"],
                passed=data.get(f"pass_{item['code']}") == "1",
                note=data.get(f"note_{item['code']}", ""),
                level=data.get(f"level_{item['code']}") or None,
            )
            for item in chosen.items
            if data.get(f"pass_{item['code']}") in ("0", "1")
        ]
        try:
            inspection = services.inspect(
                user=request.user,
                enterprise_id=enterprise.pk,
                checklist=chosen.code,
                results=results,
                files=request.FILES.getlist("photos"),
                note=data.get("note", ""),
            )
        except DomainError as error:
            context.update(error=error.message)
            return render(request, "hazards/inspect.html", context, status=400)
        found = inspection.findings.filter(passed=False).count()
        messages.success(request, f"已登记排查：{enterprise.name}，发现隐患 {found} 项")
        # A grid worker goes on to the next enterprise (the list is made for the phone too).
        return redirect("hazards:inspect" if request.user.role == Role.GRID_WORKER else "hazards:index")
    return render(request, "hazards/inspect.html", context)
