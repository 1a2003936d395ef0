"""Every rate, count and exclusion on small event logs with hand-computed expectations.

All orders are played through jiesu.workorders.services with explicit times in March 2025 (the
calendar-month cycle of rule huairou-2021: 0.1 response + 0.5 resolution + 0.4 satisfaction,
基本满意 = 0.9, response in time = within 24 h for general and 1 h for urgent orders)."""

import datetime as dt

import pytest

from jiesu.assessment import selectors
from jiesu.assessment.services import save_rule_version
from jiesu.assessment.tests.flows import H, at, handled, received, work
from jiesu.workorders import services

FZ, YAM, TPQ, ZJW = "110106013", "110106001", "110106002", "110106-D01"


def row(code, *, month="2025-03", kind="street", rule=None):
    rows = selectors.monthly_results(month=month, kind=kind, rule_version=rule)
    return next(r for r in rows if r.unit_code == code)


def variant(rules, name, **changes):
    """A copy of huairou-2021 with some rule items changed, saved as a new version."""
    doc = {**rules["huairou-2021"].rules, **changes}
    return save_rule_version(version=name, name=name, effective_from="2099-01", rules=doc).version


@pytest.mark.django_db
def test_three_rates_and_composite(rules, units):
    fz = units[FZ]
    handled(fz, when=at(3), satisfaction=5)  # in time, solved, 非常满意 1.0
    handled(fz, when=at(4), satisfaction=4)  # solved, 满意 1.0
    handled(fz, when=at(5), satisfaction=3, respond_after=30 * H)  # late response, 基本满意 0.9
    handled(fz, when=at(6), satisfaction=2, solved=False)  # not solved, 不满意 0
    handled(fz, when=at(7), satisfaction=1, solved=False)  # not solved, 非常不满意 0
    r = row(FZ)
    assert (r.received, r.callbacks, r.responded, r.solved) == (5, 5, 4, 3)
    assert r.response_rate == 80.0
    assert r.resolution_rate == 60.0
    assert r.satisfaction_rate == pytest.approx(100 * 2.9 / 5)  # (1 + 1 + 0.9) / 5 = 58 %
    # 0.1 × 0.8 + 0.5 × 0.6 + 0.4 × 0.58 = 0.612
    assert r.composite == pytest.approx(61.2)
    assert r.rank == 1 and r.ranked_count == 1


@pytest.mark.django_db
def test_response_limit_depends_on_urgency(rules, units):
    fz = units[FZ]
    handled(fz, when=at(3), urgency="urgent", respond_after=dt.timedelta(minutes=50))  # within 1 h
    handled(fz, when=at(4), urgency="urgent", respond_after=2 * H)  # urgent, 2 h: late
    handled(fz, when=at(5), urgency="general", respond_after=2 * H)  # general, 2 h: in time
    assert row(FZ).responded == 2
    # Rule "responded" counts any first contact, whatever its delay.
    assert row(FZ, rule=variant(rules, "any-response", response={"numerator": "responded"})).responded == 3


@pytest.mark.django_db
def test_unreached_callbacks_are_not_valid(rules, units):
    fz = units[FZ]
    handled(fz, when=at(3))
    handled(fz, when=at(4), reached=False)
    r = row(FZ)
    assert (r.callbacks, r.resolution_rate) == (1, 100.0)
    # Counting every callback (reached or not) in the denominator halves the rates.
    r = row(FZ, rule=variant(rules, "all-callbacks", denominator="callbacks"))
    assert (r.callbacks, r.resolution_rate, r.satisfaction_rate) == (2, 50.0, 50.0)


@pytest.mark.django_db
def test_satisfaction_level_weights_are_rule_data(rules, units):
    fz = units[FZ]
    handled(fz, when=at(3), satisfaction=3)
    handled(fz, when=at(4), satisfaction=5)
    assert row(FZ).satisfaction_rate == 95.0  # (0.9 + 1) / 2
    assert row(FZ, rule="weighted-2025").satisfaction_rate == 80.0  # (0.6 + 1) / 2


@pytest.mark.django_db
def test_callback_counts_in_the_month_it_happens_and_last_one_wins(rules, units):
    fz = units[FZ]
    # Dispatched 30 March, called back 1 April: received in March, assessed in April.
    handled(fz, when=at(30), callback_after=48 * H)
    # Reopened: the first callback says not solved, the second (after rework) says solved.
    order = handled(fz, when=at(10), solved=False, satisfaction=2)
    services.reopen(user=None, order_id=order.pk, reason="问题仍在", at=at(13))
    services.resolve(user=None, order_id=order.pk, reply="已彻底修复", at=at(14))
    services.callback(user=None, order_id=order.pk, solved=True, satisfaction=4, at=at(15))
    march, april = row(FZ), row(FZ, month="2025-04")
    assert (march.received, march.callbacks, march.solved, march.reopens) == (2, 1, 1, 1)
    assert march.satisfaction_rate == 100.0
    assert (april.received, april.callbacks) == (0, 1)


