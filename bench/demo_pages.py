"""Benchmark: every page a clerk, a leader or a street opens, over the recent demo on PostgreSQL.

    .venv/bin/python bench/demo_pages.py                      # rebuild jiesu_demo_pages_bench, then time
    .venv/bin/python bench/demo_pages.py --reuse              # time again on the built database
    .venv/bin/python bench/demo_pages.py --rounds 20 --db other_name

1. Drops and re-creates the PostgreSQL database `--db` (default jiesu_demo_pages_bench) on `--server`,
   then builds it the way `bin/start` does — migrate, reference data, rules, `load_demo` (the recent
   demo: 24 months ending today, ≥ 5,000 orders a month), 每月一题, the closed months published,
   grids, 企安安, 督办, the indicator catalogue and its demo values, the insights — each step timed.
   The trained models are read from var/models (train them first: README). `--reuse` skips all this.
2. Requests every page of the web, reports, insights, indicators (scorecard), supervision, grids and
   hazards URL lists that a signed-in clerk, leader or street user opens with a GET, through Django's
   test client (view + template, no network), as the demo user who opens it: `--warmup` times, then
   `--rounds` times; prints median and p95 per page with the load average, and last
   `worst_p95_ms=… load=…`.

Pages answering other than 200 stop the run (a page that fails is not fast)."""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", default="jiesu_demo_pages_bench", help="database name (dropped and re-created)")
    p.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    p.add_argument("--reuse", action="store_true", help="the database is built already")
    p.add_argument("--months", type=int, default=None, help="demo months (default: data/demo/recent.yaml)")
    p.add_argument("--per-month", type=int, default=None, help="demo orders a month (default: load_demo's)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--rounds", type=int, default=10)
    return p.parse_args()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def rebuild(server: str, name: str) -> None:
    import psycopg

    if not name.replace("_", "").isalnum():
        raise SystemExit(f"bad database name {name!r}")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("JIESU_HTTPS", "0")
    import logging

    import django

    django.setup()
    logging.getLogger("jiesu.request").setLevel(logging.WARNING)  # one line per request otherwise


def timed(label, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - started:.1f} s (load {load_average()})", flush=True)
    return result


def build(args) -> None:
    """The database as `bin/start` leaves it (without the timers and the web server)."""
    from django.core.management import call_command

    demo = {"verbosity": 0}
    if args.months:
        demo["months"] = args.months
    if args.per_month:
        demo["per_month"] = args.per_month
    steps = [
        ("migrate", lambda: call_command("migrate", "--noinput", verbosity=0)),
        ("load_reference", lambda: call_command("load_reference", verbosity=0)),
        ("load_qiyou_wuxing", lambda: call_command("load_qiyou_wuxing", verbosity=0)),
        ("load_assessment_rules", lambda: call_command("load_assessment_rules", verbosity=0)),
        ("load_notify", lambda: call_command("load_notify", verbosity=0)),
        ("load_demo", lambda: call_command("load_demo", **demo)),
        ("compute_monthly_topic --last 24", lambda: call_command("compute_monthly_topic", "--last", "24", verbosity=0)),
        ("publish_assessment --closed 23", lambda: call_command("publish_assessment", "--closed", "23", verbosity=0)),
        ("load_grid_demo", lambda: call_command("load_grid_demo", "--if-empty", verbosity=0)),
        ("load_hazard_demo", lambda: call_command("load_hazard_demo", "--if-empty", verbosity=0)),
        ("load_supervision", lambda: call_command("load_supervision", "--if-empty", verbosity=0)),
        ("load_indicator_catalogue", lambda: call_command("load_indicator_catalogue", verbosity=0)),
        ("load_indicator_demo", lambda: call_command("load_indicator_demo", "--if-empty", verbosity=0)),
        ("refresh_insights --now latest", lambda: call_command("refresh_insights", "--now", "latest", verbosity=0)),
    ]
    for label, step in steps:
        timed(label, step)


def user(username: str):
    from jiesu.org.models import User

    found = User.objects.filter(username=username).first()
    if found is None:
        raise SystemExit(f"demo user {username} missing: was load_demo run?")
    return found


