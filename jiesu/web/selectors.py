"""Reads for the pages: list pages with count-free keyset pagination, queues, counters and the
leader's figures. Visibility always starts from workorders.selectors.visible_orders."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jiesu.assessment.aggregates import aggregate
from jiesu.org.models import User
from jiesu.workorders import selectors as wo_selectors
from jiesu.workorders.models import OPEN_STATES, Category, Level, State, WorkOrder, WorkOrderEvent

PAGE_SIZE = 50
NEAR_DEADLINE = dt.timedelta(hours=24)
LIST_FIELDS = (
    "id",
    "number",
    "title",
    "state",
    "urgency",
    "received_at",
    "handling_due",
    "response_due",
    "responded_at",
    "resolved_at",
    "lead_unit__name",
    "category__path",
    "street__name",
    "pending_extension",
    "return_count",
    "level",
)


@dataclass(frozen=True)
class ListFilters:
    state: str = ""  # a State value, or "open" for every state in which the clock runs
    near_deadline: bool = False
    unit_id: int | None = None
    street_id: int | None = None
    category_code: str = ""
    overdue: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    number: str = ""
    level: str = ""  # an escalated level (提级响应), "" for any


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    is_first: bool


def category_ids(code: str) -> list[int]:
    """The category and all below it: resolved on the small taxonomy table, so the big table is
    filtered by an indexed id list instead of a join on code prefixes."""
    return list(Category.objects.filter(Q(code=code) | Q(code__startswith=code + ".")).values_list("pk", flat=True))


def filtered_orders(*, user: User, filters: ListFilters, now: dt.datetime | None = None) -> QuerySet[WorkOrder]:
    orders = wo_selectors.visible_orders(user=user)
    if filters.number:
        return orders.filter(number=filters.number.strip())
    if filters.state == "open":
        orders = orders.filter(state__in=OPEN_STATES)
    if filters.near_deadline:
        now_ = now or timezone.now()
        orders = orders.filter(
            state__in=OPEN_STATES,
            resolved_at__isnull=True,
            handling_due__gte=now_,
            handling_due__lt=now_ + NEAR_DEADLINE,
        )
    orders = wo_selectors.filter_orders(
        orders,
        state=filters.state if filters.state in State.values else None,
        unit_id=filters.unit_id,
        street_id=filters.street_id,
        overdue=filters.overdue,
        received_from=filters.received_from,
        received_to=filters.received_to,
        now=now,
    )
    if filters.category_code:
        orders = orders.filter(category_id__in=category_ids(filters.category_code))
    if filters.level in Level.values:
        orders = orders.filter(level=filters.level)
    return orders


def _encode(received_at: dt.datetime, pk: int) -> str:
    return f"{received_at.timestamp():.6f}_{pk}"


def _decode(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        stamp, pk = cursor.split("_")
        return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def keyset_page(orders: QuerySet[WorkOrder], *, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """Newest first, `size` rows after `cursor`. No COUNT(*): on a million rows the count, not the
    page, is what costs; the page reads `size + 1` rows from the index to know if there is more."""
    position = _decode(cursor) if cursor else None
    if position:
        at, pk = position
        # The redundant `received_at <= at` lets the database range-scan the received_at index;
        # the OR alone would make it filter row by row.
        orders = orders.filter(received_at__lte=at).filter(Q(received_at__lt=at) | Q(received_at=at, pk__lt=pk))
    rows = list(orders.order_by("-received_at", "-pk").values(*LIST_FIELDS)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode(rows[-1]["received_at"], rows[-1]["id"]) if more else None
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None)


def dispatch_queue(*, limit: int = 100) -> list[WorkOrder]:
    """Orders waiting for dispatch, oldest first."""
    return list(
        WorkOrder.objects.filter(state=State.RECEIVED)
        .select_related("category", "street")
        .order_by("received_at", "pk")[:limit]
    )


def disputes(*, limit: int = 100) -> list[dict]:
    """Returned orders (退单) with the unit's reason, oldest first."""
    orders = list(
        WorkOrder.objects.filter(state=State.RETURNED)
        .select_related("lead_unit", "category")
        .order_by("updated_at", "pk")[:limit]
    )
    reasons = {}
    for event in (
        WorkOrderEvent.objects.filter(order__in=orders, action="return")
        .select_related("actor_unit")
        .order_by("order_id", "seq")
    ):
        reasons[event.order_id] = event  # the latest return wins
    return [{"order": o, "event": reasons.get(o.pk)} for o in orders]


def pending_extensions(*, limit: int = 100) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.filter(state__in=OPEN_STATES, pending_extension__isnull=False)
        .exclude(pending_extension=None)
        .select_related("lead_unit")
        .order_by("updated_at")[:limit]
    )


def counters(*, user: User, now: dt.datetime | None = None) -> dict[str, int]:
    """The console's live figures: overdue, near the deadline, waiting, returned."""
    now = now or timezone.now()
    orders = wo_selectors.visible_orders(user=user)
    open_orders = orders.filter(state__in=OPEN_STATES)
    return {
        "overdue": open_orders.filter(wo_selectors.overdue_q(now=now)).count(),
        "near_deadline": open_orders.filter(
            resolved_at__isnull=True, handling_due__gte=now, handling_due__lt=now + NEAR_DEADLINE
        ).count(),
        "waiting": orders.filter(state=State.RECEIVED).count(),
        "returned": orders.filter(state=State.RETURNED).count(),
    }


