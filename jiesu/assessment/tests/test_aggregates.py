"""The leader pages' stored figures (jiesu.assessment.aggregates) equal a recomputation from the
event log after returns, redispatch, reopen and callbacks; they are served as stored until the
timer sees an event that can change them, and the refresh invalidates every process's copy."""

import datetime as dt

import pytest
from django.test import override_settings

from jiesu.assessment import aggregates, engine, selectors
from jiesu.assessment.models import LeaderAggregate
from jiesu.assessment.rules import parse_month
from jiesu.assessment.tests.flows import at, handled, received, work
from jiesu.assessment.tests.test_year_to_date import DEPARTMENT, STREETS
from jiesu.assessment.timers import refresh_aggregates
from jiesu.common import shared_version
from jiesu.workorders import services

MARCH = parse_month("2025-03")
FIELDS = ("received", "callbacks", "responded", "solved", "satisfaction_points", "overdue", "supervised", "returns")


@pytest.fixture
def timer_path():
    """Production reading: stored figures are served as they are; only the timer re-computes."""
    aggregates.clear_memo()
    with override_settings(JIESU_AGGREGATES_REFRESH_ON_READ=False):
        yield
    aggregates.clear_memo()


def from_log(rule, month=MARCH):
    """Per-unit sums folded from the raw event log (not the facts, not the stored figures)."""
    rules = rule.parsed()
    start, end = rules.cycle.window(month)
    return engine.count(rules=rules, start=start, end=end, source="events")


def assert_equal_to_log(rule, month=MARCH):
    raw = from_log(rule, month)
    for kind in ("street", "department"):
        stored = selectors.monthly_results(month=month, kind=kind)
        recomputed = selectors.compute_month(month=month, kind=kind, rule=rule)
        assert stored == recomputed
        for row in stored:
            counts = raw.get(row.unit_id, engine.Counts())
            assert [getattr(row, f) for f in FIELDS] == [getattr(counts, f) for f in FIELDS], row.unit_name
    assert selectors.red_black_list(month=month) == selectors._stored_red_black.compute(
        month=f"{month:%Y-%m}", rule_version=rule.version
    )


def march_history(units):
    streets = [units[code] for code in STREETS]
    for i in range(6):
        handled(streets[i % 3], when=at(3 + i), solved=i % 2 == 0, satisfaction=3 + i % 3)
    handled(units[DEPARTMENT], when=at(5), respond_after=dt.timedelta(hours=30))
    # A return the centre upholds, then the new unit handles it.
    order = received(when=at(10))
    services.dispatch(user=None, order_id=order.pk, lead_unit=streets[0], at=at(10, 10))
    services.return_order(user=None, order_id=order.pk, reason="不属于本单位职责", at=at(10, 11))
    services.rule_dispute(user=None, order_id=order.pk, upheld=True, reason="改派", new_lead_unit=streets[1], at=at(11))
    work(order, when=at(11, 10))
    # Unsolved at callback: reopened, handled again, called back solved.
    order = handled(streets[2], when=at(12), solved=False, satisfaction=1)
    return order


@pytest.mark.django_db
def test_stored_figures_follow_the_log_through_returns_and_reopen(rules, units, timer_path):
    rule = selectors.resolve_rule(month=MARCH)
    march_history(units)
    assert_equal_to_log(rule)
    assert LeaderAggregate.objects.filter(name__endswith=":monthly_results").count() == 2

    # More of March: a reopen and a second callback, a redispatch of an open order.
    reopened = services.create_order(user=None, content="重办测试", at=at(14))[0]
    services.dispatch(user=None, order_id=reopened.pk, lead_unit=units[STREETS[3]], at=at(14, 10))
    work(reopened, when=at(14, 10), solved=False, satisfaction=1)
    services.reopen(user=None, order_id=reopened.pk, reason="群众反映未解决", at=at(17))
    services.resolve(user=None, order_id=reopened.pk, reply="再次处理", at=at(18))
    services.callback(user=None, order_id=reopened.pk, solved=True, satisfaction=5, reached=True, at=at(19))
    moving = received(when=at(20))
    services.dispatch(user=None, order_id=moving.pk, lead_unit=units[STREETS[0]], at=at(20, 10))
    services.redispatch(user=None, order_id=moving.pk, lead_unit=units[STREETS[4]], reason="改派", at=at(20, 11))

    before = selectors.monthly_results(month=MARCH, kind="street")
    assert before != selectors.compute_month(month=MARCH, kind="street", rule=rule)  # served as stored

    result = refresh_aggregates(now=at(21))
    assert result["refreshed"] >= 3  # both groups' results and the red/black list of March
    assert_equal_to_log(rule)
    assert selectors.monthly_results(month=MARCH, kind="street") != before


