"""Reads of work orders that respect who is asking: visibility by unit, masking of personal data,
list filters (including overdue, which is derived from deadlines, never stored)."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.query import MAX_GET_RESULTS
from django.utils import timezone

from jiesu.common import privacy
from jiesu.common.compiled import CompiledQuery
from jiesu.common.errors import NotFound
from jiesu.org.models import Role, User
from jiesu.workorders.models import (
    OPEN_STATES,
    Category,
    CategoryScheme,
    JointHandling,
    State,
    WhistleCall,
    WorkOrder,
    WorkOrderEvent,
)


def visible_orders(*, user: User) -> QuerySet[WorkOrder]:
    """Unit roles see orders their unit leads or assists (grid workers also those sent to them or
    acted on by them); district-wide roles see all."""
    orders = WorkOrder.objects.all()
    if not user.is_unit_scoped:
        return orders
    if user.unit_id is None:
        return orders.none()
    assisted = WorkOrder.assisting_units.through.objects.filter(workorder_id=OuterRef("pk"), unit_id=user.unit_id)
    mine = Q(lead_unit_id=user.unit_id) | Exists(assisted)
    if user.role == Role.GRID_WORKER:
        # A grid worker also sees the orders sent to them for 先行核实 and those they acted on
        # (answered, reported): before dispatch such an order has no unit of theirs.
        acted = WorkOrderEvent.objects.filter(order_id=OuterRef("pk"), actor_id=user.pk)
        mine |= Q(pending_verification__worker=user.pk) | Exists(acted)
    return orders.filter(mine)


def _order_for(*, key: tuple[str, bool], order_id: int, user_id: int, unit_id: int) -> QuerySet[WorkOrder]:
    """get_order's query for a user of role `key[0]`, with or without a unit (`key[1]`)."""
    role, has_unit = key
    user = User(pk=user_id, role=role, unit_id=unit_id if has_unit else None)
    # Like .get(): no ORDER BY on a primary key (its compiling was a sixth of an API detail read) and
    # at most MAX_GET_RESULTS rows; the units' boundaries (street polygons) are never shown with an order.
    return (
        visible_orders(user=user)
        .select_related("lead_unit", "category", "street", "property_project__company")
        .defer("lead_unit__boundary", "street__boundary")
        .filter(pk=order_id)
        .order_by()[:MAX_GET_RESULTS]
    )


# Compiled once per role: the SQL of an order with its units, category and property project was ≈ 1 ms
# of an API detail read's 4.5 ms (jiesu.common.compiled; test_get_order_equals_the_orm).
_ORDER_QUERY = CompiledQuery(_order_for, order_id=int, user_id=int, unit_id=int)


def get_order(*, user: User, order_id: int) -> WorkOrder:
    found = _ORDER_QUERY.run(
        (user.role, user.unit_id is not None), order_id=order_id, user_id=user.pk, unit_id=user.unit_id
    )
    if not found:
        raise NotFound("工单不存在或无权查看", code="order_not_found")
    if len(found) > 1:
        raise WorkOrder.MultipleObjectsReturned(f"get_order returned {len(found)} orders")
    return found[0]


def is_handling_unit(*, user: User, order: WorkOrder) -> bool:
    if user.unit_id is None:
        return False
    if order.lead_unit_id == user.unit_id:
        return True
    return order.assisting_units.filter(pk=user.unit_id).exists()


def can_see_personal_data(*, user: User, order: WorkOrder) -> bool:
    if user.role == Role.AGENT:
        return True
    if user.role == Role.CALLBACK_AGENT:
        # The callback agent calls back orders that are due for it, and sees only their numbers.
        return order.state == State.RESOLVED
    return user.is_unit_scoped and is_handling_unit(user=user, order=order)


# One masking for every reader (jiesu.common.privacy); the names stay importable from here.
mask_phone = privacy.mask_phone
mask_name = privacy.mask_name


def personal_view(*, user: User, order: WorkOrder, channel: str = "") -> dict[str, str]:
    """The order's personal fields as `user` may see them: unmasked (and the read logged in the
    data-access log) or masked — name, phone, and the content and address texts too."""
    if can_see_personal_data(user=user, order=order):
        if order.requester_name or order.requester_phone:
            from jiesu.privacy.services import record_access

            record_access(
                user=user,
                order_id=order.pk,
                order_number=order.number,
                fields="诉求人、联系电话、内容",
                channel=channel,
            )
        return {
            "requester_name": order.requester_name,
            "requester_phone": order.requester_phone,
            "content": order.content,
            "address": order.address,
            "title": order.title,
        }
    names = [order.requester_name]
    return {
        "requester_name": mask_name(order.requester_name),
        "requester_phone": mask_phone(order.requester_phone),
        "content": privacy.mask_personal(order.content, names=names),
        "address": privacy.mask_personal(order.address, names=names),
        "title": privacy.mask_personal(order.title, names=names),
    }


