"""The timer registry: slots, one run per slot whoever ticks, retries of a failed run, alerts to
the admins, and the marks that make a timer's actions idempotent."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from jiesu.notify.models import Channel, Message
from jiesu.timers import registry, services
from jiesu.timers.models import Heartbeat, RunStatus, TimerMark, TimerRun

TZ = timezone.get_fixed_timezone(8 * 60)
CALLS: list = []


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


@registry.register("tests.counter", label="测试计数", schedule=registry.Every(minutes=10))
def counter(*, now):
    CALLS.append(now)
    return {"calls": len(CALLS)}


FAILS = {"left": 0}


@registry.register("tests.flaky", label="测试失败", schedule=registry.Daily(at="02:00"))
def flaky(*, now):
    if FAILS["left"] > 0:
        FAILS["left"] -= 1
        raise RuntimeError("模拟故障")
    return {"ok": 1, "alert": "测试告警：数据不一致"}


@pytest.fixture(autouse=True)
def reset():
    CALLS.clear()
    FAILS["left"] = 0


def test_slots_of_each_schedule():
    assert registry.Every(minutes=5).slot(at(2027, 1, 4, 10, 7)) == "2027-01-04T10:05"
    assert registry.Every(minutes=5).slot(at(2027, 1, 4, 0, 0)) == "2027-01-04T00:00"
    assert registry.Daily(at="02:30").slot(at(2027, 1, 4, 2, 29)) is None
    assert registry.Daily(at="02:30").slot(at(2027, 1, 4, 23, 0)) == "2027-01-04"
    assert registry.Monthly(day=1, at="06:00").slot(at(2027, 2, 1, 5, 0)) is None
    assert registry.Monthly(day=1, at="06:00").slot(at(2027, 2, 17, 5, 0)) == "2027-02"
    # Local time decides: 23:30 UTC on 3 Jan is 07:30 on 4 Jan in Beijing.
    assert registry.Daily(at="07:00").slot(dt.datetime(2027, 1, 3, 23, 30, tzinfo=dt.UTC)) == "2027-01-04"


def test_each_slot_runs_once_however_often_and_by_whom_it_ticks(db):
    now = at(2027, 1, 4, 10, 3)
    first = services.tick(now=now, only=["tests.counter"], source="celery")
    again = services.tick(now=now + dt.timedelta(minutes=5), only=["tests.counter"], source="run_timers")
    assert [r.slot for r in first] == ["2027-01-04T10:00"] and again == []
    assert len(CALLS) == 1
    services.tick(now=now + dt.timedelta(minutes=8), only=["tests.counter"])
    assert len(CALLS) == 2
    runs = TimerRun.objects.filter(timer="tests.counter").order_by("slot")
    assert [(r.slot, r.status, r.result) for r in runs] == [
        ("2027-01-04T10:00", RunStatus.DONE, {"calls": 1}),
        ("2027-01-04T10:10", RunStatus.DONE, {"calls": 2}),
    ]
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"celery", "run_timers"}


def test_a_failed_run_is_retried_then_the_admins_are_told(users):
    FAILS["left"] = 3
    night = at(2027, 1, 4, 2, 10)
    for minute in (0, 1, 2):
        services.tick(now=night + dt.timedelta(minutes=minute), only=["tests.flaky"])
    run = TimerRun.objects.get(timer="tests.flaky")
    assert run.status == RunStatus.FAILED and run.attempts == 3 and "模拟故障" in run.error
    alert = Message.objects.get(kind="admin_alert", channel=Channel.INBOX, recipient=users["admin"])
    assert "连续 3 次失败" in alert.body and "tests.flaky" in alert.subject
    # No fourth attempt for that night.
    services.tick(now=night + dt.timedelta(minutes=3), only=["tests.flaky"])
    assert TimerRun.objects.get(timer="tests.flaky").attempts == 3
    # The next night works and its alert in the result reaches the admins once.
    services.tick(now=night + dt.timedelta(days=1), only=["tests.flaky"])
    services.tick(now=night + dt.timedelta(days=1, minutes=1), only=["tests.flaky"])
    alerts = Message.objects.filter(kind="admin_alert", channel=Channel.INBOX, recipient=users["admin"])
    assert [m.body.count("测试告警") for m in alerts.order_by("id")] == [0, 1]


def test_marks_move_forward_only(db):
    assert services.advance(timer="t", items=[(1, "e1", 500), (2, "e1", 500)]) == {1, 2}
    assert services.advance(timer="t", items=[(1, "e1", 500), (2, "e1", 300)]) == set()
    assert services.advance(timer="t", items=[(1, "e1", 800), (2, "e2", 300)]) == {1, 2}
    assert sorted(TimerMark.objects.values_list("subject", "epoch", "stage")) == [(1, "e1", 800), (2, "e2", 300)]
    assert services.forget(timer="t", subjects=[1]) == 1


def test_run_timers_command_with_a_given_clock(db, capsys):
    call_command("run_timers", "--now", "2027-01-04T10:03+08:00", "--only", "tests.counter")
    assert "tests.counter 2027-01-04T10:00: 完成" in capsys.readouterr().out
    call_command("run_timers", "--list")
    out = capsys.readouterr().out
    for name in (
        "notify.deadlines",
        "notify.callback_due",
        "assessment.facts_check",
        "reports.monthly_review_pack",
        "workorders.recompute_estimated_deadlines",
    ):
        assert name in out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="须带时区"):
        call_command("run_timers", "--now", "2027-01-04T10:03")
    with pytest.raises(CommandError, match="未知定时任务"):
        call_command("run_timers", "--once", "--only", "nope")


def test_the_celery_tick_runs_the_same_registry_in_process_when_embedded(db):
    from jiesu.timers.tasks import tick_task

    with time_machine.travel(at(2027, 1, 4, 10, 21), tick=False):
        tick_task.delay()
    assert TimerRun.objects.filter(timer="tests.counter", slot="2027-01-04T10:20").exists()
    assert TimerRun.objects.filter(timer="notify.deadlines", slot="2027-01-04T10:20", status=RunStatus.DONE).exists()
