"""The scorecard's 安全隐患整改率 (hazard_rectification), per street and month: of the hazards whose
deadline fell in the month, the share closed (销号) by the month's end, in per cent."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from jiesu.common.months import next_month
from jiesu.hazards.models import Hazard
from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.providers import Provided


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time()), tz)
    return start, timezone.make_aware(dt.datetime.combine(next_month(month.replace(day=1)), dt.time()), tz)


def hazard_rectification(*, month: dt.date, kind: str, spec: IndicatorSpec) -> dict[int, Provided]:
    if kind != "street":
        return {}
    start, end = _bounds(month)
    rows = (
        Hazard.objects.filter(due_at__gte=start, due_at__lt=end)
        .values("lead_unit_id")
        .annotate(total=Count("pk"), closed=Count("pk", filter=Q(closed_at__lt=end)))
    )
    return {
        r["lead_unit_id"]: Provided(
            round(100 * r["closed"] / r["total"], 1), {"due": r["total"], "closed": r["closed"]}
        )
        for r in rows
        if r["total"]
    }