def requester_for(*, user: User, order: WorkOrder, channel: str = "") -> tuple[str, str]:
    view = personal_view(user=user, order=order, channel=channel)
    return view["requester_name"], view["requester_phone"]


def overdue_q(*, now: dt.datetime | None = None) -> Q:
    """Orders that are overdue now: still open and past a deadline they have not met."""
    now = now or timezone.now()
    late_response = Q(responded_at__isnull=True, response_due__lt=now)
    late_handling = Q(resolved_at__isnull=True, handling_due__lt=now)
    return Q(state__in=OPEN_STATES) & (late_response | late_handling)


def filter_orders(
    orders: QuerySet[WorkOrder],
    *,
    state: str | None = None,
    unit_id: int | None = None,
    category_code: str | None = None,
    overdue: bool | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    street_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[WorkOrder]:
    if state:
        orders = orders.filter(state=state)
    if unit_id:
        orders = orders.filter(lead_unit_id=unit_id)
    if street_id:
        orders = orders.filter(street_id=street_id)
    if category_code:
        orders = orders.filter(Q(category__code=category_code) | Q(category__code__startswith=category_code + "."))
    if overdue is True:
        orders = orders.filter(overdue_q(now=now))
    elif overdue is False:
        orders = orders.exclude(overdue_q(now=now))
    tz = timezone.get_current_timezone()
    if received_from:
        orders = orders.filter(received_at__gte=dt.datetime.combine(received_from, dt.time.min, tzinfo=tz))
    if received_to:
        orders = orders.filter(
            received_at__lt=dt.datetime.combine(received_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return orders


def events_of(*, order: WorkOrder):
    return order.events.select_related("actor", "actor_unit").order_by("seq")


def state_label(state: str) -> str:
    return State(state).label


def category_choices() -> QuerySet[Category]:
    """The categories a clerk or dispatcher picks from: the Beijing-style tree's active 二级 and 三级."""
    return Category.objects.filter(scheme=CategoryScheme.BEIJING, is_active=True, level__gte=2).order_by("code")


def search_categories(*, query: str, limit: int = 20) -> list[Category]:
    """Categories whose name, path, keywords or pinyin initials contain what was typed (初始字母 like
    "wyf" find 物业服务质量); leaves first, then by code."""
    q = (query or "").strip()
    if not q:
        return []
    lowered = q.lower()
    found = category_choices().filter(
        Q(name__icontains=q)
        | Q(path__icontains=q)
        | Q(keywords__icontains=q)
        | Q(initials__startswith=lowered)
        | Q(code__startswith=q)
    )
    return sorted(found[: limit * 3], key=lambda c: (c.level != 3, not c.initials.startswith(lowered), c.code))[:limit]


def whistle_rates(*, start: dt.datetime, end: dt.datetime, unit_ids: list[int] | None = None) -> list[dict]:
    """报到率 and 到场率 per called unit, for the calls made in [start, end): calls, reported in
    time, attended (took part in a joint handling of that order); rates None when no call."""
    attended = JointHandling.objects.filter(order_id=OuterRef("order_id"), participants=OuterRef("unit_id"))
    calls = WhistleCall.objects.filter(called_at__gte=start, called_at__lt=end)
    if unit_ids is not None:
        calls = calls.filter(unit_id__in=unit_ids)
    rows = (
        calls.annotate(came=Exists(attended))
        .values("unit_id", "unit__name")
        .annotate(
            called=Count("pk"),
            reported=Count("pk", filter=Q(reported_at__isnull=False)),
            attended=Count("pk", filter=Q(came=True)),
        )
        .order_by("unit__name")
    )
    result = []
    for row in rows:
        n = row["called"]
        result.append(
            {
                "unit_id": row["unit_id"],
                "unit": row["unit__name"],
                "called": n,
                "reported": row["reported"],
                "attended": row["attended"],
                "report_rate": row["reported"] / n if n else None,
                "attendance_rate": row["attended"] / n if n else None,
            }
        )
    return result
