"""The order list (filters, keyset pages), the order page (timeline, action buttons), the action
endpoint every button posts to, and the agent's edit form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiesu.common.errors import DomainError, InvalidInput, NotFound
from jiesu.grids import selectors as grid_selectors
from jiesu.org.models import Role
from jiesu.org.selectors import handling_units, local_units
from jiesu.web import forms, integrations, selectors
from jiesu.web.countdown import countdown
from jiesu.web.roles import role_required
from jiesu.web.views.common import error_page, safe_next
from jiesu.workorders import files, services, state_machine
from jiesu.workorders import selectors as wo_selectors
from jiesu.workorders.models import Category, JointHandling, Level, State, Urgency, WhistleCall

# Actions the order page offers as forms; "create" and "edit" have their own pages.
PAGE_ACTIONS = set(services.ACTIONS)


def _filters(request) -> selectors.ListFilters:
    get = request.GET
    overdue = {"1": True, "0": False}.get(get.get("overdue", ""))
    state = get.get("state", "")
    return selectors.ListFilters(
        state=state if state in State.values or state == "open" else "",
        near_deadline=get.get("due") == "24h",
        unit_id=int(get["unit"]) if get.get("unit", "").isdigit() else None,
        street_id=int(get["street"]) if get.get("street", "").isdigit() else None,
        category_code=get.get("category", "").strip()[:16],
        overdue=overdue,
        received_from=forms.date(get.get("from")),
        received_to=forms.date(get.get("to")),
        number=get.get("number", "").strip()[:32],
        level=get.get("level", "") if get.get("level", "") in Level.values else "",
    )


@login_required
def order_list(request):
    filters = _filters(request)
    page = selectors.keyset_page(
        selectors.filtered_orders(user=request.user, filters=filters), cursor=request.GET.get("after", "")
    )
    for row in page.rows:
        row["countdown"] = countdown(due=row["handling_due"], done=row["resolved_at"])
        row["state_label"] = State(row["state"]).label
        row["level_label"] = Level(row["level"]).label if row["level"] else ""
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "web/order_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "states": State.choices,
            "levels": Level.choices[1:],
            "streets": local_units(),
            "units": handling_units() if not request.user.is_unit_scoped else [],
            "categories": Category.objects.filter(level=1),
        },
    )


def _order_or_error(request, order_id: int):
    try:
        return wo_selectors.get_order(user=request.user, order_id=order_id), None
    except NotFound as error:
        return None, error_page(request, error)


@login_required
def order_detail(request, order_id: int, *, error: DomainError | None = None, status: int = 200):
    order, failure = _order_or_error(request, order_id)
    if failure:
        return failure
    personal = wo_selectors.personal_view(user=request.user, order=order, channel=request.path)
    events = wo_selectors.events_of(order=order)
    created = next((e for e in events if e.action == "create"), None)
    anonymous = (created.payload or {}).get("anonymous_reason", "") if created else ""
    allowed = [t for t in state_machine.allowed_actions(user=request.user, order=order) if t.action in PAGE_ACTIONS]
    calls = list(WhistleCall.objects.filter(order=order).select_related("unit").order_by("called_at", "unit__name"))
    mine = next((c for c in calls if c.unit_id == request.user.unit_id), None)
    if mine is not None:  # 报到 once, then the contribution
        skip = "report_in" if mine.reported_at else "contribute"
        allowed = [t for t in allowed if t.action != skip]
    if request.user.role in (Role.AGENT, Role.DISPATCHER, Role.ADMIN) and order.state == State.RECEIVED:
        can_edit = True
    else:
        can_edit = False
    return render(
        request,
        "web/order_detail.html",
        {
            "order": order,
            "requester_name": personal["requester_name"],
            "requester_phone": personal["requester_phone"],
            "personal": personal,
            "events": events,
            "anonymous_reason": anonymous,
            "actions": allowed,
            "action_names": {t.action for t in allowed},
            "can_edit": can_edit,
            "countdown": countdown(due=order.handling_due, done=order.resolved_at),
            "response_countdown": countdown(due=order.response_due, done=order.responded_at),
            "units": handling_units(),
            "assisting": order.assisting_units.all(),
            "error": error,
            "categories": wo_selectors.category_choices(),
            "grid_box": grid_selectors.order_box(order=order, user=request.user),
            "files": _files(order),
            "file_purposes": files.PURPOSES,
            "whistle_calls": calls,
            "my_call": mine,
            "joint_handlings": JointHandling.objects.filter(order=order).prefetch_related("participants"),
            "coordinators": [u for u in handling_units() if u.kind == "department"],
            "picker_units": picker_units(),
            "next_level": _next_level_label(order),
            "now": timezone.now(),
        },
        status=status,
    )


def _files(order) -> list:
    """The order's attachments, then the photos of the grid report it came from."""
    from jiesu.attachments.selectors import for_owner

    rows = list(for_owner(order))
    report = getattr(order, "grid_report", None) if order.channel == "grid" else None
    if report is not None:
        rows += list(for_owner(report))
    return [a for a in rows if not a.is_deleted]


@require_POST
@login_required
def order_attachments(request, order_id: int):
    """Upload photos or reply documents to an order (all checked before any is stored)."""
    try:
        stored = files.add_attachments(
            user=request.user,
            order_id=order_id,
            uploads=request.FILES.getlist("file"),
            purpose=request.POST.get("purpose") or "photo",
        )
    except NotFound as error:
        return error_page(request, error)
    except DomainError as error:
        return order_detail(request, order_id, error=error, status=400)
    messages.success(request, f"已上传附件 {len(stored)} 个")
    return redirect("web:order", order_id=order_id)