def _unit_orders(user: User) -> tuple[QuerySet[WorkOrder], QuerySet[WorkOrder]]:
    """A unit's orders as two index-friendly parts: those it leads, those it assists (and does not
    lead). visible_orders' single OR over both makes PostgreSQL scan the whole table."""
    led = WorkOrder.objects.filter(lead_unit_id=user.unit_id)
    assisted = WorkOrder.objects.filter(assisting_units=user.unit_id).exclude(lead_unit_id=user.unit_id)
    return led, assisted


def workbench_orders(*, user: User, state: str, limit: int = 200) -> list[WorkOrder]:
    """The unit's orders in one state, the nearest deadline first."""
    if user.unit_id is None:
        return []
    rows = []
    for part in _unit_orders(user):
        rows += part.filter(state=state).select_related("category", "street").order_by("handling_due", "pk")[:limit]
    far = timezone.now() + dt.timedelta(days=36500)
    rows.sort(key=lambda o: (o.handling_due or far, o.pk))
    return rows[:limit]


def workbench_tallies(*, user: User, states: list[str]) -> dict[str, int]:
    """How many of the unit's orders are in each of `states` (the workbench tabs; the closed
    orders, the bulk of any unit's history, are not counted)."""
    if user.unit_id is None:
        return {}
    tallies: dict[str, int] = {}
    for part in _unit_orders(user):
        for state, n in (
            part.filter(state__in=states).values_list("state").annotate(n=Count("pk")).values_list("state", "n")
        ):
            tallies[state] = tallies.get(state, 0) + n
    return tallies


def spot_check_queue(*, limit: int = 100) -> list[WorkOrder]:
    """Approved resolutions the 指挥部 samples (待抽查), the nearest check deadline first."""
    return list(
        WorkOrder.objects.filter(state=State.SPOT_CHECK).select_related("lead_unit").order_by("check_due", "pk")[:limit]
    )


def callback_queue(*, limit: int = 100) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.filter(state=State.RESOLVED)
        .select_related("lead_unit", "category")
        .order_by("resolved_at", "pk")[:limit]  # index wo_state_resolved
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def overview(*, now: dt.datetime | None = None, top: int = 10) -> dict:
    """The leader's figures: today's intake, open, overdue; the top categories (first level) and
    streets of the last 30 days."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    since = today - dt.timedelta(days=29)
    recent = WorkOrder.objects.filter(received_at__gte=_day_start(since))
    # Group by category id on the big table (no join), then fold ids into first levels in Python.
    by_category = recent.exclude(category=None).values_list("category_id").annotate(n=Count("pk"))
    codes = dict(Category.objects.values_list("pk", "code"))
    names = dict(Category.objects.filter(level=1).values_list("code", "name"))
    totals: dict[str, int] = {}
    for category_id, n in by_category.values_list("category_id", "n"):
        first = codes[category_id].split(".")[0]
        totals[first] = totals.get(first, 0) + n
    categories = [
        {"code": code, "name": names.get(code, code), "n": n}
        for code, n in sorted(totals.items(), key=lambda item: -item[1])[:top]
    ]
    return {
        "today": today,
        "since": since,
        "today_intake": WorkOrder.objects.filter(received_at__gte=_day_start(today)).count(),
        "open": WorkOrder.objects.filter(state__in=OPEN_STATES).count(),
        "overdue": WorkOrder.objects.filter(wo_selectors.overdue_q(now=now)).count(),
        "waiting": WorkOrder.objects.filter(state=State.RECEIVED).count(),
        "categories": categories,
        "streets": list(
            recent.exclude(street=None).values("street_id", "street__name").annotate(n=Count("pk")).order_by("-n")[:top]
        ),
    }


def _overview_dump(figures: dict) -> dict:
    return {**figures, "today": figures["today"].isoformat(), "since": figures["since"].isoformat()}


def _overview_load(doc: dict) -> dict:
    return {**doc, "today": dt.date.fromisoformat(doc["today"]), "since": dt.date.fromisoformat(doc["since"])}


def _day_end(day: str) -> dt.datetime:
    return _day_start(dt.date.fromisoformat(day) + dt.timedelta(days=1))


@aggregate(
    "overview",
    depends=lambda **_: (None, None),  # any event moves today's figures
    dump=_overview_dump,
    load=_overview_load,
    max_age=60,  # overdue grows with the clock alone
    keep=lambda *, day: _day_end(day),
)
def _stored_overview(*, day: str) -> dict:
    return overview()


def stored_overview(*, now: dt.datetime | None = None) -> dict:
    """The overview's figures as stored for today (jiesu.assessment.aggregates): kept current by the
    timer after events; the as-of moment is reported to aggregates.tracking()."""
    day = timezone.localtime(now or timezone.now()).date()
    return _stored_overview(day=day.isoformat())
