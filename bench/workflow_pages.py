"""Time the workflow pages of issue 13 (回访, 重办, 提级响应, 吹哨报到, 待核查) on a district-sized
order table: `--count` orders over 24 months written by the bulk writer (a third still waiting for
the callback, a tenth called back 未解决/不满意, 2 % escalated, 2 % with 吹哨 calls).

Usage (a scratch PostgreSQL database; the script migrates it and loads the reference data):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiesu_flow .venv/bin/python bench/workflow_pages.py \\
        [--count 100000] [--rounds 20]

Each page is requested through Django's test client (view + template), `rounds` times after a
warm-up; prints median and p95 per page (target p95 ≤ 300 ms)."""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("JIESU_HTTPS", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.web_lists import p95, timed  # noqa: E402
from jiesu.org.models import Role, Unit, User  # noqa: E402
from jiesu.org.services import create_user  # noqa: E402
from jiesu.workorders import bulk  # noqa: E402
from jiesu.workorders.models import State, WhistleCall, WorkOrder  # noqa: E402


def load(count: int) -> None:
    rng = random.Random(13)
    streets = list(Unit.objects.filter(kind="street"))
    now = timezone.now()
    batch = []
    for i in range(count):
        received = now - dt.timedelta(days=rng.random() * 730)
        roll = rng.random()
        state = State.RESOLVED if roll < 0.33 else State.CALLBACK_DONE if roll < 0.43 else State.CLOSED
        bad = state == State.CALLBACK_DONE
        item = bulk.HistoricalOrder(
            external_ref=f"bench-wf-{i}",
            content=f"第{i}号诉求：小区楼道堆物，路灯不亮，请尽快处理",
            received_at=received,
            state=state,
            requester_phone=f"139{rng.randint(0, 99999999):08d}",
            lead_unit=rng.choice(streets),
            reply="已处理",
            solved=False if bad else True,
            satisfaction=rng.choice([1, 2]) if bad else 5,
            times={"resolved_at": received + dt.timedelta(days=2)},
        )
        batch.append(bulk.build(item))
        if len(batch) == 2000:
            bulk.write_batch(batch)
            batch = []
    bulk.write_batch(batch)
    ids = list(WorkOrder.objects.filter(external_ref__startswith="bench-wf-").values_list("pk", flat=True))
    sample = rng.sample(ids, len(ids) // 50)
    WorkOrder.objects.filter(pk__in=sample[: len(sample) // 2]).update(level="department")
    depts = list(Unit.objects.filter(kind="department")[:10])
    calls = [
        WhistleCall(order_id=pk, unit=rng.choice(depts), called_at=now - dt.timedelta(days=rng.random() * 60),
                    report_due=now, reported_at=now if rng.random() < 0.8 else None)
        for pk in sample[len(sample) // 2 :]
    ]  # fmt: skip
    WhistleCall.objects.bulk_create(calls, ignore_conflicts=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    if not WorkOrder.objects.filter(external_ref__startswith="bench-wf-").exists():
        load(args.count)
    centre = Unit.objects.get(code="110106-JSJB")
    dept = Unit.objects.filter(kind="department").first()
    users = {}
    for name, role, unit in (("bwf_callback", Role.CALLBACK_AGENT, centre), ("bwf_leader", Role.UNIT_LEADER, dept)):
        users[name] = User.objects.filter(username=name).first() or create_user(
            username=name, password="bench-pw-1", role=role, unit=unit
        )
    print(f"orders={WorkOrder.objects.count()} resolved={WorkOrder.objects.filter(state='resolved').count()}")
    pages = [
        ("bwf_callback", "回访 待回访", "/callback/"),
        ("bwf_callback", "回访 第50页", "/callback/?page=50"),
        ("bwf_callback", "回访 今日办结", "/callback/?when=today"),
        ("bwf_callback", "回访 已到期限", "/callback/?when=overdue"),
        ("bwf_callback", "回访 搜手机尾号", "/callback/?q=1234"),
        ("bwf_callback", "回访 搜关键词", "/callback/?q=路灯"),
        ("bwf_callback", "回访 已回访·不满意", "/callback/?tab=done&result=dissatisfied"),
        ("bwf_callback", "重办 待重办", "/redo/"),
        ("bwf_callback", "重办 重复不满意", "/redo/?result=repeat"),
        ("bwf_callback", "提级响应 全部", "/escalations/?scope=all"),
        ("bwf_leader", "吹哨报到（部门领导）", "/whistle/"),
        ("bwf_leader", "承办工作台 待核查", "/workbench/?state=pending_check"),
    ]
    for who, label, url in pages:
        client = Client()
        client.force_login(users[who])
        samples = timed(client, url, args.rounds)
        print(f"{label:<22} median {statistics.median(samples):7.1f} ms   p95 {p95(samples):7.1f} ms")


if __name__ == "__main__":
    main()
