"""Reads for the work queues of the callback desk (回访, 重办) and the 提级 queue: filters, search,
paging with counts (these queues are thousands of rows at most, unlike the order list)."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from jiesu.workorders import workflow
from jiesu.workorders.models import OPEN_STATES, State, WorkOrder

PAGE_SIZE = 30
_NUMBER_RE = re.compile(r"^[A-Za-z]{2}\d{6,}$")

# The callback desk's two lists; `result` filters the second.
CALLBACK_TABS = {"waiting": "待回访", "done": "已回访"}
CALLBACK_WHEN = {"": "全部", "overdue": "已到回访期限", "today": "今日办结", "upcoming": "未到期限"}
RESULTS = {"solved": "已解决", "unsolved": "未解决", "satisfied": "满意", "dissatisfied": "不满意"}


def callback_due_days() -> int:
    return int(getattr(settings, "JIESU_CALLBACK_DUE_DAYS", 2))


@dataclass(frozen=True)
class QueueFilters:
    tab: str = "waiting"
    when: str = ""
    result: str = ""
    q: str = ""
    page: int = 1


def search(orders: QuerySet[WorkOrder], q: str) -> QuerySet[WorkOrder]:
    """Number (whole or its digits), phone tail (4 digits), else words of the title or content."""
    q = (q or "").strip()[:60]
    if not q:
        return orders
    if _NUMBER_RE.match(q):
        return orders.filter(number=q.upper())
    if q.isdigit() and len(q) == 4:
        return orders.filter(requester_phone__endswith=q)
    if q.isdigit() and len(q) >= 7:
        return orders.filter(Q(number__endswith=q) | Q(requester_phone=q))
    return orders.filter(Q(title__icontains=q) | Q(content__icontains=q))


def _day_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _result_q(result: str) -> Q:
    bound = workflow.redo_rules()["dissatisfied_at_most"]
    return {
        "solved": Q(solved=True),
        "unsolved": Q(solved=False),
        "satisfied": Q(satisfaction__gt=bound),
        "dissatisfied": Q(satisfaction__lte=bound),
    }.get(result, Q())


def callback_orders(*, filters: QueueFilters, now: dt.datetime | None = None) -> QuerySet[WorkOrder]:
    """待回访: resolved orders, the earliest callback deadline first (办结 + JIESU_CALLBACK_DUE_DAYS).
    已回访: orders with a callback, the latest first, filtered by the answer."""
    now = now or timezone.now()
    if filters.tab == "done":
        orders = WorkOrder.objects.filter(state__in=[State.CALLBACK_DONE, State.CLOSED]).exclude(solved=None)
        orders = orders.filter(_result_q(filters.result)).order_by("-updated_at", "-pk")
    else:
        orders = WorkOrder.objects.filter(state=State.RESOLVED)
        cutoff = now - dt.timedelta(days=callback_due_days())
        if filters.when == "overdue":
            orders = orders.filter(resolved_at__lt=cutoff)
        elif filters.when == "today":
            orders = orders.filter(resolved_at__gte=_day_start(now))
        elif filters.when == "upcoming":
            orders = orders.filter(resolved_at__gte=cutoff)
        orders = orders.order_by("resolved_at", "pk")  # index wo_state_resolved
    return search(orders, filters.q).select_related("lead_unit", "category")


def callback_counts(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    waiting = WorkOrder.objects.filter(state=State.RESOLVED)
    cutoff = now - dt.timedelta(days=callback_due_days())
    return {
        "waiting": waiting.count(),
        "overdue": waiting.filter(resolved_at__lt=cutoff).count(),
        "today": waiting.filter(resolved_at__gte=_day_start(now)).count(),
    }


def callback_due(order: WorkOrder) -> dt.datetime | None:
    return order.resolved_at + dt.timedelta(days=callback_due_days()) if order.resolved_at else None


# ---------------------------------------------------------------- 重办

REDO_TABS = {"waiting": "待重办", "redoing": "重办中"}


def redo_orders(*, filters: QueueFilters) -> QuerySet[WorkOrder]:
    """待重办: called back 未解决 or 不满意, waiting for the centre's 重办 (or its decision to close).
    重办中: reopened orders back with their unit. `result=repeat` keeps the 重复不满意 ones."""
    if filters.tab == "redoing":
        orders = WorkOrder.objects.filter(state__in=OPEN_STATES, reopen_count__gt=0).order_by("handling_due", "pk")
    else:
        bound = workflow.redo_rules()["dissatisfied_at_most"]
        orders = WorkOrder.objects.filter(state=State.CALLBACK_DONE).filter(
            Q(solved=False) | Q(satisfaction__lte=bound)
        )
        orders = orders.order_by("updated_at", "pk")
    if filters.result == "repeat":
        orders = orders.filter(dissatisfied_count__gte=workflow.redo_rules()["repeat_dissatisfied_from"])
    elif filters.result in RESULTS:
        orders = orders.filter(_result_q(filters.result))
    return search(orders, filters.q).select_related("lead_unit", "category")


def paginate(orders: QuerySet[WorkOrder], *, page: int, size: int = PAGE_SIZE) -> Page:
    return Paginator(orders, size).get_page(page)
