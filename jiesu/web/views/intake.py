"""The hotline agent's intake form, keyboard-first, with live duplicate hints."""

from django.shortcuts import render
from django.utils import timezone

from jiesu.common.errors import DomainError, InvalidInput
from jiesu.dispatch.services import recommend_on_create
from jiesu.org.models import Role
from jiesu.org.selectors import local_units
from jiesu.web import forms, integrations
from jiesu.web.roles import role_required
from jiesu.web.views.common import error_page
from jiesu.workorders import services
from jiesu.workorders.models import Category, Channel, Urgency

INTAKE_ROLES = (Role.AGENT, Role.DISPATCHER, Role.ADMIN)


def _context(**extra) -> dict:
    return {
        "urgencies": Urgency.choices,
        "categories": Category.objects.filter(is_active=True, level__gte=2),
        "streets": local_units(),
        **extra,
    }


@role_required(*INTAKE_ROLES)
def intake(request):
    if request.method != "POST":
        return render(request, "web/intake.html", _context(data=None))
    data = request.POST
    try:
        order, created = services.create_order(
            user=request.user,
            channel=Channel.HOTLINE,
            content=forms.text(data, "content"),
            title=forms.text(data, "title"),
            address=forms.text(data, "address"),
            lat=forms.optional_float(data, "lat", "纬度"),
            lng=forms.optional_float(data, "lng", "经度"),
            requester_name=forms.text(data, "requester_name"),
            requester_phone=forms.text(data, "requester_phone"),
            urgency=forms.text(data, "urgency", Urgency.GENERAL),
            category=forms.category(data),
            street=forms.unit(data, "street", "所属街镇", required=False),
            client_ref=forms.text(data, "client_ref") or None,
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
