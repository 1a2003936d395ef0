"""Fewer statements per action on PostgreSQL (issue 19): the version-checked update, the event and
the monthly facts are one statement; creation numbers the order from its id in the same statement;
the row lock reads the lead unit with the order; the messages an event causes are written in the
action's own transaction (notify's outbox, under a savepoint), not in a transaction of their own
after the commit. The folded path writes exactly what the ORM path writes.

Every count includes what runs after the commit (the on-commit callbacks are executed inside the
measurement), so work moved there would still be counted."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiesu.assessment.models import OrderMonthFacts
from jiesu.notify.models import Message
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent
from jiesu.workorders.tests.factories import spot_check_rates

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="data-modifying CTEs: PostgreSQL only"),
]
# The loop of a street's order: the handler submits for 多级核查, the unit leader approves (not sampled).
STEPS = ("create", "dispatch", "acknowledge", "respond", "submit_check", "approve_check", "callback", "close")
# Statements per action with their messages (inside the test's transaction: SAVEPOINT/RELEASE for
# BEGIN/COMMIT). Before (messages recorded after the commit in their own transaction, the unit read
# by a query of its own, approve_check reading the order before locking it) the loop took 77
# statements and 12 transactions: create 11, dispatch 12, acknowledge 4, respond 4, submit_check 13,
# approve_check 17, callback 12, close 4. The messages' savepoint costs no statement of its own: its
# SAVEPOINT goes with the first read, its RELEASE with the insert (jiesu.notify.services).
BUDGET = {
    # A citizen's SMS is decided (opt-outs, rate count) and inserted by one statement, which also
    # carries the outbox's SAVEPOINT and RELEASE (was 2: recent+opt-outs, insert).
    "create": 4,  # savepoint, insert … new_event … fold; messages: the SMS; release (was 5)
    # Messages to a unit: its users with their opt-outs and rate counts (one statement), insert.
    # Was 7 (users and opt-outs were 2 statements).
    "dispatch": 6,  # savepoint, lock (+unit), update … fold; messages: users+opt-outs, insert; release
    "acknowledge": 4,  # savepoint, lock, update … new_event … fold, release
    "respond": 4,
    "submit_check": 6,  # as dispatch (the unit leaders are told); was 7
    # The submitter is read with the row lock (was a statement of its own: 7).
    "approve_check": 5,  # savepoint, lock (+unit, submitter), update …; the citizen's SMS; release (was 7)
    "callback": 5,  # savepoint, lock, update …; the citizen's SMS; release (was 6)
    "close": 4,
}


def loop(users, units, content: str, run_on_commit, sent: list | None = None) -> tuple[WorkOrder, dict[str, int]]:
    counts = {}
    handler = users["handler"]

    def step(name, fn):
        with CaptureQueriesContext(connection) as seen, run_on_commit(execute=True):
            result = fn()
        counts[name] = len(seen.captured_queries)
        if sent is not None:
            sent.extend((name, query["sql"]) for query in seen.captured_queries)
        return result

    order, _ = step(
        "create", lambda: services.create_order(user=users["agent"], content=content, requester_phone="13800001111")
    )
    step("dispatch", lambda: services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=handler.unit))
    step("acknowledge", lambda: services.acknowledge(user=handler, order_id=order.pk))
    step("respond", lambda: services.respond(user=handler, order_id=order.pk, note="已联系"))
    step("submit_check", lambda: services.submit_check(user=handler, order_id=order.pk, reply="已清理"))
    with spot_check_rates(0.0):
        step("approve_check", lambda: services.approve_check(user=users["unit_leader"], order_id=order.pk))
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
    messages = sorted(
        Message.objects.filter(order=order).values_list("kind", "channel", "recipient_id", "address", "status")
    )
    for fact in facts:  # keys pack a seq with a value (a unit id, a time): keep the seq and unit part
        for name in fact:
            if name.endswith("_key") and fact[name] is not None and name not in ("last_unit_key", "first_unit_key"):
                fact[name] = fact[name] is not None
    return events, row, facts, messages


def test_each_action_takes_fewer_statements_and_writes_the_same(
    users, units, monkeypatch, django_capture_on_commit_callbacks
):
    run_on_commit = django_capture_on_commit_callbacks
    loop(users, units, "预热：加载一次的缓存（日历、时限规则、序列名）", run_on_commit)
    folded, folded_counts = loop(users, units, "楼道堆物堵塞消防通道，请清理", run_on_commit)
    monkeypatch.setattr(services, "_one_statement", lambda: False)
    plain, plain_counts = loop(users, units, "楼道堆物堵塞消防通道，请清理", run_on_commit)
    print(f"statements per action, folded {folded_counts} against {plain_counts}")
    assert folded_counts["create"] <= plain_counts["create"] - 3  # number update, event, facts
    for action in STEPS[1:]:
        assert folded_counts[action] <= plain_counts[action] - 2, action  # event insert, facts upsert
    assert written(folded) == written(plain)
    assert {m[0] for m in written(folded)[3]} == {
        "citizen_received", "unit_new_order", "unit_check_pending", "citizen_resolved", "citizen_callback"
    }  # fmt: skip
    assert folded.number.startswith("FT") and folded.number.endswith(f"{folded.pk:07d}")
    assert WorkOrder.objects.get(pk=folded.pk).number == folded.number


def test_statement_budget_per_action(users, units, django_capture_on_commit_callbacks):
    loop(users, units, "预热：加载一次的缓存（日历、时限规则、序列名）", django_capture_on_commit_callbacks)
    _order, counts = loop(users, units, "路灯不亮", django_capture_on_commit_callbacks)
    assert counts == BUDGET
    assert sum(counts.values()) == 38  # was 77, then 44


def test_the_actions_statements_are_prepared(users, units, django_capture_on_commit_callbacks):
    """Every statement of the loop but the savepoints' own is an EXECUTE of a statement prepared
    once per connection (jiesu.common.prepared): the server neither parses nor plans it again."""
    loop(users, units, "预热：加载一次的缓存（日历、时限规则、序列名）", django_capture_on_commit_callbacks)
    sent: list[tuple[str, str]] = []
    loop(users, units, "井盖破损", django_capture_on_commit_callbacks, sent)
    own = [(name, sql) for name, sql in sent if not re.fullmatch(r"(SAVEPOINT|RELEASE SAVEPOINT) \S+", sql)]
    assert len(own) == 22  # the budget less the test transaction's SAVEPOINT and RELEASE of each action
    assert all("EXECUTE jiesu_" in sql for _name, sql in own), [x for x in own if "EXECUTE jiesu_" not in x[1]]


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
