"""Request volumes per category and month (reads shared by the topic service and the reports)."""

import datetime as dt

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from jiesu.insights.topic import month_window
from jiesu.workorders.models import Category, State, WorkOrder


def orders_in(month: dt.date, *, level: int) -> QuerySet[WorkOrder]:
    """Requests received in the calendar month with a category at least as deep as `level`.
    Unreasonable requests (条例第十一条) are not problems of the district and are left out;
    merged duplicates stay in: each is a citizen asking, which is what volume measures."""
    start, end = month_window(month)
    return WorkOrder.objects.filter(received_at__gte=start, received_at__lt=end, category__level__gte=level).exclude(
        state=State.UNREASONABLE
    )


def volumes(month: dt.date, *, level: int) -> dict[str, int]:
    """{category code at `level`: requests in the month}."""
    rows = (
        orders_in(month, level=level)
        .annotate(topic_code=Substr("category__code", 1, 3 * level - 1))  # "01" / "01.03" / "01.03.02"
        .values("topic_code")
        .annotate(n=Count("id"))
    )
    return {r["topic_code"]: r["n"] for r in rows}


def category_volumes(*, month: dt.date, previous: dt.date, level: int = 1) -> list[tuple[str, int, int]]:
    """[(category name path, this month, the previous month)], largest this month first."""
    now, before = volumes(month, level=level), volumes(previous, level=level)
    names = dict(Category.objects.filter(code__in=set(now) | set(before)).values_list("code", "path"))
    rows = [(names.get(code, code), now.get(code, 0), before.get(code, 0)) for code in set(now) | set(before)]
    return sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))
