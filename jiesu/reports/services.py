"""Writes of the reports app: generating the monthly review pack (HTML, PDF, Excel)."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction

from jiesu.indicators.services import ensure_platform_values
from jiesu.insights import selectors as insights
from jiesu.insights.services import compute_monthly_topic
from jiesu.insights.topic import parse_month
from jiesu.org.models import User
from jiesu.reports.excel import review_workbook
from jiesu.reports.models import ReviewPack
from jiesu.reports.render import review_html, review_pdf
from jiesu.reports.stored import build_and_keep

FILE_NAMES = {"html": "月度工作点评.html", "pdf": "月度工作点评.pdf", "xlsx": "月度工作点评.xlsx"}


def generate_review_pack(
    *, month: dt.date | str, user: User | None = None, rule_version: str | None = None
) -> ReviewPack:
    """Produce the month's pack. The month's topic is computed first if it never was (default
    parameters); the assessment figures are the published snapshot when the month was published,
    else computed live from the event log (the pack says which)."""
    month = parse_month(month)
    if month not in insights.topic_months():
        compute_monthly_topic(month=month)
    ensure_platform_values(month=month)  # the street scorecard's platform indicators
    # Built now, never read from the store (a pack must not show stale figures); kept for the page.
    review = build_and_keep(month=month, rule_version=rule_version)
    html = review_html(review)
    pdf, pages = review_pdf(html)
    xlsx = review_workbook(review)
    d = review.assessment.district
    with transaction.atomic():
        pack = ReviewPack.objects.create(
            month=month,
            rule_version=review.assessment.rule_version,
            published=review.assessment.published,
            generated_by=user,
            pdf_pages=pages,
            summary={
                "received": d.received,
                "callbacks": d.callbacks,
                "response_rate": d.response_rate,
                "resolution_rate": d.resolution_rate,
                "satisfaction_rate": d.satisfaction_rate,
                "composite": d.composite,
                "topic": review.topic.category.path if review.topic else None,
                "map_mode": review.map_mode,
            },
        )
        folder = Path("reports") / f"{month:%Y-%m}" / str(pack.pk)
        target = Path(settings.MEDIA_ROOT) / folder
        target.mkdir(parents=True, exist_ok=True)
        for fmt, content in (("html", html.encode("utf-8")), ("pdf", pdf), ("xlsx", xlsx)):
            (target / FILE_NAMES[fmt]).write_bytes(content)
        pack.html_path, pack.pdf_path, pack.xlsx_path = (str(folder / FILE_NAMES[f]) for f in ("html", "pdf", "xlsx"))
        pack.save(update_fields=["html_path", "pdf_path", "xlsx_path"])
    return pack