def pages(month: str, previous: str) -> list[tuple[str, str, str]]:
    """(label, demo user, URL) for every GET page of the clerks, leaders and streets."""
    from jiesu.hazards.models import Hazard
    from jiesu.insights.models import Hotspot
    from jiesu.org.models import Unit
    from jiesu.supervision.models import SupervisionItem
    from jiesu.workorders.models import State, WorkOrder

    street = Unit.objects.get(code="110106013")  # 方庄街道 (fangzhuang / fangzhuang_lead)
    mine = WorkOrder.objects.filter(lead_unit=street).order_by("-received_at")
    order = (
        mine.filter(state=State.IN_PROGRESS).values_list("pk", flat=True).first()
        or mine.values_list("pk", flat=True).first()
    )
    closed = mine.filter(state=State.CLOSED).values_list("pk", flat=True).first()
    item = SupervisionItem.objects.order_by("-pk").values_list("pk", flat=True).first()
    hazard = Hazard.objects.order_by("-pk").values_list("pk", flat=True).first()
    hotspot = Hotspot.objects.order_by("-pk").values_list("key", flat=True).first()
    out = [
        # 受理 / 派单 / 回访 (web)
        ("热线受理", "agent", "/intake/"),
        ("派单台", "dispatcher", "/console/"),
        ("派单台计数", "dispatcher", "/console/counters/"),
        ("回访队列", "callback", "/callback/"),
        ("回访（未解决 筛选）", "callback", "/callback/?result=unsolved"),
        ("重办队列", "dispatcher", "/redo/"),
        ("提级响应队列", "dispatcher", "/escalations/"),
        ("吹哨报到（指挥部）", "dispatcher", "/whistle/"),
        ("工单列表", "auditor", "/orders/"),
        ("工单列表（搜索）", "dispatcher", "/orders/?q=%E5%99%AA%E9%9F%B3"),
        ("工单详情（办理中）", "dispatcher", f"/orders/{order}/"),
        ("工单详情（已归档）", "auditor", f"/orders/{closed}/"),
        ("消息中心", "dispatcher", "/inbox/"),
        # 街镇 (web, indicators)
        ("承办工作台（承办人）", "fangzhuang", "/workbench/"),
        ("承办工作台（负责人 待核查）", "fangzhuang_lead", "/workbench/"),
        ("吹哨报到（部门）", "zhujianwei", "/whistle/"),
        ("工单详情（街镇）", "fangzhuang", f"/orders/{order}/"),
        ("本单位评分卡（上月）", "fangzhuang_lead", f"/scorecard/{previous}/{street.code}/"),
        # 领导 (web, reports, insights, indicators)
        ("今日概览", "leader", "/overview/"),
        ("报表目录", "leader", "/reports/"),
        ("月度考评 街镇（本月）", "leader", f"/reports/dashboard/?month={month}&kind=street"),
        ("月度考评 部门（本月）", "leader", f"/reports/dashboard/?month={month}&kind=department"),
        ("月度考评 街镇（上月 已发布）", "leader", f"/reports/dashboard/?month={previous}&kind=street"),
        ("月度点评材料（本月）", "leader", f"/reports/review/{month}/"),
        ("月度点评材料（上月）", "leader", f"/reports/review/{previous}/"),
        ("热点", "leader", "/reports/hotspots/"),
        ("季节性问题", "leader", "/reports/seasonal/"),
        ("诉求量预测", "leader", "/reports/forecasts/"),
        ("每月一题（上月）", "leader", f"/insights/topic/{previous}/"),
        ("综合评分卡 街镇（上月）", "leader", f"/scorecard/{previous}/"),
        ("综合评分卡 部门（上月）", "leader", f"/scorecard/{previous}/?kind=department"),
        ("综合评分卡 单个街镇（上月）", "leader", f"/scorecard/{previous}/{street.code}/"),
        # 督办 (supervision)
        ("督办", "leader", "/supervision/"),
        ("主动治理清单", "leader", "/supervision/proactive/"),
        ("指导帮扶", "leader", "/supervision/assistance/"),
        ("向群众报告工作", "leader", "/supervision/meetings/"),
        ("督办公开页（无需登录）", "", "/supervision/public/"),
        # 网格 (grids) and 企安安 (hazards)
        ("网格员手机页", "wanggeyuan", "/grid/"),
        ("网格地图图层", "leader", "/grid/map/layers.json"),
        ("企安安", "leader", "/hazards/"),
    ]
    if hotspot:
        out.append(("热点详情", "leader", f"/reports/hotspots/{hotspot}/"))
    if item:
        out.append(("督办事项详情", "leader", f"/supervision/items/{item}/"))
    if hazard:
        out.append(("隐患详情", "leader", f"/hazards/{hazard}/"))
    return out


def main():
    args = parse_args()
    url = f"{args.server}/{args.db}"
    print(f"database {url}; load {load_average()}", flush=True)
    if not args.reuse:
        rebuild(args.server, args.db)
    setup_django(url)
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    if not args.reuse:
        build(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), min(received_at), max(received_at) FROM workorders_workorder")
        n_orders, first, last = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM workorders_workorderevent")
        n_events = cursor.fetchone()[0]
    print(f"demo: {n_orders:,} orders {first:%Y-%m-%d} … {last:%Y-%m-%d}, {n_events:,} events", flush=True)

    today = timezone.localdate()
    month = f"{today:%Y-%m}"
    previous = f"{(today.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"
    clients: dict[str, Client] = {}
    rows, worst = [], (0.0, "")
    print(f"\n{'page':<34}{'user':<16}{'first ms':>9}{'median ms':>11}{'p95 ms':>9}   load", flush=True)
    for label, who, path in pages(month, previous):
        if who not in clients:
            clients[who] = Client()
            if who:
                clients[who].force_login(user(who))
        client = clients[who]
        began = time.perf_counter()
        response = client.get(path)
        first_ms = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} as {who or 'anonymous'} answered {response.status_code}")
        for _ in range(max(0, args.warmup - 1)):
            client.get(path)
        samples = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - began) * 1000)
        median, high = statistics.median(samples), p95(samples)
        rows.append((label, path, median, high))
        if high > worst[0]:
            worst = (high, path)
        print(f"{label:<34}{who or '—':<16}{first_ms:>9.0f}{median:>11.1f}{high:>9.1f}   {load_average()}", flush=True)
    over = [r for r in rows if r[3] > 300]
    print(f"\n{len(rows)} pages, {args.rounds} rounds after {args.warmup} warm-up; over 300 ms p95: {len(over)}")
    for label, path, _, high in over:
        print(f"  {label} {path}: p95 {high:.0f} ms")
    print(f"worst_p95_ms={worst[0]:.1f} ({worst[1]}) load={load_average()}")


if __name__ == "__main__":
    main()
