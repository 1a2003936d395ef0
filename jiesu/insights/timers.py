"""The insights' timers (jiesu.timers registry): hotspots every 15 minutes with their alerts sent
once each, seasonal profiles monthly, forecasts nightly (docs/insights.md)."""

import datetime as dt

from django.db.models import Q

from jiesu.insights.hotspot_refresh import refresh_hotspots
from jiesu.insights.models import AlertKind, HotspotAlert
from jiesu.insights.volume_refresh import refresh_forecasts, refresh_seasonal
from jiesu.org.models import Role, UnitKind, User
from jiesu.timers.registry import Daily, Every, Monthly, register

# Alerts older than this are not sent any more (e.g. after the timers were switched off for long).
_SEND_WINDOW = dt.timedelta(days=2)


def _recipients(alert: HotspotAlert) -> list[User]:
    spot = alert.hotspot
    wanted = Q(unit__kind=UnitKind.CENTRE, role=Role.DISPATCHER) | Q(role=Role.DISTRICT_LEADER)
    if spot.lead_unit_id:
        wanted |= Q(unit_id=spot.lead_unit_id, role=Role.UNIT_LEADER)
    if alert.kind == AlertKind.GROWN and spot.street_id:
        wanted |= Q(unit_id=spot.street_id, role=Role.UNIT_LEADER)
    return list(User.objects.filter(wanted, is_active=True))


def send_alerts(*, now: dt.datetime) -> int:
    """Every recent alert once (the dedupe key makes a resend write nothing)."""
    from jiesu.notify.services import Outgoing, send_many

    alerts = HotspotAlert.objects.filter(at__gte=now - _SEND_WINDOW, at__lte=now).select_related("hotspot")
    batch = [
        Outgoing(
            kind="hotspot_alert",
            context={
                "类型": alert.get_kind_display(),
                "提醒": alert.message,
                "链接": f"/reports/hotspots/{alert.hotspot.key}/",
            },
            users=_recipients(alert),
            dedupe=f"hotspot_alert:{alert.pk}",
        )
        for alert in alerts.order_by("at", "pk")
    ]
    return send_many(batch, now=now) if batch else 0


@register("insights.hotspots", label="热点发现与预警", schedule=Every(minutes=15))
def hotspots(*, now):
    run = refresh_hotspots(now=now)
    return {"hotspots": run.findings, "orders": run.orders, "messages": send_alerts(now=now)}


@register("insights.seasonal", label="季节性与周期性问题", schedule=Monthly(day=1, at="05:00"))
def seasonal(*, now):
    return {"findings": refresh_seasonal(now=now).findings}


@register("insights.forecasts", label="诉求量预测", schedule=Daily(at="04:00"))
def forecasts(*, now):
    return {"series": refresh_forecasts(now=now).findings}
