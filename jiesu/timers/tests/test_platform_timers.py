"""The platform's own timers (nightly recompute, facts check, monthly pack, callback due list)
with a frozen clock: each does its work once per slot; a rerun writes nothing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from jiesu.notify.models import Channel, Message
from jiesu.timers import services
from jiesu.timers.models import RunStatus, TimerRun
from jiesu.workorders import services as orders
from jiesu.workorders.tests.factories import make_order, resolve_through_checks

TZ = timezone.get_fixed_timezone(8 * 60)
FANGZHUANG = "110106013"


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def tick(moment, name):
    with time_machine.travel(moment, tick=False):
        return services.tick(now=moment, only=[name])


def test_callback_agents_get_the_due_list_once_a_day(users, units):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        order = make_order(users=users)
        orders.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
        orders.acknowledge(user=users["handler"], order_id=order.pk)
        orders.respond(user=users["handler"], order_id=order.pk, note="已联系")
        resolve_through_checks(order_id=order.pk, users=users, reply="已清理")
    runs = tick(at(2025, 3, 6, 8, 40), "notify.callback_due")
    assert runs[0].result["waiting"] == 1 and runs[0].result["past_due"] == 1
    notice = Message.objects.get(kind="callback_due", channel=Channel.INBOX, recipient=users["callback"])
    assert order.number in notice.body and "1 件" in notice.subject
    assert tick(at(2025, 3, 6, 15, 0), "notify.callback_due") == []
    assert Message.objects.filter(kind="callback_due", channel=Channel.INBOX).count() == 1


def test_nightly_facts_check_reports_a_drift_to_the_admins(users, units):
    from jiesu.assessment.models import OrderMonthFacts

    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        order = make_order(users=users)
        orders.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
    run = tick(at(2025, 3, 4, 2, 40), "assessment.facts_check")[0]
    assert run.result == {"stale": 0, "missing": 0}
    assert not Message.objects.filter(kind="admin_alert").exists()
    OrderMonthFacts.objects.all().delete()  # a load that bypassed the services
    run = tick(at(2025, 3, 5, 2, 40), "assessment.facts_check")[0]
    assert run.result["missing"] > 0
    alert = Message.objects.get(kind="admin_alert", channel=Channel.INBOX, recipient=users["admin"])
    assert "rebuild_order_facts" in alert.body


def test_nightly_recompute_of_estimated_deadlines_is_idempotent(users, units):
    with time_machine.travel(at(2026, 12, 28, 10), tick=False):
        order = make_order(users=users)
        orders.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG], urgency="complex")
    order.refresh_from_db()
    assert order.calendar_estimated
    first = tick(at(2026, 12, 29, 2, 10), "workorders.recompute_estimated_deadlines")[0]
    second = tick(at(2026, 12, 30, 2, 10), "workorders.recompute_estimated_deadlines")[0]
    # Nothing new is known about 2027 in between: no event either night.
    assert first.result == second.result == {"changed": 0}
    assert not order.events.filter(action="recompute_deadlines").exists()


@pytest.mark.slow
def test_the_monthly_review_pack_is_made_once_on_the_first(users, units, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.management import call_command

    from jiesu.reports.models import ReviewPack

    call_command("load_assessment_rules", verbosity=0)

    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        make_order(users=users)
    assert tick(at(2025, 4, 1, 5, 0), "reports.monthly_review_pack") == []
    run = tick(at(2025, 4, 1, 6, 5), "reports.monthly_review_pack")[0]
    assert run.status == RunStatus.DONE and run.result["month"] == "2025-03" and run.result["generated"] == 1
    pack = ReviewPack.objects.get()
    assert pack.month == dt.date(2025, 3, 1) and pack.pdf_pages > 0
    assert tick(at(2025, 4, 2, 6, 5), "reports.monthly_review_pack") == []
    assert ReviewPack.objects.count() == 1
    assert TimerRun.objects.filter(timer="reports.monthly_review_pack").count() == 1
