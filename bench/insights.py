"""Benchmark: refreshing the hotspots over a million orders (target ≤ 60 s) and the overview page
with the hotspot panel (target p95 ≤ 300 ms), on PostgreSQL.

    .venv/bin/python bench/insights.py                      # 1,000,000 orders, load + time
    .venv/bin/python bench/insights.py --reuse              # time again on the loaded database
    .venv/bin/python bench/insights.py --orders 200000      # a smaller run

1. Loads `--orders` orders received over the year before `--now` into a scratch database (`--db`,
   dropped and re-created; COPY, orders only — the insights read no events). Their texts are real
   citizen messages (../shared/data: the TipDM board's 附件2/3 and Haikou's 12345 orders), each with
   a random street, category and caller; on top, `--hotspots` problems are planted: one message
   repeated with small changes by 8–60 callers at one street in the last three weeks.
2. Times refresh_hotspots(now) (the timer's call) `--repeat` times: the first finds and stores, the
   later ones match the stored hotspots (same keys, no new alerts); prints the orders in the window,
   the time of each run and how many planted problems came out as a hotspot at their street.
3. Times refresh_seasonal and refresh_forecasts once.
4. Requests /overview/ `--rounds` times as a district leader through Django's test client (view +
   template) at `--now` (time-machine, a dev requirement): as served (its figures cached for 60 s)
   and with the cache cleared before each request; prints median and p95 of each, and the hotspot
   panel's own query."""

import argparse
import csv
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assessment import recreate_database, setup_django  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--hotspots", type=int, default=40)
    p.add_argument("--now", default="2026-06-30T12:00:00+08:00")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/insights_bench")
    p.add_argument("--reuse", action="store_true", help="keep the database of a previous run")
    return p.parse_args()


