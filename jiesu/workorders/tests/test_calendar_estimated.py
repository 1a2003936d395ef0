"""Orders keep getting deadlines after the official calendar ends: estimated ones are flagged
("日历为推算") and recomputed with an event once the official schedule is loaded. The clock is frozen
with time-machine, so the services run as they would on those days."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from jiesu.workorders import services
from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import do, make_order
from jiesu.worktime import calendar
from jiesu.worktime.services import enter_year

TZ = timezone.get_fixed_timezone(8 * 60)
FANGZHUANG = "110106013"
pytestmark = pytest.mark.django_db(transaction=True)  # the recompute runs after commit, as in production


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.invalidate()
    yield
    calendar.invalidate()


def end_of(*args) -> dt.datetime:
    return dt.datetime(*args, 23, 59, 59, tzinfo=TZ)


def dispatch_now(users, units, *, urgency="complex"):
    order = make_order(users=users)
    return services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG], urgency=urgency)


def test_an_order_dispatched_in_2027_gets_an_estimated_deadline_then_the_official_one(users, units):
    with time_machine.travel(dt.datetime(2027, 1, 28, 10, 0, tzinfo=TZ), tick=False):
        order = dispatch_now(users, units)
        # 15 working days from Thu 28 Jan 2027 under the estimate: Feb 5–10 off (Spring Festival
        # with weekend make-up), no 调休 Saturdays: Jan 29 (1), Feb 1–4 (5), Feb 11–12 (7),
        # 15–19 (12), 22–24 (15) → Wed 24 Feb.
        assert order.handling_due == end_of(2027, 2, 24)
        assert order.calendar_estimated
        event = order.events.get(action="dispatch")
        assert event.payload["calendar_estimated"] is True

        # The official notice (a test notice): Feb 4–11 off, Sat 20 Feb worked.
        enter_year(
            year=2027,
            holidays=[(dt.date(2027, 2, d), "春节") for d in range(4, 12)] + [(dt.date(2027, 1, 1), "元旦")],
            makeup_workdays=[(dt.date(2027, 2, 20), "春节调休上班")],
            notice="测试通知",
        )
        order.refresh_from_db()
        # Jan 29 (1), Feb 1–3 (4), Feb 12 (5), 15–19 (10), Sat 20 (11), 22–25 (15) → Thu 25 Feb.
        assert order.handling_due == end_of(2027, 2, 25)
        assert not order.calendar_estimated
        recomputed = order.events.get(action="recompute_deadlines")
        assert recomputed.actor_id is None
        assert recomputed.payload["old"]["handling_due"] == end_of(2027, 2, 24).isoformat()
        assert recomputed.payload["new"]["handling_due"] == end_of(2027, 2, 25).isoformat()
        assert recomputed.payload["calendar_source"] == calendar.ADMIN

        # Idempotent: a second pass writes nothing.
        assert services.recompute_estimated_deadlines() == 0
        assert order.events.filter(action="recompute_deadlines").count() == 1


def test_extension_and_reopen_are_replayed_in_order(users, units):
    with time_machine.travel(dt.datetime(2027, 3, 1, 10, 0, tzinfo=TZ), tick=False):
        order = dispatch_now(users, units, urgency="general")  # 7 working days → Wed 10 Mar
        assert order.handling_due == end_of(2027, 3, 10)
        do("acknowledge", order=order, users=users, units=units)
        do("respond", order=order, users=users, units=units)
        services.request_extension(
            user=users["handler"], order_id=order.pk, days=3, reason="协调", requester_informed=True
        )
        order = services.approve_extension(user=users["dispatcher"], order_id=order.pk)
        assert order.handling_due == end_of(2027, 3, 15) and order.calendar_estimated
        # An admin marks Fri 12 Mar 2027 a day off (and completes the year): the extension moves.
        enter_year(year=2027, holidays=[(dt.date(2027, 3, 12), "临时放假")], makeup_workdays=[])
        order.refresh_from_db()
        assert order.handling_due == end_of(2027, 3, 16)
        assert not order.calendar_estimated


def test_orders_in_2031_are_estimated_across_the_spring_festival(users, units):
    with time_machine.travel(dt.datetime(2031, 1, 20, 9, 0, tzinfo=TZ), tick=False):
        order = dispatch_now(users, units, urgency="general")
        # Tue 21 (1); 22–27 Jan off (除夕, 初一–初三, weekend, Mon 27 made up); 28–31 (5); Feb 3, 4 (7).
        assert order.handling_due == end_of(2031, 2, 4)
        assert order.calendar_estimated
        assert order.response_due == dt.datetime(2031, 1, 21, 9, 0, tzinfo=TZ)  # 24 natural hours


def test_official_days_leave_no_flag_and_no_recompute(users, units):
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tick=False):
        order = dispatch_now(users, units, urgency="general")
        assert not order.calendar_estimated
        assert "calendar_estimated" not in order.events.get(action="dispatch").payload
        enter_year(year=2027, holidays=[(dt.date(2027, 1, 1), "元旦")], makeup_workdays=[])
        assert not order.events.filter(action="recompute_deadlines").exists()


def test_terminal_orders_that_were_merged_are_left_alone(users, units):
    with time_machine.travel(dt.datetime(2027, 1, 28, 10, 0, tzinfo=TZ), tick=False):
        order = dispatch_now(users, units)
        master = make_order(users=users)
        services.merge_duplicate(user=users["dispatcher"], order_id=order.pk, master_id=master.pk, reason="重复")
        enter_year(year=2027, holidays=[(dt.date(2027, 1, 1), "元旦")], makeup_workdays=[])
        order = WorkOrder.objects.get(pk=order.pk)
        assert order.state == State.MERGED
        assert not order.events.filter(action="recompute_deadlines").exists()


def test_pages_show_the_flag_and_dispatchers_the_horizon_banner(users, units, client):
    with time_machine.travel(dt.datetime(2031, 1, 20, 9, 0, tzinfo=TZ), tick=False):
        order = dispatch_now(users, units, urgency="general")
        client.force_login(users["dispatcher"])
        page = client.get(f"/orders/{order.pk}/").content.decode()
        assert "日历为推算" in page
        assert "官方节假日日历已于" in page  # the banner: the official calendar ended in 2026
        client.force_login(users["handler"])
        page = client.get(f"/orders/{order.pk}/").content.decode()
        assert "日历为推算" in page and "官方节假日日历" not in page  # banner for dispatchers/admins only
        body = client.get(f"/api/v1/orders/{order.pk}").json()
        assert body["calendar_estimated"] is True
