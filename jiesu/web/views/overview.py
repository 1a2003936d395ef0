"""The leader overview: today's figures and the top categories and streets, as ECharts."""

from django.core.cache import cache
from django.shortcuts import render

from jiesu.insights import selectors as insights
from jiesu.org.models import Role
from jiesu.web import selectors
from jiesu.web.roles import role_required

OVERVIEW_SECONDS = 60


@role_required(Role.DISTRICT_LEADER, Role.AUDITOR, Role.ADMIN, Role.DISPATCHER)
def overview(request):
    # The overview is a glance, not a ledger: figures are at most a minute old, which spares the
    # database the 30-day aggregation on every visit of every leader.
    figures = cache.get_or_set("web:overview", selectors.overview, OVERVIEW_SECONDS)
    chart = {
        "categories": [{"name": c["name"], "value": c["n"], "code": c["code"]} for c in figures["categories"]],
        "streets": [{"name": s["street__name"], "value": s["n"], "id": s["street_id"]} for s in figures["streets"]],
        "since": figures["since"].isoformat(),
    }
    # Hotspots are stored findings (refreshed by the insights timer): one indexed read, no clustering here.
    hotspots = insights.active_hotspots(limit=5)
    alerts = insights.recent_alerts(limit=3)
    return render(
        request, "web/overview.html", {"figures": figures, "chart": chart, "hotspots": hotspots, "alerts": alerts}
    )
