"""The scorecard's 网格事件办结率 (grid_closure), per street and month: of the grid workers' findings
reported in the month in the street's grids, the share done by the month's end — a 自发现自处置
closed, or the order it became resolved."""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from jiesu.common.months import next_month
from jiesu.grids.models import GridReport
from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.providers import Provided


def grid_closure(*, month: dt.date, kind: str, spec: IndicatorSpec) -> dict[int, Provided]:
    if kind != "street":
        return {}
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time()), tz)
    end = timezone.make_aware(dt.datetime.combine(next_month(month.replace(day=1)), dt.time()), tz)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = GridReport.objects.filter(reported_at__gte=start, reported_at__lt=end, grid__street__isnull=False)
    for street_id, closed_at, resolved_at in rows.values_list("grid__street_id", "closed_at", "order__resolved_at"):
        counts[street_id][0] += 1
        done = closed_at or resolved_at
        counts[street_id][1] += bool(done and done < end)
    return {
        street: Provided(round(100 * done / total, 1), {"reported": total, "done": done})
        for street, (total, done) in counts.items()
        if total
    }
