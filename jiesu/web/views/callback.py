"""The callback screen: resolved orders waiting for the centre to ask the requester."""

from django.shortcuts import render

from jiesu.org.models import Role
from jiesu.web import selectors
from jiesu.web.roles import role_required
from jiesu.workorders.models import Satisfaction
from jiesu.workorders.selectors import requester_for


@role_required(Role.CALLBACK_AGENT, Role.DISPATCHER, Role.ADMIN)
def callback_queue(request):
    rows = []
    for order in selectors.callback_queue():
        name, phone = requester_for(
            user=request.user, order=order, channel=request.path
        )  # whom to call, masked per role
        rows.append({"order": order, "name": name, "phone": phone})
    return render(request, "web/callback.html", {"rows": rows, "satisfactions": Satisfaction.choices})
