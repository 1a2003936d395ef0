"""Timers of the reports (jiesu.timers registry)."""

import datetime as dt

from django.utils import timezone

from jiesu.assessment import aggregates
from jiesu.common.errors import DomainError
from jiesu.reports.dashboard import KIND_LABELS, dashboard_data
from jiesu.reports.models import ReviewPack
from jiesu.reports.services import generate_review_pack
from jiesu.timers.registry import Monthly, register


@register("reports.monthly_review_pack", label="生成上月月度工作点评材料", schedule=Monthly(day=1, at="06:00"))
def monthly_review_pack(*, now):
    """On the 1st: last month's pack (HTML, PDF, Excel) is ready for the review meeting. A month
    whose pack the platform already made is not made again."""
    first = timezone.localtime(now).date().replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    if ReviewPack.objects.filter(month=month, generated_by__isnull=True).exists():
        return {"month": f"{month:%Y-%m}", "generated": 0}
    pack = generate_review_pack(month=month)
    return {"month": f"{month:%Y-%m}", "generated": 1, "pack": pack.pk, "pdf_pages": pack.pdf_pages}


@aggregates.prefill
def leader_months(*, now):
    """The dashboard's figures of this month and last month, both unit groups, are stored before a
    leader asks (run by assessment.refresh_aggregates)."""
    this = timezone.localtime(now).date().replace(day=1)
    for month in (this, (this - dt.timedelta(days=1)).replace(day=1)):
        for kind in KIND_LABELS:
            try:
                dashboard_data(month=month, kind=kind)
            except DomainError:  # no rule loaded yet: nothing to show, nothing to store
                return
