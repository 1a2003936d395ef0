"""Pages for the proactive work (主动治理): hotspots with their map, the seasonal and periodic
problems with the calendar of the next three months, and the forecasts. They only read what the
insights timers stored (jiesu.insights.services.refresh_*); nothing is computed per request."""

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from jiesu.insights import proposals, selectors
from jiesu.insights.access import ANALYSIS_ROLES, role_required
from jiesu.org.models import Unit
from jiesu.reports.streetmap import district_outline, marker_positions
from jiesu.workorders.selectors import mask_name, mask_phone

MONTH_NAMES = [f"{m}月" for m in range(1, 13)]


def hotspot_points(spots) -> list[dict]:
    """A map point per hotspot: its orders' median coordinates, else its street's marker."""
    markers = marker_positions()
    codes = dict(Unit.objects.filter(pk__in={s.street_id for s in spots if s.street_id}).values_list("pk", "code"))
    points = []
    for s in spots:
        if s.lat is not None and s.lng is not None:
            lng, lat, approx = s.lng, s.lat, False
        elif s.street_id and codes.get(s.street_id) in markers:
            lng, lat = markers[codes[s.street_id]]
            approx = True
        else:
            continue
        points.append(
            {
                "name": s.title,
                "value": [round(lng, 6), round(lat, 6), round(s.heat, 1)],
                "key": s.key,
                "place": s.place or (s.street.name if s.street_id else ""),
                "size": s.size,
                "approx": approx,
            }
        )
    return points


@role_required(*ANALYSIS_ROLES)
def hotspots(request):
    spots = selectors.active_hotspots(limit=50)
    context = {
        "spots": spots,
        "alerts": selectors.recent_alerts(limit=15),
        "refresh": selectors.last_refresh(kind="hotspots"),
        "map": {"outline": district_outline(), "points": hotspot_points(spots)},
    }
    return render(request, "reports/hotspots.html", context)


@role_required(*ANALYSIS_ROLES)
def hotspot(request, key: str):
    spot = selectors.hotspot(key=key)
    if spot is None:
        raise Http404("没有这个热点")
    orders = [
        {
            "order": o,
            "requester": mask_name(o.requester_name),
            "phone": mask_phone(o.requester_phone),
        }
        for o in selectors.hotspot_orders(spot=spot)
    ]
    proposal = proposals.proposal(f"hotspot:{spot.key}")
    context = {
        "spot": spot,
        "orders": orders,
        "alerts": spot.alerts.order_by("-at"),
        "proposal": proposal,
        "refresh": selectors.last_refresh(kind="hotspots"),
        "map": {"outline": district_outline(), "points": hotspot_points([spot])},
    }
    return render(request, "reports/hotspot.html", context)


@role_required(*ANALYSIS_ROLES)
def seasonal(request):
    today = timezone.localdate()
    categories = selectors.volume_profiles(scope="category")
    months = sorted({m for p in categories for m in p.months})[-36:]
    context = {
        "calendar": selectors.calendar(today=today),
        "categories": categories,
        "streets": selectors.volume_profiles(scope="street")[:26],
        "cells": [p for p in selectors.volume_profiles(scope="cell") if p.index][:30],
        "recurring": selectors.recurring_problems(),
        "refresh": selectors.last_refresh(kind="seasonal"),
        "month_names": MONTH_NAMES,
        "chart": {
            "months": months,
            "series": [{"name": p.name, "data": [p.months.get(m, 0) for m in months]} for p in categories[:8]],
            "index": [{"name": p.name, "data": p.index} for p in categories[:8] if p.index],
        },
    }
    return render(request, "reports/seasonal.html", context)


@role_required(*ANALYSIS_ROLES)
def forecasts(request):
    freq = request.GET.get("freq", "W").upper()
    if freq not in ("W", "M"):
        freq = "W"
    rows = selectors.forecast_series(freq=freq)
    context = {
        "freq": freq,
        "rows": rows,
        "refresh": selectors.last_refresh(kind="forecasts"),
        "chart": [
            {
                "id": f"{r.scope}-{r.key}",
                "name": r.name,
                "history": r.history[-(26 if freq == "W" else 24) :],
                "forecast": r.forecast,
            }
            for r in rows[:9]
        ],
        "peaks": [p for p in proposals.proactive_proposals(sources=("forecast",)) if freq == "M"],
        "today": dt.date.today(),
    }
    return render(request, "reports/forecasts.html", context)
