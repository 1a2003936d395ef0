"""The hotline agent's intake form, keyboard-first, with live duplicate hints."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from jiesu.common.errors import DomainError, InvalidInput
from jiesu.dispatch.selectors import propose_category
from jiesu.dispatch.services import recommend_on_create
from jiesu.org.models import PropertyProject, Role
from jiesu.org.selectors import local_units, property_project_label, search_property_projects
from jiesu.web import forms, integrations
from jiesu.web.roles import role_required
from jiesu.web.views.common import error_page
from jiesu.workorders import services
from jiesu.workorders.models import Category, Channel, Urgency
from jiesu.workorders.selectors import search_categories

INTAKE_ROLES = (Role.AGENT, Role.DISPATCHER, Role.ADMIN)


def _context(**extra) -> dict:
    return {
        "urgencies": Urgency.choices,
        "category": _category_state(extra.get("data")),
        "streets": local_units(),
        "project": _project_state(extra.get("data")),
        **extra,
    }


def _project_state(data, *, project: PropertyProject | None = None, by: str = "", note: str = "") -> dict:
    """What the 物业项目 field shows: the chosen or proposed project, how it got there
    (clerk | address_match | cleared | "") and the matcher's note."""
    if project is None and data is not None and by == "":
        by = forms.text(data, "property_project_by")
        if by not in PROJECT_STATES:
            by = ""
        pk = forms.text(data, "property_project")
        project = (
            PropertyProject.objects.select_related("company", "street").filter(pk=pk).first() if pk.isdigit() else None
        )
        if project is None:
            return {"id": "", "label": forms.text(data, "property_project_label"), "by": by, "note": ""}
        note = forms.text(data, "property_project_note")
    if project is None:
        return {"id": "", "label": "", "by": by, "note": note}
    return {"id": project.pk, "label": property_project_label(project), "by": by, "note": note}


# How the clerk left the field: picked a project, kept the proposal, cleared the proposal.
PROJECT_STATES = ("clerk", "address_match", "cleared")


def _project_arguments(data) -> dict:
    """create_order's property-project arguments from the form."""
    by = forms.text(data, "property_project_by")
    pk = forms.text(data, "property_project")
    if pk:
        return {"property_project": pk, "property_project_by": "address_match" if by == "address_match" else "clerk"}
    if forms.text(data, "property_project_label") and by != "cleared":
        raise InvalidInput(
            "物业项目请从下拉列表中选择，或清空该栏",
            code="property_project_not_chosen",
            details={"field": "property_project"},
        )
    return {"match_property_project": by != "cleared"}


def _category_state(data, *, category: Category | None = None, by: str = "", note: str = "", probability=None) -> dict:
    """What the 诉求类别 field shows: the chosen or proposed category, how it got there (clerk | model |
    "") and the proposal's note; `proposed` keeps the model's code so the order records what was offered."""
    proposed = ""
    if category is None and data is not None:
        by = forms.text(data, "category_by")
        by = by if by in ("clerk", "model") else ""
        code = forms.text(data, "category")
        category = Category.objects.filter(code=code, is_active=True).first() if code else None
        proposed = forms.text(data, "category_proposed")
        if category is None:
            return {"code": "", "label": forms.text(data, "category_label"), "by": by, "note": "", "proposed": proposed}
    if category is None:
        return {"code": "", "label": "", "by": by, "note": note, "proposed": ""}
    if by == "model":
        proposed = category.code
    return {
        "code": category.code,
        "label": category.path,
        "by": by,
        "note": note,
        "probability": probability,
        "proposed": proposed,
    }


def _category_arguments(data) -> dict:
    """create_order's category arguments. The category is required at the hotline: the clerk's pick, or
    the model's proposal shown in the field (a form saved before the proposal reached the page gets the
    same proposal here, recorded as the model's: `category_by: model`); no pick and no proposal is an
    error. The create event keeps what the model proposed (`category_proposed`)."""
    chosen = forms.category(data)
    proposed = forms.text(data, "category_proposed")
    payload = {"category_proposed": proposed} if proposed else {}
    if chosen is None:
        found = propose_category(text=f"{forms.text(data, 'title')}\n{forms.text(data, 'content')}")
        if found.category is None:
            forms.category(data, required=True)  # raises the field's Chinese error
        chosen = found.category
        payload.update(category_by="model", category_proposed=chosen.code, category_probability=found.probability)
    elif forms.text(data, "category_by") == "model" and chosen.code == proposed:
        payload["category_kept"] = True  # the clerk saved the proposal as shown
    return {"category": chosen, "payload": payload or None}


@role_required(*INTAKE_ROLES)
def category_options(request):
    """htmx fragment: the type-ahead's <option>s for what the clerk typed in 诉求类别 (name, keyword,
    pinyin initials)."""
    query = forms.text(request.GET, "category_label") or forms.text(request.GET, "q")
    return render(request, "web/_category_options.html", {"options": search_categories(query=query)})


@role_required(*INTAKE_ROLES)
def category_proposal(request):
    """htmx fragment: the 诉求类别 field with the routing model's category pre-selected — unless the
    clerk already chose one."""
    data = request.POST
    state = _category_state(data)
    if state["by"] == "clerk":
        return render(request, "web/_category_field.html", {"category": state})
    found = propose_category(text=f"{forms.text(data, 'title')}\n{forms.text(data, 'content')}")
    if found.category is None:
        state = _category_state(None, note=found.note)
    else:
        state = _category_state(
            None, category=found.category, by="model", note=found.note, probability=found.probability
        )
    return render(request, "web/_category_field.html", {"category": state})


