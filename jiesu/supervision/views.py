"""Pages of the supervision engine (Chinese, for leaders, units and the public): the list with
its roll-ups (lagging items one click away), an item with its actions, the 主动治理清单, the
向群众报告工作 meetings, 指导帮扶, and the public progress page (no login, no personal data)."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiesu.assessment.models import WatchListEntry
from jiesu.common.errors import DomainError, InvalidInput
from jiesu.insights.models import MonthlyTopic
from jiesu.org.access import role_required
from jiesu.org.models import LOCAL_KINDS, Community, Role, Unit, UnitKind
from jiesu.supervision import access, assistance, effect, meetings, proactive, selectors, services
from jiesu.supervision.models import (
    Area,
    Evaluation,
    MeetingQuestion,
    ReportMeeting,
    Source,
    Status,
    SupervisionItem,
)
from jiesu.supervision.services import MilestoneSpec
from jiesu.workorders.models import Category

ALL_ROLES = tuple(Role.values)
PAGE_SIZE = 50
_HANDLING = (UnitKind.STREET, UnitKind.TOWN, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)


def _date(value: str, *, label: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label}须为日期（如 2026-06-30）", code="invalid_date") from None


def _handling_units():
    return Unit.objects.filter(is_active=True, kind__in=_HANDLING).order_by("sort_order", "code")


def _rows(items, day):
    return [{"item": i, "status": selectors.status_of(i, today=day), "next": selectors.next_step(i)} for i in items]


# ---------------------------------------------------------------- the list


@role_required(*ALL_ROLES)
def index(request):
    day = selectors.today()
    params = request.GET
    filters = {
        "source": params.get("source") or None,
        "area": params.get("area") or None,
        "unit": params.get("unit") or None,
        "status": params.get("status") or None,
        "q": (params.get("q") or "").strip() or None,
    }
    try:
        items = selectors.list_items(user=request.user, **filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("supervision:index")
    scope = access.visible_items(user=request.user)
    if filters["source"]:
        scope = scope.filter(source=filters["source"])
    figures = selectors.counts(items=scope, day=day)
    page = Paginator(items, PAGE_SIZE).get_page(params.get("page"))
    by = params.get("by") if params.get("by") in ("area", "unit", "leader") else "area"
    kept = {k: v for k, v in filters.items() if v and k != "status"}
    context = {
        "filters": filters,
        "figures": figures,
        "page": page,
        "rows": _rows(page.object_list, day),
        "rollups": selectors.rollups(items=scope, by=by, day=day),
        "by": by,
        "base_query": urlencode(kept),
        "page_query": urlencode({k: v for k, v in filters.items() if v}),
        "sources": Source.choices,
        "statuses": Status.choices,
        "areas": Area.objects.filter(source=filters["source"]) if filters["source"] else Area.objects.all(),
        "units": _handling_units(),
        "patches": selectors.leader_patches(items=scope, day=day) if not request.user.is_unit_scoped else [],
        "pool": selectors.livelihood_ranking(day=day) if filters["source"] == Source.LIVELIHOOD_PROJECT else [],
        "can_create": access.is_supervisor(request.user),
        "today": day,
    }
    return render(request, "supervision/index.html", context)


# ---------------------------------------------------------------- one item


@role_required(*ALL_ROLES)
def item(request, item_id: int):
    return _item_page(request, item_id)


def _item_page(request, item_id: int, *, error: str = "", status: int = 200):
    try:
        detail = selectors.item_detail(user=request.user, item_id=item_id)
    except DomainError as exc:
        raise Http404(exc.message) from None
    measured = effect.measure(detail.item) if detail.item.source == Source.PROACTIVE else None
    context = {
        "d": detail,
        "item": detail.item,
        "effect": measured,
        "units": _handling_units(),
        "watch": assistance.watch_status(detail.item),
        "issued": [h for h in detail.history if h.action == "issue_order"],
        "error": error,
    }
    return render(request, "supervision/item.html", context, status=status)


def _files(request):
    return request.FILES.getlist("files")


def _do(request, item_id: int, action: str):
    post, user = request.POST, request.user
    if action in ("report_progress", "report_completion"):
        milestone = post.get("milestone") or None
        services.report_progress(
            user=user,
            item_id=item_id,
            text=post.get("text", ""),
            value=post.get("value") or None,
            milestone_id=int(milestone) if milestone and milestone.isdigit() else None,
            completes_milestone=bool(post.get("completes_milestone")) and action == "report_progress",
            completes_item=action == "report_completion",
            files=_files(request),
        )
        return "已报送进展" if action == "report_progress" else "已报告完成，等待审核销号"
    if action == "add_milestone":
        services.add_milestone(
            user=user,
            item_id=item_id,
            title=post.get("title", ""),
            due_date=_date(post.get("due_date"), label="节点时限"),
            target_value=post.get("target_value") or None,
        )
        return "已增加节点"
    if action == "reschedule_milestone":
        services.reschedule_milestone(
            user=user,
            item_id=item_id,
            milestone_id=int(post.get("milestone") or 0),
            due_date=_date(post.get("due_date"), label="新时限"),
            reason=post.get("reason", ""),
        )
        return "已调整节点时限"
    if action == "assign":
        services.assign(
            user=user,
            item_id=item_id,
            lead_unit=post.get("lead_unit") or None,
            assisting_units=[u for u in post.getlist("assisting_units") if u],
            reason=post.get("reason", ""),
        )
        return "已确定责任单位"
    if action == "issue_order":
        _item, order_id = services.issue_order(
            user=user,
            item_id=item_id,
            lead_unit=post.get("lead_unit") or None,
            content=post.get("content", ""),
            address=post.get("address", ""),
        )
        return f"已派发未诉先办工单（编号 {order_id}）"
    if action == "delete_evidence":
        services.delete_evidence(
            user=user, item_id=item_id, attachment_id=int(post.get("attachment") or 0), reason=post.get("reason", "")
        )
        return "已删除佐证材料（保留删除记录）"
    simple = {
        "supervise": (services.supervise, "已督办"),
        "close": (services.close_item, "已销号"),
        "return_completion": (services.return_completion, "已退回完成报告"),
        "reopen": (services.reopen_item, "已恢复督办"),
    }
    if action in simple:
        func, done = simple[action]
        func(user=user, item_id=item_id, reason=post.get("reason", ""))
        return done
    if action == "set_public":
        services.set_public(user=user, item_id=item_id, is_public=post.get("is_public") == "1")
        return "已更新公开设置"
    raise InvalidInput(f"未知操作：{action}", code="unknown_action")


@require_POST
@role_required(*ALL_ROLES)
def act(request, item_id: int, action: str):
    try:
        selectors.item_detail(user=request.user, item_id=item_id)
    except DomainError as exc:
        raise Http404(exc.message) from None
    try:
        messages.success(request, _do(request, item_id, action))
    except DomainError as exc:
        if exc.status == 403:
            return _item_page(request, item_id, error=exc.message, status=403)
        messages.error(request, exc.message)
    return redirect("supervision:item", item_id=item_id)


@require_POST
@role_required(Role.DISPATCHER, Role.ADMIN, Role.DISTRICT_LEADER)
def create(request):
    post = request.POST
    try:
        milestones = []
        for title, due in zip(post.getlist("m_title"), post.getlist("m_due"), strict=False):
            if title.strip() or due.strip():
                milestones.append(MilestoneSpec(title=title, due_date=_date(due, label=f"节点“{title}”的时限")))
        source = post.get("source", "")
        kwargs = {
            "user": request.user,
            "title": post.get("title", ""),
            "description": post.get("description", ""),
            "lead_unit": post.get("lead_unit") or None,
            "start_date": _date(post.get("start_date"), label="开始日期"),
            "due_date": _date(post.get("due_date"), label="完成时限"),
            "milestones": milestones,
            "is_public": post.get("is_public") == "1",
        }
        if source == Source.PROACTIVE:
            origin = None
            if post.get("proposal"):
                origin, _suggested = proactive.origin_from_proposal(ref=post["proposal"])
            elif post.get("topic", "").isdigit():
                origin, _suggested = proactive.origin_from_monthly_topic(topic_id=int(post["topic"]))
            category = Category.objects.filter(pk=post.get("category") or 0).first()
            community = Community.objects.filter(pk=post.get("community") or 0).first()
            street = Unit.objects.filter(pk=post.get("street") or 0, kind__in=LOCAL_KINDS).first()
            if kwargs["start_date"] is None:
                raise InvalidInput("请填写开始日期（衡量治理成效的起点）", code="required")
            new = proactive.create_proactive(
                **kwargs, category=category, street=street, community=community, origin=origin
            )
        else:
            new = services.create_item(**kwargs, source=source)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(request.POST.get("back") or "supervision:index")
    messages.success(request, f"已立项：{new.number}")
    return redirect("supervision:item", item_id=new.pk)


# ---------------------------------------------------------------- 主动治理清单


@role_required(*ALL_ROLES)
def proactive_list(request):
    day = selectors.today()
    items = selectors.list_items(user=request.user, source=Source.PROACTIVE).select_related(
        "category", "street", "community"
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{**row, "effect": effect.measure(row["item"], today=day)} for row in _rows(page.object_list, day)]
    can_create = access.is_supervisor(request.user)
    chosen, error = None, ""
    if can_create and request.GET.get("proposal"):
        try:
            _origin, chosen = proactive.origin_from_proposal(ref=request.GET["proposal"])
        except DomainError as exc:
            error = exc.message
    context = {
        "rows": rows,
        "page": page,
        "can_create": can_create,
        "proposals": proactive.open_proposals() if can_create else [],
        "chosen": chosen,
        "proposal_error": error,
        "topics": MonthlyTopic.objects.filter(rank=1).select_related("category").order_by("-month")[:12],
        "categories": Category.objects.filter(level__lte=2, is_active=True).order_by("code"),
        "streets": Unit.objects.filter(kind__in=LOCAL_KINDS, is_active=True).order_by("sort_order", "code"),
        "units": _handling_units(),
    }
    return render(request, "supervision/proactive.html", context)


# ---------------------------------------------------------------- 指导帮扶


@role_required(*ALL_ROLES)
def assistance_page(request):
    day = selectors.today()
    items = selectors.list_items(user=request.user, source=Source.ASSISTANCE)
    planned = set(items.values_list("origin_id", flat=True))
    staying = WatchListEntry.objects.filter(exited_month__isnull=True).select_related("unit").order_by("-entered_month")
    context = {
        "rows": _rows(items, day),
        "watch": [(e, str(e.pk) in planned) for e in staying],
        "can_create": access.is_supervisor(request.user),
    }
    return render(request, "supervision/assistance.html", context)


@require_POST
@role_required(Role.DISPATCHER, Role.ADMIN, Role.DISTRICT_LEADER)
def assistance_create(request):
    try:
        new = assistance.open_assistance(
            user=request.user,
            watch_entry_id=int(request.POST.get("entry") or 0),
            plan=request.POST.get("plan", ""),
            start_date=_date(request.POST.get("start_date"), label="开始日期") or selectors.today(),
            due_date=_date(request.POST.get("due_date"), label="计划退出时间"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("supervision:assistance")
    messages.success(request, f"已制定帮扶计划：{new.number}")
    return redirect("supervision:item", item_id=new.pk)


# ---------------------------------------------------------------- 向群众报告工作


@role_required(*ALL_ROLES)
def meetings_page(request):
    figures = meetings.meeting_figures()
    selected = ReportMeeting.objects.filter(pk=request.GET.get("meeting") or 0).first()
    if selected is None and figures:
        selected = figures[0].meeting
    questions = MeetingQuestion.objects.filter(meeting=selected).select_related("order", "item") if selected else []
    context = {
        "figures": figures,
        "selected": selected,
        "questions": questions,
        "units": _handling_units(),
        "streets": Unit.objects.filter(kind__in=LOCAL_KINDS, is_active=True).order_by("sort_order", "code"),
        "evaluations": Evaluation.choices,
        "is_supervisor": access.is_supervisor(request.user),
        "totals": {
            "asked": sum(f.asked for f in figures),
            "collected": sum(f.collected for f in figures),
            "solved": sum(f.solved for f in figures),
        },
    }
    return render(request, "supervision/meetings.html", context)


@require_POST
@role_required(*ALL_ROLES)
def meeting_act(request, action: str):
    post, user = request.POST, request.user
    back = f"/supervision/meetings/?meeting={post.get('meeting', '')}"
    try:
        if action == "create":
            meeting = meetings.create_meeting(
                user=user,
                title=post.get("title", ""),
                held_on=_date(post.get("held_on"), label="日期"),
                street=Unit.objects.filter(pk=post.get("street") or 0).first(),
                attendance=int(post["attendance"]) if post.get("attendance", "").isdigit() else None,
                form=post.get("form", ""),
            )
            back = f"/supervision/meetings/?meeting={meeting.pk}"
        elif action == "collect":
            meetings.collect_question(
                user=user,
                meeting_id=int(post.get("meeting") or 0),
                kind=post.get("kind", ""),
                text=post.get("text", ""),
                asker_name=post.get("asker_name", ""),
                asker_phone=post.get("asker_phone", ""),
            )
        elif action == "to_order":
            meetings.question_to_order(
                user=user, question_id=int(post.get("question") or 0), lead_unit=post.get("lead_unit") or None
            )
        elif action == "to_item":
            meetings.question_to_item(
                user=user,
                question_id=int(post.get("question") or 0),
                lead_unit=post.get("lead_unit") or None,
                due_date=_date(post.get("due_date"), label="完成时限"),
            )
        elif action == "answer":
            meetings.answer_question(
                user=user, question_id=int(post.get("question") or 0), answer=post.get("answer", "")
            )
        elif action == "evaluate":
            meetings.evaluate_question(
                user=user, question_id=int(post.get("question") or 0), evaluation=post.get("evaluation", "")
            )
        else:
            raise InvalidInput(f"未知操作：{action}", code="unknown_action")
        messages.success(request, "已保存")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(back)


# ---------------------------------------------------------------- public


def public(request):
    """Decidim-style accountability page: public items, their progress and milestones; unit names
    only, never people."""
    day = selectors.today()
    source = request.GET.get("source") or None
    if source not in Source.values:
        source = None
    items = selectors.list_items(user=None, source=source)
    figures = selectors.counts(items=items, day=day)
    page = Paginator(items.select_related("area", "lead_unit"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for row in _rows(page.object_list, day):
        i = row["item"]
        row["progress"] = _progress(i)
        rows.append(row)
    context = {"rows": rows, "page": page, "figures": figures, "source": source, "sources": Source.choices}
    return render(request, "supervision/public.html", context)


def _progress(item: SupervisionItem) -> int:
    """Per cent shown on the public page: 100 when completed, else milestones done / all (Decidim's
    progress), else the current value / the target when both are numbers."""
    if item.state != "open":
        return 100
    if item.milestones_total:
        return round(100 * item.milestones_done / item.milestones_total)
    if item.target_value and item.current_value is not None and item.target_value > 0:
        return max(0, min(100, round(100 * item.current_value / item.target_value)))
    return 0


def public_item(request, item_id: int):
    try:
        detail = selectors.item_detail(user=None, item_id=item_id)
    except DomainError as exc:
        raise Http404(exc.message) from None
    return render(
        request, "supervision/public_item.html", {"d": detail, "item": detail.item, "progress": _progress(detail.item)}
    )