def real_texts(shared: Path) -> list[tuple[str, str]]:
    """(title, body) of real messages: TipDM 附件3 and 附件2 (raw part), Haikou 12345 orders."""
    out = []
    tip = shared / "tipdm2020c"
    for name, title, body in (
        ("attachment3_hot_issues.csv", "留言主题", "留言详情"),
        ("attachment2_raw_partial.csv", "留言主题", "留言详情"),
    ):
        with (tip / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                text_body = " ".join((row.get(body) or row.get("text") or "").split())
                if row.get(title) or text_body:
                    out.append((row.get(title) or text_body[:30], text_body[:400]))
    with (shared / "haikou12345" / "orders.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            body = " ".join(row["诉求内容_去派单指令"].split())
            out.append((body[:30], body[:400]))
    return out


FILLERS = ["", "请尽快处理。", "希望有关部门重视。", "已经反映多次。", "谢谢！", "情况紧急。", "周边居民都很困扰。"]


def load(args, now: dt.datetime) -> list[dict]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from jiesu.org.models import Unit, UnitKind
    from jiesu.workorders.models import Category

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    rng = random.Random(args.seed)
    texts = real_texts(Path(settings.SHARED_DIR) / "data")
    streets = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).values_list("pk", flat=True))
    leaves = list(Category.objects.filter(level=3).values_list("pk", flat=True))
    start = now - dt.timedelta(days=365)
    planted = []
    rows = []
    for h in range(args.hotspots):
        title, body = rng.choice(texts)
        street, category = rng.choice(streets), rng.choice(leaves)
        size = rng.randint(8, 60)
        planted.append({"title": title, "street": street, "size": size, "ids": []})
        for _ in range(size):
            when = now - dt.timedelta(seconds=rng.randint(3600, 21 * 86400))
            rows.append((title, f"{body}{rng.choice(FILLERS)}", when, street, category, h))
    for _ in range(args.orders - len(rows)):
        title, body = rng.choice(texts)
        when = start + dt.timedelta(seconds=rng.randint(0, 365 * 86400 - 3600))
        rows.append((title, body, when, rng.choice(streets), rng.choice(leaves), None))
    rows.sort(key=lambda r: r[2])
    buf = io.StringIO()
    writer = csv.writer(buf)
    for i, (title, body, when, street, category, h) in enumerate(rows, start=1):
        ts = when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S+00")
        writer.writerow([
            i, f"BENCH{i:010d}", "hotline", title[:200], body, "", ts, "", f"13{rng.randint(0, 999_999_999):09d}",
            "general", "received", "", "", 0, 0, 0, 0, 0, "", 0, ts, ts, "f", street, category, 0, "",
        ])  # fmt: skip
        if h is not None:
            planted[h]["ids"].append(i)
    cols = (
        "id, number, channel, title, content, address, received_at, requester_name, requester_phone, urgency, "
        "state, deadline_rule_version, reply, escalation_level, supervision_count, return_count, reopen_count, "
        "extension_count, unreasonable_reason, version, created_at, updated_at, calendar_estimated, street_id, category_id, "
        "dissatisfied_count, level"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY workorders_workorder ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
            copy.write(buf.getvalue())
        raw.execute("SELECT setval(pg_get_serial_sequence('workorders_workorder', 'id'), %s)", [len(rows)])
        raw.execute("ANALYZE workorders_workorder")
    print(f"loaded {len(rows):,} orders ({args.hotspots} planted problems) in {time.perf_counter() - started:.1f} s")
    return planted


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main():
    args = parse_args()
    now = dt.datetime.fromisoformat(args.now)
    if not args.reuse:
        recreate_database(args.db)
    setup_django(args.db)
    os.environ.setdefault("DEBUG", "0")
    import time_machine
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from jiesu.insights import selectors
    from jiesu.insights.models import Hotspot, HotspotAlert, HotspotStatus
    from jiesu.insights.services import refresh_forecasts, refresh_hotspots, refresh_seasonal
    from jiesu.org.models import Role, Unit, User
    from jiesu.org.services import create_user
    from jiesu.workorders.models import WorkOrder

    planted = None if args.reuse else load(args, now)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    total = WorkOrder.objects.count()
    for k in range(args.repeat):
        started = time.perf_counter()
        run = refresh_hotspots(now=now)
        took = time.perf_counter() - started
        print(
            f"refresh_hotspots #{k + 1}: {took:.1f} s (clustering {run.details['cluster_seconds']:.1f} s) over "
            f"{total:,} orders, {run.orders:,} in the 30-day window; {run.findings} hotspots stored, "
            f"{run.details['alerts']} new alerts"
        )
    active = list(Hotspot.objects.filter(status=HotspotStatus.ACTIVE))
    print(f"active hotspots {len(active)}, alerts in all {HotspotAlert.objects.count()}")
    if planted:
        found = 0
        for p in planted:
            ids = set(p["ids"])
            best = max(
                (len(ids & set(s.member_ids)) / len(ids) for s in active if s.street_id == p["street"]), default=0
            )
            found += best >= 0.5
        print(f"planted problems found as a hotspot at their street (≥ half their orders): {found}/{len(planted)}")
    for fn in (refresh_seasonal, refresh_forecasts):
        started = time.perf_counter()
        run = fn(now=now)
        print(f"{fn.__name__}: {time.perf_counter() - started:.1f} s, {run.findings} findings")

    leader = User.objects.filter(username="bench_leader").first() or create_user(
        username="bench_leader", password="x", role=Role.DISTRICT_LEADER, unit=Unit.objects.get(code="110106"),
        display_name="bench",
    )  # fmt: skip
    # The pages are read at the bench's `now`: the orders end there, and the overview's 30-day
    # figures must aggregate them, not the empty month before today's date.
    clock = time_machine.travel(now, tick=True)
    clock.start()
    client = Client()
    client.force_login(leader)
    assert client.get("/overview/").status_code == 200
    for label, clear in (("as served (60 s cache)", False), ("cache cleared each time", True)):
        samples = []
        for _ in range(args.rounds):
            if clear:
                cache.clear()
            started = time.perf_counter()
            response = client.get("/overview/")
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(f"/overview/ {label}: median {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms")
    samples = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        list(selectors.active_hotspots(limit=5))
        list(selectors.recent_alerts(limit=3))
        samples.append((time.perf_counter() - started) * 1000)
    print(f"hotspot panel queries: median {statistics.median(samples):.2f} ms, p95 {percentile(samples, 0.95):.2f} ms")
    clock.stop()
    connection.close()


if __name__ == "__main__":
    main()