_KIND_ORDER = {"street": 0, "town": 1, "department": 2, "enterprise": 3}


def picker_units() -> list:
    """The handling units grouped by kind (街道, 镇, 区直部门, 公共服务企业) for the unit picker."""
    return sorted(handling_units(), key=lambda u: (_KIND_ORDER.get(u.kind, 9), u.sort_order, u.code))


def _next_level_label(order) -> str:
    from jiesu.workorders.models import LEVEL_ORDER
    from jiesu.workorders.services import base_level

    current = order.level or base_level(order.lead_unit.kind if order.lead_unit_id else None)
    position = LEVEL_ORDER.index(current)
    return LEVEL_ORDER[position + 1].label if position + 1 < len(LEVEL_ORDER) else ""


def _master_id(request) -> int:
    """The order to merge into, by number, among the orders the user may see."""
    number = forms.text(request.POST, "master")
    if not number:
        raise InvalidInput("请填写主工单编号", code="required", details={"field": "master"})
    found = wo_selectors.visible_orders(user=request.user).filter(number=number).values_list("pk", flat=True).first()
    if found is None:
        raise InvalidInput(f"主工单 {number} 不存在", code="master_not_found", details={"field": "master"})
    return found


def _server_decision(order, arguments: dict) -> dict:
    """The dispatch decision as the server knows it: "recommendation" only when the chosen unit is
    the stored proposal's, with the proposal's own confidence (never a number from the browser)."""
    decision = dict(arguments.get("decision") or {"method": "manual"})
    decision.pop("confidence", None)
    if decision.get("method") == "recommendation":
        proposal = integrations.recommend(order=order, compute=False)
        if proposal is None or proposal.unit_id != arguments["lead_unit"].pk:
            return {"method": "manual"}
        decision["confidence"] = proposal.confidence
    return decision


@require_POST
@login_required
def order_action(request, order_id: int, action: str):
    """Every button posts here. Refusals answer before anything is read from the form: an order
    the user cannot see is 404, a role that may not act is 403, a state that does not allow the
    action is 409 — the same checks the service makes again under lock."""
    if action not in PAGE_ACTIONS:
        return error_page(request, NotFound(f"未知操作：{action}", code="unknown_action"))
    order, failure = _order_or_error(request, order_id)
    if failure:
        return failure
    transition = state_machine.get(action)
    try:
        state_machine.check_role(transition, request.user, order)
        state_machine.check_state(transition, order)
        if action == "merge":
            arguments = {"master_id": _master_id(request), "reason": forms.text(request.POST, "reason")}
        else:
            arguments = forms.action_arguments(action, request.POST)
        if action == "dispatch":
            arguments["decision"] = _server_decision(order, arguments)
        services.ACTIONS[action](user=request.user, order_id=order.pk, **arguments)
    except NotFound as error:
        return error_page(request, error)
    except DomainError as error:
        # The order page again, the message on top: the user keeps the way back and the context.
        return order_detail(request, order_id, error=error, status=error.status)
    messages.success(request, _done_message(action, order.pk))
    return redirect(safe_next(request, reverse("web:order", args=[order.pk])))


def _done_message(action: str, order_id: int) -> str:
    """What the button did, in the user's words (派单至…, 已报到 …)."""
    from jiesu.workorders.models import WorkOrder

    order = WorkOrder.objects.select_related("lead_unit", "coordinator_unit").get(pk=order_id)
    label = state_machine.get(action).label
    if action in ("dispatch", "redispatch", "rule_dispute") and order.lead_unit_id:
        return f"{order.number} 已派单至{order.lead_unit.name}，办理期限 {forms.local_text(order.handling_due)}"
    if action == "escalate":
        return (
            f"{order.number} 已提级至{order.level_label}，由{getattr(order.coordinator_unit, 'name', '—')}统筹，"
            f"新的办理期限 {forms.local_text(order.handling_due)}"
        )
    if action in ("approve_check", "approve_to_spot_check"):
        return f"{order.number} 核查通过，" + ("已转指挥部抽查" if order.state == "spot_check" else "已办结")
    return f"{order.number} 已{label}（当前状态：{order.get_state_display()}）"


@role_required(Role.AGENT, Role.DISPATCHER, Role.ADMIN)
def order_edit(request, order_id: int):
    order, failure = _order_or_error(request, order_id)
    if failure:
        return failure
    error = None
    try:
        state_machine.check_state(state_machine.get("edit"), order)
    except DomainError as refusal:
        return error_page(request, refusal)
    if request.method == "POST":
        data = request.POST
        try:
            services.edit_order(
                user=request.user,
                order_id=order.pk,
                title=forms.text(data, "title"),
                content=forms.text(data, "content"),
                address=forms.text(data, "address"),
                requester_name=forms.text(data, "requester_name"),
                requester_phone=forms.text(data, "requester_phone"),
                urgency=forms.text(data, "urgency") or None,
                category=forms.category(data),
                street=forms.unit(data, "street", "所属街镇", required=False),
            )
        except InvalidInput as error_:
            error = error_
        except DomainError as error_:
            return error_page(request, error_)
        else:
            return redirect(safe_next(request, reverse("web:order", args=[order.pk])))
    return render(
        request,
        "web/order_edit.html",
        {
            "order": order,
            "error": error,
            "data": request.POST if request.method == "POST" else None,
            "urgencies": Urgency.choices,
            "categories": wo_selectors.category_choices(),
            "streets": local_units(),
        },
        status=400 if error else 200,
    )
