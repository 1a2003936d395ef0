"""Benchmark of `import_orders`: generate N synthetic rows in the city-platform format, import
them into a fresh database and print rows/s and events/s.

    .venv/bin/python bench/import_orders.py --rows 1000000                # SQLite (var/bench_import.sqlite3)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiesu_bench .venv/bin/python bench/import_orders.py

The database named by DATABASE_URL is flushed of orders first: never point it at real data."""

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
# jiesu.settings runs with DEBUG off unless told; a benchmark needs no real secret and no HTTPS.
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("JIESU_HTTPS", "0")

STATES = ["已受理", "已派单", "已签收", "办理中", "已办结", "已回访", "已归档", "已归档", "已归档", "不合理诉求"]
HEADER = [
    "工单编号",
    "受理时间",
    "诉求标题",
    "诉求内容",
    "诉求地址",
    "联系电话",
    "诉求类别",
    "所属街镇",
    "主办单位",
    "工单状态",
    "派单时间",
    "签收时间",
    "响应时间",
    "办结时间",
    "回访时间",
    "归档时间",
    "答复意见",
    "是否解决",
    "满意度",
    "不合理类型",
    "纬度",
    "经度",
    "诉求人",
    "紧急程度",
    "办理期限",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    import datetime as dt

    rng = random.Random(seed)
    streets = [f"1101060{n:02d}" for n in (*range(1, 19), *range(20, 26))]
    categories = ["01.02.01", "01.02.04", "01.02.08", "01.01.03", "02.01.01"]
    start = dt.datetime(2024, 1, 2, 8, 0, 0)
    fmt = "%Y-%m-%d %H:%M:%S"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            received = start + dt.timedelta(seconds=i * 20 + rng.randint(0, 19))
            state = rng.choice(STATES)
            steps = ["", "", "", "", "", ""]
            t = received
            depth = {
                "已受理": 0,
                "已派单": 1,
                "已签收": 2,
                "办理中": 3,
                "已办结": 4,
                "已回访": 5,
                "已归档": 6,
                "不合理诉求": 1,
            }[state]
            for k in range(depth):
                t = t + dt.timedelta(hours=rng.randint(1, 30))
                steps[k] = t.strftime(fmt)
            street = rng.choice(streets)
            out.writerow(
                [
                    f"SJ{i:09d}",
                    received.strftime(fmt),
                    f"合成工单{i}",
                    f"第{i}号合成诉求：小区路灯不亮，请尽快修复。",
                    f"丰台区某路{i % 500}号",
                    f"13{rng.randint(100000000, 999999999)}",
                    rng.choice(categories),
                    street,
                    street if state != "不合理诉求" else "",
                    state,
                    *steps,
                    "已联系诉求人并修复。" if depth >= 4 else "",
                    "是" if depth >= 5 else "",
                    rng.choice(["满意", "非常满意", "基本满意"]) if depth >= 5 else "",
                    "重复诉求" if state == "不合理诉求" else "",
                    f"{39.80 + rng.random() / 10:.6f}",
                    f"{116.25 + rng.random() / 5:.6f}",
                    "张先生",
                    "一般",
                    "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench_import.sqlite3'}"
        Path(ROOT / "var" / "bench_import.sqlite3").unlink(missing_ok=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jiesu.intake.importing.mapping import Mapping
    from jiesu.intake.importing.runner import run_import

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    with connection.cursor() as cursor:  # a fresh start: orders and events from earlier runs go
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE workorders_workorderevent, intake_open311submission, "
                "workorders_workorder_assisting_units, workorders_workorder CASCADE"
            )

    path = ROOT / "var" / f"bench_import_{args.rows}.csv"
    t0 = time.perf_counter()
    if not path.exists():
        generate(path, args.rows)
    print(f"generated {args.rows} rows in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")

    mapping = Mapping.from_yaml(ROOT / "jiesu" / "intake" / "mappings" / "city_platform.yaml")
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_import(path=path, mapping=mapping, batch_size=args.batch_size, progress=True)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"database: {connection.vendor}")
    print(
        f"rows: {result.total_rows}, orders: {result.created_orders}, events: {result.created_events}, "
        f"rejected: {result.rejected_rows}"
    )
    print(
        f"import: {seconds:.1f} s, {result.total_rows / seconds:.0f} rows/s, {result.created_events / seconds:.0f} events/s"
    )
    # The machine is shared: the importer's own CPU time shows its cost without contention
    # (the database server's CPU is not included).
    print(
        f"importer CPU: {cpu:.1f} s, {result.total_rows / cpu:.0f} rows per CPU-second; "
        f"load average at start {load:.1f} on {os.cpu_count()} cores"
    )
    t0 = time.perf_counter()
    again = run_import(path=path, mapping=mapping, batch_size=args.batch_size)
    seconds2 = time.perf_counter() - t0
    print(
        f"re-import (idempotent): {seconds2:.1f} s, new orders: {again.created_orders}, "
        f"skipped: {again.skipped_existing}, {again.total_rows / seconds2:.0f} rows/s"
    )
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
