"""The monthly facts table is a projection of the event log: kept in step as events are written,
rebuilt to the same rows from the log, and a month counted from it gives exactly the figures of
the raw-event fold — for calendar months, the 19th–18th cycle and every rule option."""

import datetime as dt

import pytest
from django.db import connection

from jiesu.assessment import engine, facts
from jiesu.assessment.models import OrderMonthFacts
from jiesu.assessment.rules import parse_month
from jiesu.assessment.tests.test_year_to_date import DEPARTMENT, STREETS, VERSIONS, history, rule_named
from jiesu.workorders import services

TZ = dt.timezone(dt.timedelta(hours=8))


def supervised_orders(units):
    """Orders with supervision notices in several months, one crossing a month end at 23:30 local
    time (15:30 UTC: the month bucket must be the local one)."""
    for i, day in enumerate([dt.datetime(2025, 3, 31, 23, 30, tzinfo=TZ), dt.datetime(2025, 5, 12, 9, tzinfo=TZ)]):
        order, _ = services.create_order(user=None, content=f"督办测试{i}", at=day - dt.timedelta(days=3))
        services.dispatch(user=None, order_id=order.pk, lead_unit=units[STREETS[i]], at=day - dt.timedelta(days=3))
        services.supervise(user=None, order_id=order.pk, reason="请加快办理", at=day)
        services.supervise(user=None, order_id=order.pk, reason="再次督办", at=day + dt.timedelta(hours=1))


def stored_rows():
    fields = [f.attname for f in OrderMonthFacts._meta.concrete_fields if f.attname != "id"]
    return sorted(OrderMonthFacts.objects.values_list(*fields))


@pytest.fixture
def logged_year(rules, units):
    history(units)
    supervised_orders(units)
    return rules


@pytest.mark.django_db
def test_rows_follow_the_log_and_a_rebuild_gives_the_same(logged_year):
    kept = stored_rows()
    assert len(kept) > 200  # one row per order and month with events
    night = OrderMonthFacts.objects.get(order__content="督办测试0", month=202504)  # 2025-03-31 23:30 UTC+8 + 1 h
    assert night.last_at == int(dt.datetime(2025, 4, 1, 0, 30, tzinfo=TZ).timestamp())
    assert OrderMonthFacts.objects.get(order__content="督办测试0", month=202503).created_at is not None
    written = facts.rebuild(chunk=37)  # several chunks
    assert written == len(kept)
    assert stored_rows() == kept


@pytest.mark.django_db
def test_a_new_event_refreshes_only_its_month(rules, units):
    order, _ = services.create_order(user=None, content="跨月工单", at=dt.datetime(2025, 1, 30, 9, tzinfo=TZ))
    services.dispatch(user=None, order_id=order.pk, lead_unit=units[DEPARTMENT], at=dt.datetime(2025, 1, 30, 10, tzinfo=TZ))
    january = OrderMonthFacts.objects.get(order=order, month=202501)
    services.acknowledge(user=None, order_id=order.pk, at=dt.datetime(2025, 2, 2, 9, tzinfo=TZ))
    services.respond(user=None, order_id=order.pk, at=dt.datetime(2025, 2, 2, 10, tzinfo=TZ))
    february = OrderMonthFacts.objects.get(order=order, month=202502)
    assert OrderMonthFacts.objects.get(order=order, month=202501).last_at == january.last_at
    assert february.responded_at == int(dt.datetime(2025, 2, 2, 10, tzinfo=TZ).timestamp())
    assert february.created_at is None and january.created_at is not None
    assert january.last_unit_key % engine.UNIT_PACK == units[DEPARTMENT].pk


@pytest.mark.django_db
@pytest.mark.parametrize("version", VERSIONS)
def test_counts_from_facts_equal_the_raw_event_fold(logged_year, version):
    rules = rule_named(version).parsed()
    compared = 0
    for m in range(1, 7):
        start, end = rules.cycle.window(parse_month(f"2025-{m:02d}"))
        raw = engine.count(rules=rules, start=start, end=end, source="events")
        projected = engine.count(rules=rules, start=start, end=end, source="facts")
        assert projected == raw, f"{version} 2025-{m:02d}"
        compared += sum(c.received + c.callbacks + c.overdue + c.supervised + c.returns for c in raw.values())
    assert compared > 200  # the months have substance: received, callbacks, overdue, supervision, returns


