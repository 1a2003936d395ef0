"""The timers other apps register (supervision reminders and overdue flags, hotspot alerts) reach
people through the inbox, once: a second pass of the same moment writes nothing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from jiesu.insights.models import AlertKind, Hotspot, HotspotAlert
from jiesu.insights.timers import send_alerts
from jiesu.notify.models import Channel, Message
from jiesu.supervision import services as supervision
from jiesu.supervision.models import Source
from jiesu.supervision.services import MilestoneSpec
from jiesu.timers import services

TZ = timezone.get_fixed_timezone(8 * 60)
FANGZHUANG = "110106013"


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def tick(moment, name):
    with time_machine.travel(moment, tick=False):
        return services.tick(now=moment, only=[name])


@pytest.fixture
def item(users, units):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        return supervision.create_item(
            user=users["dispatcher"],
            source=Source.LIVELIHOOD_PROJECT,
            title="芳城园一区加装电梯",
            lead_unit=units[FANGZHUANG],
            start_date=dt.date(2026, 3, 2),
            due_date=dt.date(2026, 12, 31),
            milestones=[MilestoneSpec(title="完成居民意见征询", due_date=dt.date(2026, 3, 11))],
        )


def test_a_milestone_is_reminded_then_flagged_once_each(users, item):
    tick(at(2026, 3, 9, 8, 30), "supervision.reminders")  # Mon: due Wed 11 Mar, within 3 working days
    inbox = Message.objects.filter(kind="supervision_reminder", channel=Channel.INBOX)
    assert {m.recipient.username for m in inbox} == {"handler", "unit_leader"}
    assert "完成居民意见征询" in inbox.first().body and "/supervision/items/" in inbox.first().body
    assert tick(at(2026, 3, 9, 15, 0), "supervision.reminders") == []  # the day's slot ran
    tick(at(2026, 3, 10, 8, 30), "supervision.reminders")  # next day: the same deadline, nothing new
    assert Message.objects.filter(kind="supervision_reminder", channel=Channel.INBOX).count() == 2

    tick(at(2026, 3, 12, 8, 30), "supervision.overdue")
    overdue = Message.objects.filter(kind="supervision_overdue", channel=Channel.INBOX)
    assert {m.recipient.username for m in overdue} == {"unit_leader", "dispatcher"}
    tick(at(2026, 3, 13, 8, 30), "supervision.overdue")
    assert Message.objects.filter(kind="supervision_overdue", channel=Channel.INBOX).count() == 2


def test_hotspot_alerts_are_sent_once_to_the_centre_and_the_leaders(users, units):
    now = at(2026, 11, 30, 10)
    spot = Hotspot.objects.create(
        key="HS42", title="搅拌站夜间噪音扰民", place="丽发新城", street=units[FANGZHUANG],
        lead_unit=units[FANGZHUANG], size=9, callers=8, repeat_calls=1, recent=7, previous=2, heat=12.0,
        peak_heat=12.0, first_at=now - dt.timedelta(days=9), last_at=now, first_seen_at=now, refreshed_at=now,
    )  # fmt: skip
    HotspotAlert.objects.create(
        hotspot=spot, kind=AlertKind.GROWN, period="2026-W49", at=now, heat=12.0, size=9, recent=7, previous=2,
        message="热点快速增长（丽发新城）：搅拌站夜间噪音扰民，近7天7件（前7天2件）",
    )  # fmt: skip
    assert send_alerts(now=now) > 0
    inbox = Message.objects.filter(kind="hotspot_alert", channel=Channel.INBOX)
    assert {m.recipient.username for m in inbox} == {"dispatcher", "district_leader", "unit_leader"}
    assert "热点快速增长" in inbox.first().subject and "/reports/hotspots/HS42/" in inbox.first().body
    assert send_alerts(now=now + dt.timedelta(minutes=15)) == 0
    assert send_alerts(now=now + dt.timedelta(days=3)) == 0  # too old to send now
