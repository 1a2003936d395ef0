"""Benchmark: every leader and clerk page over the 1 M-order set of bench/assessment.py.

    .venv/bin/python bench/pages.py                     # load 1,000,000 orders (≈ 3 min), then time
    .venv/bin/python bench/pages.py --reuse             # time again on the loaded database
    .venv/bin/python bench/pages.py --orders 200000     # a smaller set on a busy machine

1. Loads the synthetic year (`bench/assessment.py --load-only --no-parquet`, 2025: orders with their
   full event logs and the monthly facts) into `--db`, unless `--reuse`.
2. Creates the users the pages need (district leader, dispatcher, callback agent, a street's
   handler and leader, auditor), loads the indicator catalogue, publishes `--published` (frozen
   snapshots) and runs the timer `assessment.refresh_aggregates` as of a day in `--current` (the
   month still open: never published, the one leaders open all month) — each timed.
3. Requests every page through Django's test client (view + template, no network) once cold, then
   `--rounds` times; prints median and p95 per page for the current and the published month, the
   cost of a timer refresh after one new event, the load average, and last `worst_p95_ms=…`.
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/jiesu_bench_pages")
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--reuse", action="store_true", help="the database is loaded already")
    p.add_argument("--current", default="2025-12", help="the open month (not published)")
    p.add_argument("--published", default="2025-06", help="a month published before the run")
    p.add_argument("--rounds", type=int, default=10)
    return p.parse_args()


def load(args) -> None:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "assessment.py"),
            "--orders",
            str(args.orders),
            "--db",
            args.db,
            "--load-only",
            "--no-parquet",
        ],
        check=True,
    )
    print(f"loaded {args.orders:,} orders in {time.perf_counter() - started:.0f} s", flush=True)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("JIESU_HTTPS", "0")
    import logging

    import django

    django.setup()
    logging.getLogger("jiesu.request").setLevel(logging.WARNING)  # one line per request otherwise


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def users():
    from jiesu.org.models import Role, Unit, User
    from jiesu.org.services import create_user

    street = Unit.objects.get(code="110106013")
    centre = Unit.objects.get(code="110106-JSJB")
    wanted = {
        "leader": (Role.DISTRICT_LEADER, None),
        "auditor": (Role.AUDITOR, centre),
        "dispatcher": (Role.DISPATCHER, centre),
        "callback": (Role.CALLBACK_AGENT, centre),
        "agent": (Role.AGENT, centre),
        "handler": (Role.HANDLER, street),
        "street_leader": (Role.UNIT_LEADER, street),
    }
    out = {}
    for name, (role, unit) in wanted.items():
        user = User.objects.filter(username=f"bench_{name}").first()
        out[name] = user or create_user(
            username=f"bench_{name}", password="bench-pw-12345", role=role, unit=unit, display_name=name
        )
    return out, street


def timed(label, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - started:.1f} s (load {load_average()})", flush=True)
    return result


def main():
    args = parse_args()
    if not args.reuse:
        load(args)
    setup_django(args.db)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from jiesu.assessment import aggregates
    from jiesu.assessment.rules import TZ, parse_month
    from jiesu.assessment.services import publish_month
    from jiesu.assessment.timers import refresh_aggregates
    from jiesu.insights.services import compute_monthly_topic
    from jiesu.workorders import services
    from jiesu.workorders.models import WorkOrder

    call_command("migrate", verbosity=0)
    people, street = users()
    current, published = parse_month(args.current), parse_month(args.published)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM workorders_workorder")
        n_orders = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM workorders_workorderevent")
        n_events = cursor.fetchone()[0]
    print(f"database: {n_orders:,} orders, {n_events:,} events; load {load_average()}", flush=True)
    timed("load_indicator_catalogue", lambda: call_command("load_indicator_catalogue", verbosity=0))
    timed(f"publish_month {args.published}", lambda: publish_month(month=published))
    for month in (current, published):
        timed(f"compute_monthly_topic {month:%Y-%m}", lambda m=month: compute_monthly_topic(month=m))
    # The clock of the run: the 20th of the open month (the timer's prefill reads this month and last).
    now = dt.datetime(current.year, current.month, 20, 10, tzinfo=TZ)
    aggregates.forget()
    timed("timer refresh_aggregates, first run (stores this and last month)", lambda: refresh_aggregates(now=now))

    clients = {}
    for name, user in people.items():
        clients[name] = Client()
        clients[name].force_login(user)
    order = WorkOrder.objects.filter(lead_unit=street).order_by("-received_at").values_list("pk", flat=True).first()
    leader_pages = [
        ("领导驾驶舱 街镇", "/reports/dashboard/?month={m}&kind=street"),
        ("领导驾驶舱 部门", "/reports/dashboard/?month={m}&kind=department"),
        ("月度点评（含治理类、红黑榜）", "/reports/review/{m}/"),
        ("每月一题", "/insights/topic/{m}/"),
        ("综合评分卡 全部街镇", "/scorecard/{m}/"),
        ("综合评分卡 单个街镇", "/scorecard/{m}/" + street.code + "/"),
        ("考评排名 API", "/api/v1/assessment/{m}?kind=street"),
    ]
    pages = []
    for month in (current, published):
        state = "本月未发布" if month == current else "已发布"
        pages += [
            (f"{label}（{month:%Y-%m} {state}）", "leader", url.format(m=f"{month:%Y-%m}"))
            for label, url in leader_pages
        ]
    pages += [
        ("今日概览（领导）", "leader", "/overview/"),
        ("热线受理", "agent", "/intake/"),
        ("派单台", "dispatcher", "/console/"),
        ("回访", "callback", "/callback/"),
        ("承办工作台", "handler", "/workbench/"),
        ("承办工作台（单位负责人）", "street_leader", "/workbench/"),
        ("工单列表", "auditor", "/orders/"),
        ("工单详情", "auditor", f"/orders/{order}/"),
    ]
    print(f"\n{'page':<44}{'cold ms':>10}{'median ms':>11}{'p95 ms':>9}{'CPU median':>12}   load", flush=True)
    worst = 0.0
    for label, who, url in pages:
        client = clients[who]
        began = time.perf_counter()
        response = client.get(url)
        cold = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        samples, cpu = [], []
        for _ in range(args.rounds):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            samples.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        worst = max(worst, p95(samples))
        print(
            f"{label:<44}{cold:>10.0f}{statistics.median(samples):>11.1f}{p95(samples):>9.1f}"
            f"{statistics.median(cpu):>12.1f}   {load_average()}",
            flush=True,
        )

    # What keeping the figures current costs: one event in the open month, then the timer.
    moment = now + dt.timedelta(minutes=5)
    new, _ = services.create_order(user=None, content="基准测试：新诉求", at=moment)
    services.dispatch(user=None, order_id=new.pk, lead_unit=street, at=moment)
    timed(
        "timer refresh_aggregates after 2 new events (re-computes the open month's figures)",
        lambda: refresh_aggregates(now=moment + dt.timedelta(minutes=2)),
    )
    timed(
        "timer refresh_aggregates with no new event", lambda: refresh_aggregates(now=moment + dt.timedelta(minutes=4))
    )
    print(f"clock of the run {now:%Y-%m-%d %H:%M} (UTC+8); wall clock {timezone.now():%Y-%m-%d %H:%M} UTC")
    print(f"worst_p95_ms={worst:.1f}")


if __name__ == "__main__":
    main()
