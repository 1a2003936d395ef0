"""The supervision figures the monthly review's scorecard reads (jiesu.indicators providers):
民生项目池任务完成率 per street, as it stood at the end of the month."""

import calendar as month_calendar
import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.providers import Provided
from jiesu.supervision.models import ItemState, Source, SupervisionItem


def _month_end(month: dt.date) -> dt.datetime:
    last = month.replace(day=month_calendar.monthrange(month.year, month.month)[1])
    return timezone.make_aware(dt.datetime.combine(last, dt.time.max), timezone.get_current_timezone())


def project_pool_completion(*, month: dt.date, kind: str, spec: IndicatorSpec) -> dict[int, Provided]:
    """Completed ÷ all 民生项目 a street leads that existed by the month's end, in per cent. A project
    counts as completed when its completion was reported by then and not since returned."""
    if kind != "street":
        return {}
    end = _month_end(month)
    done = Q(state__in=[ItemState.COMPLETED, ItemState.CLOSED], completed_at__lte=end)
    rows = (
        SupervisionItem.objects.filter(source=Source.LIVELIHOOD_PROJECT, lead_unit__isnull=False, created_at__lte=end)
        .values("lead_unit_id")
        .annotate(total=Count("pk"), completed=Count("pk", filter=done))
    )
    return {
        r["lead_unit_id"]: Provided(
            round(100 * r["completed"] / r["total"], 1), {"total": r["total"], "completed": r["completed"]}
        )
        for r in rows
        if r["total"]
    }
