"""The callback screen: resolved orders waiting for the centre to ask the requester."""

from django.shortcuts import render

from jiesu.org.models import Role
from jiesu.web import selectors
from jiesu.web.roles import role_required
from jiesu.workorders.models import Satisfaction


@role_required(Role.CALLBACK_AGENT, Role.DISPATCHER, Role.ADMIN)
def callback_queue(request):
    return render(
        request,
        "web/callback.html",
        {"orders": selectors.callback_queue(), "satisfactions": Satisfaction.choices},
    )
