"""The grid worker's mobile page (390 px first): my grids' open orders with 到场 check-in, report
a problem with photos and location, my minor findings to close (自发现自处置)."""

import datetime as dt

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from jiesu.common.errors import DomainError, InvalidInput
from jiesu.grids import field_services, maplayers, selectors, verification
from jiesu.grids.models import ReportKind
from jiesu.org.access import role_required
from jiesu.org.models import Role
from jiesu.workorders import services as orders
from jiesu.workorders.verification import RESULTS


def _float(data, name: str) -> float | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput("定位数据格式不正确", code="invalid_number") from None


def _context(request, **extra):
    grids = list(selectors.grids_of_worker(user=request.user))
    return {
        "grids": grids,
        "orders": selectors.orders_in_grids(grids=grids) if grids else [],
        "findings": selectors.open_findings(user=request.user),
        "recent": selectors.recent_reports(user=request.user, limit=10),
        "kinds": ReportKind.choices,
        "to_verify": [
            (o, dt.datetime.fromisoformat(o.pending_verification["due"]))
            for o in verification.pending_for(user=request.user)
        ],
        "results": list(RESULTS.items()),
        **extra,
    }


@role_required(Role.GRID_WORKER)
def mobile(request):
    return render(request, "grids/mobile.html", _context(request))


@require_POST
@role_required(Role.GRID_WORKER)
def submit_report(request):
    data = request.POST
    try:
        finding = field_services.report(
            user=request.user,
            description=data.get("description", ""),
            files=request.FILES.getlist("photos"),
            lat=_float(data, "lat"),
            lng=_float(data, "lng"),
            kind=data.get("kind") or ReportKind.REPORT,
            address=data.get("address", ""),
        )
    except DomainError as error:
        context = _context(request, error=error.message, data=data)
        return render(request, "grids/mobile.html", context, status=400)
    if finding.order_id:
        messages.success(request, f"已上报，生成工单 {finding.order.number}")
    else:
        messages.success(request, "已记录自发现问题，处置完成后请上传处置照片")
    return redirect("grids:mobile")


@require_POST
@role_required(Role.GRID_WORKER)
def close_finding(request, report_id: int):
    try:
        field_services.close_finding(
            user=request.user,
            report_id=report_id,
            note=request.POST.get("note", ""),
            files=request.FILES.getlist("photos"),
        )
    except DomainError as error:
        return render(request, "grids/mobile.html", _context(request, error=error.message), status=400)
    messages.success(request, "已处置完成（自发现自处置）")
    return redirect("grids:mobile")


@require_POST
@role_required(Role.GRID_WORKER)
def check_in(request, order_id: int):
    try:
        visit = field_services.check_in(
            user=request.user, order_id=order_id, lat=_float(request.POST, "lat"), lng=_float(request.POST, "lng")
        )
    except DomainError as error:
        return render(request, "grids/mobile.html", _context(request, error=error.message), status=400)
    far = f"，距诉求位置约{visit.distance_m}米" if visit.distance_m is not None else ""
    messages.success(request, f"已到场签到（{visit.at:%H:%M}{far}）")
    return redirect("grids:mobile")


@require_POST
@role_required(Role.GRID_WORKER)
def answer_verification(request, order_id: int):
    """The answer form of 待先行核实 on the mobile page (the order action `verify`)."""
    try:
        orders.verify(
            user=request.user,
            order_id=order_id,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        return render(request, "grids/mobile.html", _context(request, error=error.message), status=error.status)
    messages.success(request, "已反馈核实结果")
    return redirect("grids:mobile")


@cache_control(max_age=60)
def map_layers(request):
    """District, street and grid layers for every map (public: boundaries only, no orders)."""
    return JsonResponse(maplayers.all_layers(), json_dumps_params={"ensure_ascii": False})