@pytest.mark.django_db
def test_an_event_after_a_cycle_leaves_that_month_alone(rules, units, timer_path):
    march_history(units)
    selectors.monthly_results(month=MARCH, kind="street")
    march = LeaderAggregate.objects.get(name__endswith=":monthly_results")
    handled(units[STREETS[0]], when=at(3, month=4))  # April's events cannot change March's cycle

    result = aggregates.refresh(now=at(10, month=4))
    assert result["refreshed"] == 0 and result["current"] >= 1
    kept = LeaderAggregate.objects.get(pk=march.pk)
    assert kept.as_of == march.as_of and kept.event_mark > march.event_mark  # checked, moved on


@pytest.mark.django_db
def test_a_refresh_invalidates_every_process(rules, units, timer_path):
    march_history(units)
    selectors.monthly_results(month=MARCH, kind="street")
    assert aggregates._memo  # this process keeps the figures in memory
    counter = shared_version.read("leader-aggregates")
    assert refresh_aggregates(now=at(21))["refreshed"] == 0  # nothing new: nothing moves
    assert shared_version.read("leader-aggregates") == counter and aggregates._memo

    handled(units[STREETS[1]], when=at(25))
    assert aggregates.refresh(now=at(28))["refreshed"] >= 1
    assert shared_version.read("leader-aggregates") > counter  # other processes drop theirs
    assert not any(key.split("|")[0].endswith(":monthly_results") for key in aggregates._memo)


@pytest.mark.django_db
def test_publishing_replaces_the_stored_live_figures(rules, units, timer_path):
    from jiesu.assessment.services import publish_month

    march_history(units)
    live = selectors.monthly_results(month=MARCH, kind="street")
    assert {r.source for r in live} == {"live"}
    publish_month(month=MARCH)
    published = selectors.monthly_results(month=MARCH, kind="street")
    assert {r.source for r in published} == {"snapshot"}
    assert [(r.unit_id, r.rank, r.composite) for r in published] == [(r.unit_id, r.rank, r.composite) for r in live]


@pytest.mark.django_db
def test_dashboard_reads_stored_figures_and_says_as_of_when(rules, units, users, client, timer_path):
    march_history(units)
    client.force_login(users["district_leader"])
    page = client.get("/reports/dashboard/?month=2025-03")
    assert page.status_code == 200 and "数据截至" in page.content.decode()
    stored = LeaderAggregate.objects.count()
    assert stored >= 5  # results, rankings of the trend, red/black list, category volumes

    # The same page again reads what is stored: no aggregation over orders or facts.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/reports/dashboard/?month=2025-03").status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "assessment_ordermonthfacts" not in sql and "GROUP BY" not in sql
    assert LeaderAggregate.objects.count() == stored


@pytest.mark.django_db
def test_overview_figures_follow_events(units, users, client, timer_path):
    from django.utils import timezone

    client.force_login(users["district_leader"])
    assert client.get("/overview/").context["figures"]["today_intake"] == 0
    services.create_order(user=None, content="今天的新诉求", at=timezone.now())
    assert client.get("/overview/").context["figures"]["today_intake"] == 0  # as stored, with its time shown
    refresh_aggregates(now=timezone.now())
    page = client.get("/overview/")
    assert page.context["figures"]["today_intake"] == 1 and "数据截至" in page.content.decode()
