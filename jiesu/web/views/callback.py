"""The callback desk: the 回访 work queue (due first, search, filters by answer, paging) with its
form on each row, and the 重办 queue of 未解决 / 不满意 answers. A refused answer is shown on the
same page, on its row, with what was entered."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from jiesu.common.errors import DomainError, InvalidInput
from jiesu.org.models import Role
from jiesu.web import forms, queues
from jiesu.web.roles import role_required
from jiesu.workorders import selectors as wo_selectors
from jiesu.workorders import services
from jiesu.workorders.models import Satisfaction, WorkOrder
from jiesu.workorders.selectors import requester_for

DESK_ROLES = (Role.CALLBACK_AGENT, Role.DISPATCHER, Role.ADMIN)


def _filters(data: QueryDict, tabs: dict) -> queues.QueueFilters:
    tab = data.get("tab", "")
    when = data.get("when", "")
    result = data.get("result", "")
    page = data.get("page", "1")
    return queues.QueueFilters(
        tab=tab if tab in tabs else next(iter(tabs)),
        when=when if when in queues.CALLBACK_WHEN else "",
        result=result if result in queues.RESULTS or result == "repeat" else "",
        q=data.get("q", "").strip()[:60],
        page=int(page) if page.isdigit() else 1,
    )


def _query(filters: queues.QueueFilters, **changes) -> str:
    values = {"tab": filters.tab, "when": filters.when, "result": filters.result, "q": filters.q, **changes}
    return urlencode({k: v for k, v in values.items() if v})


@role_required(*DESK_ROLES)
def callback_queue(request, *, error: DomainError | None = None, failed_id: int | None = None):
    filters = _filters(request.GET, queues.CALLBACK_TABS)
    page = queues.paginate(queues.callback_orders(filters=filters), page=filters.page)
    rows = []
    for order in page.object_list:
        name, phone = requester_for(user=request.user, order=order, channel=request.path)  # masked per role
        rows.append(
            {
                "order": order,
                "name": name,
                "phone": phone,
                "due": queues.callback_due(order),
                "error": error if order.pk == failed_id else None,
            }
        )
    context = {
        "rows": rows,
        "page": page,
        "filters": filters,
        "tabs": queues.CALLBACK_TABS,
        "whens": queues.CALLBACK_WHEN,
        "results": queues.RESULTS,
        "counts": queues.callback_counts(),
        "query": _query(filters),
        "satisfactions": Satisfaction.choices,
        "posted": request.POST if failed_id else None,
        "failed_id": failed_id,
        "due_days": queues.callback_due_days(),
    }
    return render(request, "web/callback.html", context)


@require_POST
@role_required(*DESK_ROLES)
def record_callback(request, order_id: int):
    """Save one row's answers; a refusal re-renders the queue with the message on that row."""
    back = f"/callback/?{request.POST.get('query', '')}"
    try:
        order = wo_selectors.get_order(user=request.user, order_id=order_id)
        arguments = forms.action_arguments("callback", request.POST)
        saved = services.callback(user=request.user, order_id=order.pk, **arguments)
    except InvalidInput as error:
        request.GET = QueryDict(request.POST.get("query", ""))
        return callback_queue(request, error=error, failed_id=order_id)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, f"回访已记录：{saved.number} {_answer(saved)}")
    if _needs_redo(saved):
        messages.warning(request, f"{saved.number} 回访{_answer(saved)}，已转入重办队列")
    return redirect(back)


def _answer(order: WorkOrder) -> str:
    if order.solved is None:
        return "未联系上"
    return f"{'已解决' if order.solved else '未解决'} · {order.get_satisfaction_display()}"


def _needs_redo(order: WorkOrder) -> bool:
    from jiesu.workorders.state_machine import needs_redo

    return order.solved is not None and needs_redo(order)


@role_required(*DESK_ROLES)
def redo_queue(request):
    filters = _filters(request.GET, queues.REDO_TABS)
    page = queues.paginate(queues.redo_orders(filters=filters), page=filters.page)
    rows = []
    for order in page.object_list:
        name, phone = requester_for(user=request.user, order=order, channel=request.path)
        rows.append({"order": order, "name": name, "phone": phone})
    return render(
        request,
        "web/redo.html",
        {
            "rows": rows,
            "page": page,
            "filters": filters,
            "tabs": queues.REDO_TABS,
            "results": {"unsolved": "未解决", "dissatisfied": "不满意", "repeat": "重复不满意"},
            "query": _query(filters),
        },
    )


@require_POST
@role_required(*DESK_ROLES)
def redo(request, order_id: int):
    """重办 (back to the unit with a new deadline) or 归档 (the centre decides it is done)."""
    back = f"/redo/?{request.POST.get('query', '')}"
    decision = forms.text(request.POST, "decision")
    try:
        order = wo_selectors.get_order(user=request.user, order_id=order_id)
        if decision == "close":
            services.close(user=request.user, order_id=order.pk, note=forms.text(request.POST, "reason"))
            messages.success(request, f"{order.number} 已归档")
        else:
            done = services.reopen(user=request.user, order_id=order.pk, reason=forms.text(request.POST, "reason"))
            due = forms.local_text(done.handling_due)
            unit = order.lead_unit.name if order.lead_unit_id else ""
            messages.success(request, f"{done.number} 已退回{unit}重办，新的办理期限 {due}，已通知承办单位")
    except DomainError as error:
        messages.error(request, f"{error.message}（工单 {order_id}）")
    return redirect(back)
