"""The unit workbench: the unit's orders by state, nearest deadline first, with countdowns."""

from django.shortcuts import render

from jiesu.org.models import Role
from jiesu.web import selectors
from jiesu.web.countdown import countdown
from jiesu.web.roles import role_required
from jiesu.workorders.models import State

TABS = [
    State.DISPATCHED,
    State.ACKNOWLEDGED,
    State.IN_PROGRESS,
    State.PENDING_CHECK,
    State.SPOT_CHECK,
    State.RETURNED,
    State.RESOLVED,
]


@role_required(Role.HANDLER, Role.UNIT_LEADER)
def workbench(request):
    # A unit leader's day starts with the resolutions waiting for his check (多级核查).
    default = State.PENDING_CHECK if request.user.role == Role.UNIT_LEADER else State.DISPATCHED
    state = request.GET.get("state", default)
    state = state if state in TABS else default
    tallies = selectors.workbench_tallies(user=request.user, states=TABS)
    rows = [
        {
            "order": order,
            "countdown": countdown(due=order.handling_due, done=order.resolved_at),
            "check": countdown(due=order.check_due) if order.check_due else None,
            "response": countdown(due=order.response_due, done=order.responded_at),
        }
        for order in selectors.workbench_orders(user=request.user, state=state)
    ]
    tabs = [{"state": s, "label": State(s).label, "n": tallies.get(s, 0)} for s in TABS]
    return render(request, "web/workbench.html", {"tabs": tabs, "state": state, "rows": rows})
