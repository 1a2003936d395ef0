"""Fewer statements per action on PostgreSQL (issue 19): the version-checked update, the event and
the monthly facts are one statement; creation numbers the order from its id in the same statement.
The folded path writes exactly what the ORM path writes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiesu.assessment.models import OrderMonthFacts
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="data-modifying CTEs: PostgreSQL only"),
]
STEPS = ("create", "dispatch", "acknowledge", "respond", "resolve", "callback", "close")


def loop(users, units, content: str) -> tuple[WorkOrder, dict[str, int]]:
    counts = {}
    handler = users["handler"]

    def step(name, fn):
        with CaptureQueriesContext(connection) as seen:
            result = fn()
        counts[name] = len(seen.captured_queries)
        return result

    order, _ = step("create", lambda: services.create_order(user=users["agent"], content=content))
    step("dispatch", lambda: services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=handler.unit))
    step("acknowledge", lambda: services.acknowledge(user=handler, order_id=order.pk))
    step("respond", lambda: services.respond(user=handler, order_id=order.pk, note="已联系"))
    # the platform's 办结 (a street's handler submits for 多级核查; the write path is the same)
    step("resolve", lambda: services.resolve(user=None, order_id=order.pk, reply="已清理"))
    step("callback", lambda: services.callback(user=users["callback"], order_id=order.pk, solved=True, satisfaction=5))
    step("close", lambda: services.close(user=users["callback"], order_id=order.pk))
    return order, counts


def written(order):
    events = [
        (*row[:-1], {k: (v if not k.endswith("_due") else bool(v)) for k, v in row[-1].items()})  # due: ms apart
        for row in WorkOrderEvent.objects.filter(order=order).values_list(
            "seq", "action", "from_state", "to_state", "actor_id", "actor_unit_id", "reason", "payload"
        )
    ]
    row = WorkOrder.objects.values(
        "state", "version", "lead_unit_id", "reply", "satisfaction", "solved", "requester_phone", "handling_due"
    ).get(pk=order.pk)
    fact_fields = ["month", "unreasonable", "merged"] + [
        f.attname for f in OrderMonthFacts._meta.concrete_fields if f.attname.endswith("_key")
    ]
    facts = list(OrderMonthFacts.objects.filter(order=order).values(*fact_fields))
    for fact in facts:  # keys pack a seq with a value (a unit id, a time): keep the seq and unit part
        for name in fact:
            if name.endswith("_key") and fact[name] is not None and name not in ("last_unit_key", "first_unit_key"):
                fact[name] = fact[name] is not None
    return events, row, facts


def test_each_action_takes_fewer_statements_and_writes_the_same(users, units, monkeypatch):
    loop(users, units, "预热：加载一次的缓存（日历、时限规则、序列名）")
    folded, folded_counts = loop(users, units, "楼道堆物堵塞消防通道，请清理")
    monkeypatch.setattr(services, "_one_statement", lambda: False)
    plain, plain_counts = loop(users, units, "楼道堆物堵塞消防通道，请清理")
    print(f"statements per action, folded {folded_counts} against {plain_counts}")
    assert folded_counts["create"] <= plain_counts["create"] - 3  # number update, event, facts
    for action in STEPS[1:]:
        assert folded_counts[action] <= plain_counts[action] - 2, action  # event insert, facts upsert
    assert written(folded) == written(plain)
    assert folded.number.startswith("FT") and folded.number.endswith(f"{folded.pk:07d}")
    assert WorkOrder.objects.get(pk=folded.pk).number == folded.number


def test_statement_budget_per_action(users, units, django_assert_max_num_queries):
    handler = users["handler"]
    loop(users, units, "预热：加载一次的缓存（日历、时限规则、序列名）")
    with django_assert_max_num_queries(3):  # savepoint, insert … new_event … fold, release
        order, _ = services.create_order(user=users["agent"], content="路灯不亮")
    for action in (
        lambda: services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=handler.unit),
        lambda: services.acknowledge(user=handler, order_id=order.pk),
        lambda: services.respond(user=handler, order_id=order.pk, note="已联系"),
    ):
        with django_assert_max_num_queries(4):  # savepoint, lock, update … new_event … fold, release
            action()


def test_a_stale_version_is_refused_and_writes_nothing(users, units):
    from jiesu.common.errors import Conflict

    order, _ = services.create_order(user=users["agent"], content="噪音扰民")
    event = services._new_event(
        order=order, action="dispatch", from_state="received", user=None, at=order.received_at, reason="", payload={}
    )
    with pytest.raises(Conflict):
        services._update_and_append(order=order, seen_version=order.version + 5, fields=["state"], event=event)
    assert WorkOrderEvent.objects.filter(order=order).count() == 1
    assert WorkOrder.objects.get(pk=order.pk).version == 1
