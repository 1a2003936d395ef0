"""Time the supervision pages with 10,000 items (target: p95 ≤ 300 ms).

Usage (a migrated database with the reference data; PostgreSQL or SQLite):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiesu_supervision_bench \
        .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference
    DATABASE_URL=... DEBUG=0 .venv/bin/python bench/supervision.py [--count 10000] [--rounds 30]

Synthetic items (numbers BENCH-…, marked 演示数据) are added until `count` exist, each with three
milestones, a create event and, for most, a progress report — written in bulk (the services'
rows, not their timing, matter here). Each page is requested through Django's test client (view
and template rendering, no network) `rounds` times after one warm-up; the script prints the median
and p95 per page and the machine's load."""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from jiesu.org.models import (  # noqa: E402
    Role,
    Unit,
    UnitKind,
    User,
)
from jiesu.org.services import create_user  # noqa: E402
from jiesu.supervision.models import (  # noqa: E402
    Area,
    ItemState,
    Milestone,
    ProgressReport,
    Source,
    SupervisionEvent,
    SupervisionItem,
)

BATCH = 2000


def make_items(count: int) -> int:
    have = SupervisionItem.objects.filter(number__startswith="BENCH-").count()
    if have >= count:
        return 0
    rng = random.Random(7)
    units = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN, UnitKind.DEPARTMENT]))
    areas = []
    for n in range(1, 11):
        area, _ = Area.objects.get_or_create(
            code=f"BENCH-A{n:02d}", defaults={"name": f"基准领域{n}", "source": Source.TARGET_RESPONSIBILITY}
        )
        areas.append(area)
    today = timezone.localdate()
    now = timezone.now()
    sources = [s for s, _ in Source.choices]
    made = 0
    for start in range(have, count, BATCH):
        items, plans = [], []
        for n in range(start, min(count, start + BATCH)):
            begin = today - dt.timedelta(days=rng.randint(30, 400))
            dues = sorted(begin + dt.timedelta(days=rng.randint(10, 500)) for _ in range(3))
            done = rng.randint(0, 3)
            state = rng.choices([ItemState.OPEN, ItemState.COMPLETED, ItemState.CLOSED], [8, 1, 1])[0]
            if state != ItemState.OPEN:
                done = 3
            open_dues = dues[done:]
            reported = rng.random() < 0.6 or done > 0
            items.append(
                SupervisionItem(
                    number=f"BENCH-{n:06d}",
                    source=rng.choice(sources),
                    title=f"基准督办事项{n}：老旧小区综合整治与便民设施建设",
                    area=rng.choice(areas),
                    year=begin.year,
                    lead_unit=rng.choice(units),
                    target_value=rng.randint(1, 100),
                    target_unit="项",
                    start_date=begin,
                    due_date=dues[-1],
                    is_public=rng.random() < 0.5,
                    is_demo=True,
                    state=state,
                    version=1,
                    milestones_total=3,
                    milestones_done=done,
                    next_milestone_due=open_dues[0] if open_dues else None,
                    next_milestone_title="下一节点" if open_dues else "",
                    last_report_at=now - dt.timedelta(days=rng.randint(1, 60)) if reported else None,
                    reports_count=1 if reported else 0,
                )
            )
            plans.append((dues, done, reported))
        with transaction.atomic():
            created = SupervisionItem.objects.bulk_create(items)
            if connection.vendor != "postgresql":  # SQLite gives no ids back on older paths
                created = list(SupervisionItem.objects.filter(number__in=[i.number for i in items]).order_by("pk"))
            Milestone.objects.bulk_create(
                Milestone(
                    item=item,
                    seq=k + 1,
                    title=f"第{k + 1}个节点",
                    due_date=due,
                    done_at=now if k < done else None,
                    done_on_time=(due >= today) if k < done else None,
                )
                for item, (dues, done, _r) in zip(created, plans, strict=True)
                for k, due in enumerate(dues)
            )
            SupervisionEvent.objects.bulk_create(
                SupervisionEvent(item=item, seq=1, action="create", to_state="open", at=now, payload={})
                for item in created
            )
            ProgressReport.objects.bulk_create(
                ProgressReport(
                    item=item, unit_id=item.lead_unit_id, at=item.last_report_at, text="基准进展", is_demo=True
                )
                for item, (_d, _dn, reported) in zip(created, plans, strict=True)
                if reported
            )
        made += len(items)
    return made


def user(name: str, role: str, unit: Unit | None) -> User:
    found = User.objects.filter(username=name).first()
    return found or create_user(username=name, password="bench-pw-1", role=role, unit=unit)


def timed(client: Client, url: str, rounds: int) -> list[float]:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    began = time.perf_counter()
    made = make_items(args.count)
    if made:
        print(f"created {made} synthetic items in {time.perf_counter() - began:.1f} s")
    total = SupervisionItem.objects.count()
    street = Unit.objects.filter(kind=UnitKind.STREET).order_by("code").first()
    clients = {}
    for name, role, unit in (
        ("bench_sup_leader", Role.DISTRICT_LEADER, Unit.objects.filter(kind=UnitKind.DISTRICT).first()),
        ("bench_sup_handler", Role.HANDLER, street),
    ):
        clients[name] = Client()
        clients[name].force_login(user(name, role, unit))
    clients["public"] = Client()
    item = SupervisionItem.objects.filter(number__startswith="BENCH-").order_by("-pk").first()
    pages = [
        ("bench_sup_leader", "督办事项 第一页", "/supervision/"),
        ("bench_sup_leader", "一键滞后", "/supervision/?status=lagging"),
        ("bench_sup_leader", "目标责任书", "/supervision/?source=target_responsibility"),
        ("bench_sup_leader", "按单位汇总", "/supervision/?by=unit"),
        ("bench_sup_leader", "第100页", "/supervision/?page=100"),
        ("bench_sup_leader", "事项详情", f"/supervision/items/{item.pk}/"),
        ("bench_sup_leader", "主动治理清单", "/supervision/proactive/"),
        ("bench_sup_leader", "API 列表 滞后", "/api/v1/supervision/items?status=lagging"),
        ("bench_sup_handler", "本单位督办事项", "/supervision/"),
        ("public", "公开进度页", "/supervision/public/"),
    ]
    load = os.getloadavg()
    print(
        f"database={connection.vendor} items={total} rounds={args.rounds} load={load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"{'page':<22}{'median ms':>11}{'p95 ms':>9}")
    worst = 0.0
    for who, label, url in pages:
        samples = timed(clients[who], url, args.rounds)
        worst = max(worst, p95(samples))
        print(f"{label:<22}{statistics.median(samples):>11.1f}{p95(samples):>9.1f}")
    print(f"worst p95 = {worst:.1f} ms (target ≤ 300 ms)")


if __name__ == "__main__":
    main()