@pytest.mark.django_db
def test_overdue_supervision_reopen_counts(rules, units):
    fz = units[FZ]
    # Dispatched Mon 3 March 09:10 → due after 7 working days (Wed 12 March 09:10).
    late = received(when=at(3))
    services.dispatch(user=None, order_id=late.pk, lead_unit=fz, at=at(3) + dt.timedelta(minutes=10))
    services.supervise(user=None, order_id=late.pk, reason="请加快办理", at=at(11))
    services.supervise(user=None, order_id=late.pk, reason="再次督办", at=at(13))
    work(late, when=at(13))  # resolved 14 March: late
    open_order = received(when=at(4))
    services.dispatch(user=None, order_id=open_order.pk, lead_unit=fz, at=at(4))  # never handled
    on_time = handled(fz, when=at(5))  # resolved a day after dispatch
    assert on_time.pk
    # Dispatched 25 March: due in April, not counted as overdue in March.
    pending = received(when=at(25))
    services.dispatch(user=None, order_id=pending.pk, lead_unit=fz, at=at(25))
    r = row(FZ)
    assert (r.received, r.overdue, r.supervised) == (4, 2, 2)
    assert row(FZ, month="2025-04").overdue == 1  # the one dispatched 25 March, still open


@pytest.mark.django_db
def test_extension_moves_the_deadline(rules, units):
    fz = units[FZ]
    order = received(when=at(3))
    services.dispatch(user=None, order_id=order.pk, lead_unit=fz, at=at(3))
    services.acknowledge(user=None, order_id=order.pk, at=at(3, 10))
    services.request_extension(
        user=None, order_id=order.pk, days=5, reason="需协调产权单位", requester_informed=True, at=at(5)
    )
    services.approve_extension(user=None, order_id=order.pk, at=at(5, 11))
    services.respond(user=None, order_id=order.pk, at=at(6))
    services.resolve(user=None, order_id=order.pk, reply="已处理", at=at(14))  # after 7, within 12 days
    assert row(FZ).overdue == 0


@pytest.mark.django_db
def test_unreasonable_requests_are_excluded(rules, units):
    fz = units[FZ]
    handled(fz, when=at(3))
    bad = received(when=at(4))
    services.dispatch(user=None, order_id=bad.pk, lead_unit=fz, at=at(4))
    services.supervise(user=None, order_id=bad.pk, reason="催办", at=at(5))
    services.mark_unreasonable(user=None, order_id=bad.pk, kind="out_of_duty", at=at(6))
    r = row(FZ)
    assert (r.received, r.supervised) == (1, 0)
    r = row(FZ, rule=variant(rules, "keep-unreasonable", exclusions={"unreasonable": False}))
    assert (r.received, r.supervised) == (2, 1)


@pytest.mark.django_db
def test_merged_duplicates_are_excluded(rules, units):
    fz = units[FZ]
    master = handled(fz, when=at(3))
    dup = received(when=at(3, 10))
    services.dispatch(user=None, order_id=dup.pk, lead_unit=fz, at=at(3, 11))
    services.merge_duplicate(user=None, order_id=dup.pk, master_id=master.pk, at=at(3, 12))
    assert row(FZ).received == 1
    assert row(FZ, rule=variant(rules, "keep-merged", exclusions={"merged_duplicates": False})).received == 2


@pytest.mark.django_db
def test_orders_under_dispute_are_excluded_until_ruled(rules, units):
    fz = units[FZ]
    disputed = received(when=at(28))
    services.dispatch(user=None, order_id=disputed.pk, lead_unit=fz, at=at(28))
    services.return_order(user=None, order_id=disputed.pk, reason="不属于本街道辖区", at=at(29))
    ruled = received(when=at(10))
    services.dispatch(user=None, order_id=ruled.pk, lead_unit=fz, at=at(10))
    services.return_order(user=None, order_id=ruled.pk, reason="不属于本街道辖区", at=at(11))
    services.rule_dispute(user=None, order_id=ruled.pk, upheld=False, reason="属本辖区", at=at(12))
    r = row(FZ)
    assert (r.received, r.returns) == (1, 2)  # the unruled one is out; both returns count for 方庄
    no_exclusion = variant(rules, "keep-disputed", exclusions={"under_dispute": False})
    assert row(FZ, rule=no_exclusion).received == 2
    # A ruling in April does not change March: the replay only sees events before the cycle end.
    services.rule_dispute(user=None, order_id=disputed.pk, upheld=False, reason="属本辖区", at=at(2, month=4))
    assert row(FZ).received == 1


