"""The leader overview: today's figures and the top categories and streets, as ECharts."""

from django.shortcuts import render

from jiesu.org.models import Role
from jiesu.web import selectors
from jiesu.web.roles import role_required


@role_required(Role.DISTRICT_LEADER, Role.AUDITOR, Role.ADMIN, Role.DISPATCHER)
def overview(request):
    figures = selectors.overview()
    chart = {
        "categories": [{"name": c["name"], "value": c["n"], "code": c["code"]} for c in figures["categories"]],
        "streets": [{"name": s["street__name"], "value": s["n"], "id": s["street_id"]} for s in figures["streets"]],
        "since": figures["since"].isoformat(),
    }
    return render(request, "web/overview.html", {"figures": figures, "chart": chart})
