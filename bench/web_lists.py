"""Time the list pages on a large order table (target: p95 ≤ 300 ms with 1 million orders).

Usage (PostgreSQL with the synthetic set loaded):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiesu_web \
        .venv/bin/python manage.py load_synthetic_orders --count 1000000
    DATABASE_URL=... DEBUG=0 .venv/bin/python bench/web_lists.py [--rounds 20]

Each page is requested through Django's test client (full view + template rendering, no network),
`rounds` times after one warm-up; the script prints median and p95 per page, and for contrast the
cost of COUNT(*)+OFFSET pagination that the pages avoid."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
# jiesu.settings runs with DEBUG off unless told; a benchmark needs no real secret and no HTTPS.
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("JIESU_HTTPS", "0")

import django

django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from jiesu.org.models import Role, Unit  # noqa: E402
from jiesu.org.services import create_user  # noqa: E402
from jiesu.web import selectors  # noqa: E402
from jiesu.workorders.models import Category, WorkOrder  # noqa: E402


def timed(client: Client, url: str, rounds: int) -> list[float]:
    response = client.get(url)  # warm-up (and a check that the page works)
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
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    street = Unit.objects.get(code="110106013")
    centre = Unit.objects.get(code="110106-JSJB")
    users = {
        "auditor": create_user(username="bench_auditor", password="bench-pw-1", role=Role.AUDITOR, unit=centre),
        "dispatcher": create_user(username="bench_dispatch", password="bench-pw-1", role=Role.DISPATCHER, unit=centre),
        "handler": create_user(username="bench_handler", password="bench-pw-1", role=Role.HANDLER, unit=street),
        "leader": create_user(username="bench_leader", password="bench-pw-1", role=Role.DISTRICT_LEADER, unit=None),
    }
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)

    total = WorkOrder.objects.count()
    first_level = Category.objects.filter(level=1).order_by("code").first().code
    # A cursor deep in the table: the page after the 500 000th newest order.
    deep = WorkOrder.objects.order_by("-received_at", "-pk").values_list("received_at", "pk")[min(500_000, total - 1)]
    deep_cursor = f"{deep[0].timestamp():.6f}_{deep[1]}"
    pages = [
        ("auditor", "工单列表 第一页", "/orders/"),
        ("auditor", "工单列表 第10000页后（游标）", f"/orders/?after={deep_cursor}"),
        ("auditor", "按状态 办理中", "/orders/?state=in_progress"),
        ("auditor", "按街镇", f"/orders/?street={street.pk}"),
        ("auditor", "按一级类别", f"/orders/?category={first_level}"),
        ("auditor", "仅超期", "/orders/?overdue=1"),
        ("auditor", "在办+街镇+类别", f"/orders/?state=open&street={street.pk}&category={first_level}"),
        ("auditor", "按日期区间", "/orders/?from=2026-06-01&to=2026-06-30"),
        ("auditor", "按工单编号", "/orders/?number=SY000123456"),
        ("handler", "承办单位 本单位工单", "/orders/"),
        ("handler", "承办工作台（办理中）", "/workbench/?state=in_progress"),
        ("dispatcher", "派单台", "/console/"),
        ("dispatcher", "派单台计数（轮询）", "/console/counters/"),
        ("dispatcher", "回访列表", "/callback/"),
        ("leader", "领导总览", "/overview/"),
    ]
    print(f"数据库: {connection.vendor}，工单 {total:,} 条，每页 {args.rounds} 次取样")
    print(f"{'页面':<28}{'中位数ms':>10}{'p95 ms':>10}")
    worst = 0.0
    for who, label, url in pages:
        samples = timed(clients[who], url, args.rounds)
        worst = max(worst, p95(samples))
        print(f"{label:<28}{statistics.median(samples):>10.1f}{p95(samples):>10.1f}")

    # The overview page serves its figures from a one-minute cache; this is the cost of a refill.
    samples = []
    for _ in range(max(3, args.rounds // 4)):
        began = time.perf_counter()
        selectors.overview()
        samples.append((time.perf_counter() - began) * 1000)
    print(f"{'领导总览 缓存失效时的计算':<28}{statistics.median(samples):>10.1f}{p95(samples):>10.1f}")

    # The contrast: what COUNT(*) + OFFSET pagination of the same first page would cost.
    query = WorkOrder.objects.order_by("-received_at", "-pk")
    samples = []
    for _ in range(max(3, args.rounds // 4)):
        began = time.perf_counter()
        page = Paginator(query.values("id", "number"), 50).page(10_000)
        list(page.object_list)
        samples.append((time.perf_counter() - began) * 1000)
    print(f"{'对照: COUNT+OFFSET 第10000页':<28}{statistics.median(samples):>10.1f}{p95(samples):>10.1f}")
    print(f"最慢页面 p95 = {worst:.1f} ms（目标 ≤ 300 ms）")


if __name__ == "__main__":
    main()