def _contact_arguments(data) -> dict:
    """The hotline needs a way back to the caller: a phone number, or an explicit 匿名 with the
    reason (recorded in the create event). A simple local check (the validation layer may take it)."""
    phone = forms.text(data, "requester_phone")
    anonymous = forms.text(data, "anonymous") in ("1", "on")
    reason = forms.text(data, "anonymous_reason")
    if anonymous:
        if phone:
            raise InvalidInput(
                "已选择匿名受理，请清空联系电话，或取消“匿名”",
                code="contact_conflict",
                details={"field": "requester_phone"},
            )
        if not reason:
            raise InvalidInput("匿名受理须说明原因", code="required", details={"field": "anonymous_reason"})
        if len(reason) > 200:
            raise InvalidInput("匿名原因不能超过200字", code="too_long", details={"field": "anonymous_reason"})
        return {"requester_phone": "", "contact": {"anonymous": True, "anonymous_reason": reason}}
    if not phone:
        raise InvalidInput(
            "请填写联系电话；来电人不愿留电话时，勾选“匿名”并说明原因",
            code="contact_required",
            details={"field": "requester_phone"},
        )
    return {"requester_phone": phone, "contact": {}}


@role_required(*INTAKE_ROLES)
def intake(request):
    if request.method != "POST":
        return render(request, "web/intake.html", _context(data=None))
    data = request.POST
    try:
        contact = _contact_arguments(data)
        category = _category_arguments(data)
        if contact["contact"]:
            category["payload"] = {**(category["payload"] or {}), **contact["contact"]}
        order, created = services.create_order(
            user=request.user,
            channel=Channel.HOTLINE,
            content=forms.text(data, "content"),
            title=forms.text(data, "title"),
            address=forms.text(data, "address"),
            lat=forms.optional_float(data, "lat", "纬度"),
            lng=forms.optional_float(data, "lng", "经度"),
            requester_name=forms.text(data, "requester_name"),
            requester_phone=contact["requester_phone"],
            urgency=forms.text(data, "urgency", Urgency.GENERAL),
            street=forms.unit(data, "street", "所属街镇", required=False),
            client_ref=forms.text(data, "client_ref") or None,
            **category,
            **_project_arguments(data),
        )
    except InvalidInput as error:
        return render(request, "web/intake.html", _context(data=data, error=error), status=400)
    except DomainError as error:
        return error_page(request, error)
    if created:  # the dispatch proposal is ready when the dispatcher opens the console
        recommend_on_create(user=request.user, order_id=order.pk)
    return render(request, "web/intake.html", _context(data=None, saved=order))


@role_required(*INTAKE_ROLES)
def duplicate_hints(request):
    """htmx fragment: similar requests of the last 7 days at the same place or from the same phone."""
    content = forms.text(request.POST, "content")
    if len(content) < 4:
        return render(request, "web/_duplicate_hints.html", {"matches": []})
    try:
        lat = forms.optional_float(request.POST, "lat", "纬度")
        lng = forms.optional_float(request.POST, "lng", "经度")
    except InvalidInput:
        lat = lng = None
    matches = integrations.hints(
        content=content,
        address=forms.text(request.POST, "address"),
        requester_phone=forms.text(request.POST, "requester_phone"),
        lat=lat,
        lng=lng,
        now=timezone.now(),
    )
    return render(
        request,
        "web/_duplicate_hints.html",
        {
            "matches": matches,
            "same_place": sum(1 for m in matches if m.same_place),
            "same_requester": sum(1 for m in matches if m.same_requester and not m.same_place),
        },
    )


@login_required  # the order page's 更正物业项目 uses it too (handlers)
def project_options(request):
    """htmx fragment: the type-ahead's <option>s for what the clerk typed in 物业项目."""
    query = forms.text(request.GET, "property_project_label") or forms.text(request.GET, "q")
    projects = search_property_projects(query=query) if query else []
    return render(
        request,
        "web/_project_options.html",
        {"options": [{"id": p.pk, "label": property_project_label(p)} for p in projects]},
    )


@role_required(*INTAKE_ROLES)
def project_proposal(request):
    """htmx fragment: the 物业项目 field again, with the project the address (or text) names
    pre-selected — unless the clerk already picked one or cleared the proposal."""
    data = request.POST
    state = _project_state(data)
    if state["by"] in ("clerk", "cleared"):
        return render(request, "web/_project_field.html", {"project": state})
    street = forms.text(data, "street")
    proposal = services.propose_property_project(
        address=forms.text(data, "address"),
        text=f"{forms.text(data, 'title')}\n{forms.text(data, 'content')}",
        street_id=int(street) if street.isdigit() else None,
    )
    project = None
    if proposal is not None and proposal.confident:
        project = PropertyProject.objects.select_related("company", "street").filter(pk=proposal.project_id).first()
    if project is None:
        state = _project_state(None)
    else:
        state = _project_state(None, project=project, by="address_match", note=proposal.explanation)
    return render(request, "web/_project_field.html", {"project": state})