@pytest.mark.django_db
def test_returned_and_redispatched_counts_for_the_final_unit_only(rules, units):
    fz, yam = units[FZ], units[YAM]
    order = received(when=at(3))
    services.dispatch(user=None, order_id=order.pk, lead_unit=fz, at=at(3))
    services.acknowledge(user=None, order_id=order.pk, at=at(3, 10))
    services.return_order(user=None, order_id=order.pk, reason="属右安门辖区", at=at(3, 11))
    services.rule_dispute(user=None, order_id=order.pk, upheld=True, new_lead_unit=yam, reason="退单成立", at=at(3, 12))
    work(order, when=at(3, 12))
    other = received(when=at(4))
    services.dispatch(user=None, order_id=other.pk, lead_unit=yam, at=at(4))
    services.redispatch(user=None, order_id=other.pk, lead_unit=fz, reason="派错单位", at=at(4, 15))
    work(other, when=at(4, 15), satisfaction=3)
    f, y = row(FZ), row(YAM)
    assert (f.received, f.callbacks, f.returns, f.satisfaction_rate) == (1, 1, 1, 90.0)
    assert (y.received, y.callbacks, y.returns, y.satisfaction_rate) == (1, 1, 0, 100.0)
    # Attribution to the first unit instead swaps them.
    first = variant(rules, "first-unit", attribution="first")
    assert row(FZ, rule=first).satisfaction_rate == 100.0
    assert row(YAM, rule=first).satisfaction_rate == 90.0


@pytest.mark.django_db
def test_streets_and_departments_are_ranked_apart(rules, units):
    handled(units[FZ], when=at(3))
    handled(units[ZJW], when=at(3), solved=False)
    streets = selectors.monthly_results(month="2025-03", kind="street")
    departments = selectors.monthly_results(month="2025-03", kind="department")
    assert {r.unit_kind for r in streets} == {"street", "town"}
    assert {r.unit_kind for r in departments} == {"department"}
    assert streets[0].unit_code == FZ and streets[0].rank == 1
    assert departments[0].unit_code == ZJW and departments[0].rank == 1


@pytest.mark.django_db
def test_ties_share_a_rank_and_the_next_rank_skips(rules, units):
    handled(units[FZ], when=at(3))  # 100
    handled(units[YAM], when=at(3))  # 100
    handled(units[TPQ], when=at(3), solved=False, satisfaction=3)  # 0.1 + 0 + 0.36 = 46
    rows = selectors.monthly_results(month="2025-03", kind="street")
    ranks = {r.unit_code: r.rank for r in rows if r.rank is not None}
    assert ranks == {FZ: 1, YAM: 1, TPQ: 3}
    assert [r.unit_code for r in rows[:3]][2] == TPQ
    assert all(r.rank is None for r in rows[3:])  # no callback: not ranked, listed last


@pytest.mark.django_db
def test_month_on_month_change_and_year_to_date(rules, units):
    fz = units[FZ]
    handled(fz, when=at(3, month=2), solved=False, satisfaction=3)  # Feb: 0.1 + 0 + 0.36 = 46
    handled(fz, when=at(3, month=3))  # Mar: 100
    handled(units[YAM], when=at(3, month=2))  # Feb: 100, no March callback
    r = row(FZ)
    assert (r.composite, r.previous_composite, r.composite_change) == (100.0, 46.0, 54.0)
    assert (r.rank, r.previous_rank, r.rank_change) == (1, 2, 1)
    # Year to date pools both callbacks: response 1, resolution 1/2, satisfaction 1.9/2.
    assert r.ytd_callbacks == 2
    assert r.ytd_composite == pytest.approx(100 * (0.1 + 0.5 * 0.5 + 0.4 * 0.95))


@pytest.mark.django_db
def test_cycle_from_the_18th_noon(rules, units):
    fz = units[FZ]
    handled(fz, when=at(16, 9), callback_after=dt.timedelta(hours=49, minutes=50))  # callback 18 March 11:00
    handled(fz, when=at(16, 11), callback_after=dt.timedelta(hours=49, minutes=50))  # 18 March 13:00
    assert row(FZ, rule="huairou-cycle").callbacks == 1
    assert row(FZ, month="2025-04", rule="huairou-cycle").callbacks == 1
    assert row(FZ).callbacks == 2  # calendar month


@pytest.mark.django_db
def test_long_running_orders_keep_their_early_events(rules, units):
    """Dispatched in December, reopened and called back in March: the dispatch lies before the
    scanned range [cycle start − lookback, end) and is folded in by the catch-up pass."""
    fz = units[FZ]
    order = handled(fz, when=at(2, month=12, year=2024), solved=False, satisfaction=2)
    services.reopen(user=None, order_id=order.pk, reason="问题仍在", at=at(3))
    services.resolve(user=None, order_id=order.pk, reply="已彻底修复", at=at(4))
    services.callback(user=None, order_id=order.pk, solved=True, satisfaction=5, at=at(5))
    r = row(FZ)
    assert (r.received, r.callbacks, r.solved, r.reopens, r.composite) == (0, 1, 1, 1, 100.0)