@pytest.mark.django_db
def test_cycle_not_ending_on_a_month_start_reads_the_tail_from_raw_events(logged_year):
    rules = rule_named("huairou-cycle").parsed()
    start, end = rules.cycle.window(parse_month("2025-04"))
    assert end != engine.month_floor(end)  # the 19th at noon
    statements = engine.build(
        dialect=engine.Dialect(vendor=connection.vendor), rules=rules, start=start, end=end, source="facts"
    )
    assert "e.at >= %s AND e.at < %s" in statements[0][0]  # the tail [April 1, April 19 noon)
    raw = engine.count(rules=rules, start=start, end=end, source="events")
    assert engine.count(rules=rules, start=start, end=end) == raw
    assert sum(c.received for c in raw.values()) > 5


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["huairou-2021", "weighted-2025", "every-option"])
def test_year_to_date_pass_from_facts_equals_the_raw_event_pass(logged_year, version):
    rules = rule_named(version).parsed()
    windows = [rules.cycle.window(parse_month(f"2025-{m:02d}")) for m in range(1, 7)]
    projected = engine.count_callback_months(rules=rules, windows=windows, source="facts")
    raw = engine.count_callback_months(rules=rules, windows=windows, source="events")
    assert projected == raw
    assert sum(c.callbacks for month in raw for c in month.values()) > 60


@pytest.mark.django_db
def test_year_to_date_of_a_19th_cycle_is_read_from_the_raw_events(logged_year):
    rules = rule_named("huairou-cycle").parsed()
    windows = [rules.cycle.window(parse_month(f"2025-{m:02d}")) for m in range(2, 5)]
    with pytest.raises(ValueError, match="calendar months"):
        engine.count_callback_months(rules=rules, windows=windows, source="facts")
    assert engine.count_callback_months(rules=rules, windows=windows) == engine.count_callback_months(
        rules=rules, windows=windows, source="events"
    )


@pytest.mark.django_db
def test_rebuild_command_checks_and_restores_lost_rows(rules, units, capsys):
    from django.core.management import CommandError, call_command

    order, _ = services.create_order(user=None, content="重建测试", at=dt.datetime(2025, 3, 3, 9, tzinfo=TZ))
    services.dispatch(user=None, order_id=order.pk, lead_unit=units[STREETS[0]], at=dt.datetime(2025, 3, 3, 10, tzinfo=TZ))
    kept = stored_rows()
    call_command("rebuild_order_facts", "--check")
    assert "一致" in capsys.readouterr().out
    OrderMonthFacts.objects.filter(order=order).delete()
    with pytest.raises(CommandError, match="缺少或应更新 1 行"):
        call_command("rebuild_order_facts", "--check")
    assert stored_rows() == []  # the check writes nothing
    with pytest.raises(CommandError, match="正整数"):
        call_command("rebuild_order_facts", "--chunk", "0")
    call_command("rebuild_order_facts")
    assert stored_rows() == kept
    assert "已重建工单月度事实 1 行" in capsys.readouterr().out


@pytest.mark.django_db
def test_check_finds_a_drifted_row_and_a_rebuild_mends_it(rules, units):
    order, _ = services.create_order(user=None, content="核对测试", at=dt.datetime(2025, 3, 3, 9, tzinfo=TZ))
    services.dispatch(user=None, order_id=order.pk, lead_unit=units[STREETS[0]], at=dt.datetime(2025, 3, 3, 10, tzinfo=TZ))
    OrderMonthFacts.objects.filter(order=order).update(responded_at=1)  # drifted from the log
    assert facts.check() == (1, 1)
    facts.rebuild()
    assert facts.check() == (0, 0)
    assert OrderMonthFacts.objects.get(order=order).responded_at is None
