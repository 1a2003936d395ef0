"""The leader overview: today's figures and the top categories and streets, as ECharts."""

from django.shortcuts import render

from jiesu.assessment import aggregates
from jiesu.insights import selectors as insights
from jiesu.org.models import Role
from jiesu.web import selectors
from jiesu.web.roles import role_required


@role_required(Role.DISTRICT_LEADER, Role.AUDITOR, Role.ADMIN, Role.DISPATCHER)
def overview(request):
    # The overview is a glance, not a ledger: stored figures, re-computed by the timer when events
    # came in (jiesu.assessment.aggregates), spare the database the 30-day aggregation per visit.
    with aggregates.tracking() as seen:
        figures = selectors.stored_overview()
    chart = {
        "categories": [{"name": c["name"], "value": c["n"], "code": c["code"]} for c in figures["categories"]],
        "streets": [{"name": s["street__name"], "value": s["n"], "id": s["street_id"]} for s in figures["streets"]],
        "since": figures["since"].isoformat(),
    }
    # Hotspots are stored findings (refreshed by the insights timer): one indexed read, no clustering here.
    hotspots = insights.active_hotspots(limit=5)
    alerts = insights.recent_alerts(limit=3)
    return render(
        request,
        "web/overview.html",
        {"figures": figures, "chart": chart, "hotspots": hotspots, "alerts": alerts, "as_of": aggregates.as_of(seen)},
    )
