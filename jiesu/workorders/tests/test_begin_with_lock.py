"""PostgreSQL: an action's BEGIN travels with its first statement (the row lock, or the insert
that creates the order) instead of costing a round trip of its own (issue 19, closed loop). These
tests run outside a test transaction (`transaction=True`), as the services do in production, and
watch the commands psycopg sends on its own (BEGIN, COMMIT, ROLLBACK)."""

import pytest
from django.db import connection, transaction

from jiesu.common.errors import Forbidden, NotFound
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's transaction handling"),
]


@pytest.fixture
def commands(monkeypatch):
    """The commands psycopg sends by itself, outside cursor.execute (BEGIN, COMMIT, ROLLBACK)."""
    connection.ensure_connection()
    raw = connection.connection
    sent = []
    original = raw._exec_command

    def spy(command, *args, **kwargs):
        sent.append(bytes(command).decode())
        return original(command, *args, **kwargs)

    monkeypatch.setattr(raw, "_exec_command", spy)
    return sent


def test_begin_travels_with_the_first_statement(users, commands):
    # Warm up: caches read once per process, and the statements prepared once per connection (a
    # statement's first PREPARE makes psycopg send its BEGIN on its own, once per connection).
    warm, _ = services.create_order(user=users["agent"], content="预热：序列名等每个进程读一次的缓存")
    services.dispatch(user=users["dispatcher"], order_id=warm.pk, lead_unit=users["handler"].unit)
    services.acknowledge(user=users["handler"], order_id=warm.pk)
    commands.clear()
    order, _ = services.create_order(user=users["agent"], content="路灯不亮，晚上出行不便")
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=users["handler"].unit)
    services.acknowledge(user=users["handler"], order_id=order.pk)
    assert commands == ["COMMIT", "COMMIT", "COMMIT"]  # no BEGIN of its own: it went with the statement
    assert WorkOrder.objects.get(pk=order.pk).state == "acknowledged"
    assert list(WorkOrderEvent.objects.filter(order=order).values_list("action", flat=True).order_by("seq")) == [
        "create",
        "dispatch",
        "acknowledge",
    ]


def _refused_twice(*, users) -> WorkOrder:
    order, _ = services.create_order(user=users["agent"], content="噪音扰民，夜间施工")
    with pytest.raises(Forbidden):  # not its unit yet: the lock was taken, then the check refused
        services.respond(user=users["handler"], order_id=order.pk, note="已联系")
    with pytest.raises(NotFound):
        services.acknowledge(user=users["handler"], order_id=order.pk + 10_000)
    return order


def test_a_refused_action_rolls_back_and_leaves_the_connection_usable(users, commands):
    _refused_twice(users=users)  # warm up: this connection's prepared statements (see above)
    commands.clear()
    order = _refused_twice(users=users)
    assert commands == ["COMMIT", "ROLLBACK", "ROLLBACK"]
    assert not connection.in_atomic_block and connection.connection.info.transaction_status == 0  # IDLE
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=users["handler"].unit)
    assert WorkOrder.objects.get(pk=order.pk).version == 2


def test_inside_an_open_transaction_nothing_changes(users, commands):
    order, _ = services.create_order(user=users["agent"], content="小区垃圾清运不及时")
    commands.clear()
    with transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).exists()  # the transaction is open already
        services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=users["handler"].unit)
    assert commands == ["BEGIN", "COMMIT"]  # psycopg's own BEGIN, before the first statement
    assert WorkOrder.objects.get(pk=order.pk).state == "dispatched"


def test_the_order_codes_have_no_pattern_ops_twins():
    """Migration 0014: no `varchar_pattern_ops` index beside number, tracking_code, client_ref and
    requester_phone; external_ref keeps its own (the demo check searches it by prefix)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [WorkOrder._meta.db_table, "%pattern_ops%"],
        )
        twins = [row[0] for row in cursor.fetchall()]
    assert len(twins) == 1 and "(external_ref varchar_pattern_ops)" in twins[0]
    with connection.cursor() as cursor:  # the lookups themselves keep their indexes
        cursor.execute("SELECT COUNT(*) FROM pg_indexes WHERE tablename = %s", [WorkOrder._meta.db_table])
        assert cursor.fetchone()[0] == 21  # 25 before
