"""Benchmark: the deadline timer (临期预警、超期督办) over a million open orders on PostgreSQL.

    .venv/bin/python bench/timers.py                      # 1,000,000 open orders, scratch DB ops_timers_bench
    .venv/bin/python bench/timers.py --reuse              # time again on the loaded orders
    .venv/bin/python bench/timers.py --orders 100000      # smaller

1. Creates a scratch database (`--db`, dropped and re-created; prefix it with your name), migrates,
   loads the reference data and the warning rules, gives every handling unit a handler and a leader
   (with e-mail addresses, so e-mail rows are queued too) and inserts `--orders` open orders in SQL:
   dispatched over the `--spread-days` before the bench's clock, general (24 h response, 9 days to
   handle) with a fifth urgent (1 h / 4 h), 85 % already responded.
2. Switch-on pass at T0: the rule's catch_up_days set to 0, so every stage already reached is
   recorded (marks) without sending anything — what switching the timers on costs.
3. Steady passes every 5 minutes after T0 (`--passes`): the orders whose next stage falls in those
   5 minutes get their warning, 督办 event (through workorders.services.supervise) and messages.
4. A rerun of the last moment: nothing to do (idempotent), i.e. the cost of the scan alone.
Prints seconds per pass, candidate rows looked at, actions, and the load (uptime)."""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
T0 = dt.datetime(2025, 6, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--spread-days", type=float, default=10.0)
    p.add_argument("--passes", type=int, default=5)
    p.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/ops_timers_bench")
    p.add_argument("--reuse", action="store_true", help="keep the orders of a previous run (marks are reset)")
    return p.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')
        conn.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("JIESU_HTTPS", "0")
    os.environ.pop("REDIS_URL", None)  # messages are queued, delivery is not part of a pass
    import django

    django.setup()


def load(n: int, spread_days: float) -> None:
    from django.core.management import call_command
    from django.db import connection

    from jiesu.org.models import Role, Unit
    from jiesu.org.services import create_user
    from jiesu.workorders.services import _HANDLING_KINDS

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    call_command("load_notify", verbosity=0)
    units = list(Unit.objects.filter(kind__in=_HANDLING_KINDS, is_active=True).values_list("pk", "code"))
    for pk, code in units:
        for role, prefix in ((Role.HANDLER, "h"), (Role.UNIT_LEADER, "l")):
            user = create_user(
                username=f"{prefix}_{code}", password="bench-pw-123", role=role, unit=Unit.objects.get(pk=pk)
            )
            user.email = f"{prefix}_{code}@bench.example"
            user.save(update_fields=["email"])
    unit_ids = [pk for pk, _ in units]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO workorders_workorder (
                number, channel, title, content, address, received_at, requester_name, requester_phone,
                urgency, state, lead_unit_id, dispatched_at, acknowledged_at, responded_at,
                response_due, handling_due, deadline_rule_version, calendar_estimated, reply,
                escalation_level, supervision_count, return_count, reopen_count, extension_count,
                unreasonable_reason, version, created_at, updated_at)
            SELECT 'BT' || lpad(g::text, 9, '0'), 'hotline', '楼道灯不亮 ' || g, '第' || g || '号楼道灯坏了很久',
                   '', d - interval '30 minutes', '', '', CASE WHEN urgent THEN 'urgent' ELSE 'general' END,
                   CASE WHEN responded THEN 'in_progress' ELSE 'dispatched' END,
                   (%s::bigint[])[1 + (g %% %s)], d,
                   CASE WHEN responded THEN d + interval '20 minutes' END,
                   CASE WHEN responded THEN d + interval '40 minutes' END,
                   d + CASE WHEN urgent THEN interval '1 hour' ELSE interval '24 hours' END,
                   d + CASE WHEN urgent THEN interval '4 hours' ELSE interval '9 days' END,
                   'bench', false, '', 0, 0, 0, 0, 0, '', 2, d, d
            FROM (
                SELECT g, %s::timestamptz - (random() * %s) * interval '1 day' AS d,
                       random() < 0.2 AS urgent, random() < 0.85 AS responded
                FROM generate_series(1, %s) AS g
            ) AS s
            """,
            [unit_ids, len(unit_ids), T0, spread_days, n],
        )
        cursor.execute("ANALYZE workorders_workorder")
    print(f"inserted {n:,} open orders in {time.perf_counter() - started:.1f} s")


def reset_marks() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM timers_timermark")
        cursor.execute("DELETE FROM notify_message")
        cursor.execute("ANALYZE timers_timermark")


def set_catch_up(days: int) -> None:
    from jiesu.notify import rules
    from jiesu.notify.models import AlertRule

    AlertRule.objects.update(catch_up_days=days)
    rules.invalidate()


def timed_pass(now: dt.datetime) -> tuple[float, dict]:
    from jiesu.notify import deadline_watch

    started = time.perf_counter()
    result = deadline_watch.watch(now=now)
    return time.perf_counter() - started, result


def actions(result: dict) -> int:
    return sum(v for k, v in result.items() if k.endswith(("_warned", "_overdue_steps")))


def main():
    args = parse_args()
    if not args.reuse:
        recreate_database(args.db)
    setup_django(args.db)
    from django.db import connection

    if not args.reuse:
        load(args.orders, args.spread_days)
    else:
        reset_marks()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM workorders_workorder WHERE state IN ('dispatched','in_progress')")
        open_orders = cursor.fetchone()[0]
    print(f"open orders: {open_orders:,}; load before: {os.getloadavg()[0]:.2f}")

    set_catch_up(0)
    seconds, result = timed_pass(T0)
    print(f"switch-on pass (record only): {seconds:.1f} s; {result}")
    set_catch_up(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timers_timermark")

    steady = []
    for i in range(1, args.passes + 1):
        now = T0 + dt.timedelta(minutes=5 * i)
        seconds, result = timed_pass(now)
        steady.append(seconds)
        looked = result.get("response_looked", 0) + result.get("handling_looked", 0)
        print(
            f"pass at T0+{5 * i:>2} min: {seconds:6.2f} s  candidates {looked:>8,}  actions {actions(result):>5,}"
            f"  (warned {result.get('response_warned', 0) + result.get('handling_warned', 0):,},"
            f" overdue steps {result.get('response_overdue_steps', 0) + result.get('handling_overdue_steps', 0):,},"
            f" 督办 {result.get('supervised', 0):,}, messages {result.get('messages', 0):,})"
        )
    seconds, result = timed_pass(T0 + dt.timedelta(minutes=5 * args.passes))
    print(f"rerun of the last moment: {seconds:.2f} s, actions {actions(result)} (idempotent)")
    print(
        f"\nsteady pass over {open_orders:,} open orders: median {statistics.median(steady):.2f} s, "
        f"max {max(steady):.2f} s (target ≤ 60 s); load after: {os.getloadavg()[0]:.2f} (uptime)"
    )


if __name__ == "__main__":
    main()
