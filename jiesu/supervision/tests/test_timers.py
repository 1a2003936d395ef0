"""Reminders before a deadline and overdue flags: idempotent, recorded, working days counted."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.supervision import services, timers
from jiesu.supervision.models import Reminder
from jiesu.supervision.services import MilestoneSpec

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 8) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def test_reminder_three_working_days_before_and_only_once(make_item):
    # 2026-05-29 is a Friday: three working days before it start on Tuesday 26 May.
    item = make_item(milestones=[MilestoneSpec(title="完成居民意见征询", due_date=dt.date(2026, 5, 29))])
    assert timers.run_milestone_reminders(now=at("2026-05-25")).fired == []  # four working days left
    run = timers.run_milestone_reminders(now=at("2026-05-26"))
    assert len(run.fired) == 1
    message = run.fired[0]["message"]
    assert "“完成居民意见征询”将于2026年05月29日到期（还有3个工作日）" in message
    again = timers.run_milestone_reminders(now=at("2026-05-27"))
    assert (again.fired, again.already_done) == ([], 1)
    event = item.events.get(action="remind")
    assert event.actor_id is None and event.payload["recipients"]["unit"] == item.lead_unit_id
    assert Reminder.objects.get().message == message


def test_weekend_does_not_count_as_working_days(make_item):
    # Monday 2026-06-01 due; on Thursday 28 May three working days remain (Fri, Mon … the weekend is skipped).
    make_item(milestones=[MilestoneSpec(title="开工", due_date=dt.date(2026, 6, 1))])
    run = timers.run_milestone_reminders(now=at("2026-05-27"))
    assert len(run.fired) == 1 and "还有3个工作日" in run.fired[0]["message"]


def test_overdue_flag_once_per_deadline_and_again_after_rescheduling(make_item, users):
    item = make_item()
    first = item.milestones.get(seq=1)  # due 2026-05-31
    assert timers.run_overdue_flags(now=at("2026-05-31", 20)).fired == []  # due today: not late yet
    run = timers.run_overdue_flags(now=at("2026-06-01"))
    assert [f["target"] for f in run.fired] == [f"milestone:{first.pk}"]
    assert "已于2026年05月31日到期未完成" in run.fired[0]["message"]
    assert timers.run_overdue_flags(now=at("2026-06-02")).fired == []
    services.reschedule_milestone(
        user=users["district_leader"],
        item_id=item.pk,
        milestone_id=first.pk,
        due_date=dt.date(2026, 6, 10),
        reason="疫情顺延",
    )
    assert timers.run_overdue_flags(now=at("2026-06-05")).fired == []
    assert len(timers.run_overdue_flags(now=at("2026-06-11")).fired) == 1
    assert item.events.filter(action="flag_overdue").count() == 2


def test_done_milestones_and_closed_items_are_left_alone(make_item, users):
    item = make_item(milestones=[])
    run = timers.run_overdue_flags(now=at("2027-01-05"))  # the item's own deadline (2026-12-31)
    assert [f["target"] for f in run.fired] == ["item"]
    services.supervise(user=users["district_leader"], item_id=item.pk, reason="请说明")
    other = make_item(milestones=[MilestoneSpec(title="开工", due_date=dt.date(2026, 4, 30))])
    services.report_progress(
        user=users["handler"],
        item_id=other.pk,
        text="已开工",
        milestone_id=other.milestones.get().pk,
        completes_milestone=True,
        files=[("开工.pdf", __import__("jiesu.attachments.tests.samples", fromlist=["pdf"]).pdf())],
    )
    run = timers.run_overdue_flags(now=at("2026-05-10"))
    assert run.fired == []
