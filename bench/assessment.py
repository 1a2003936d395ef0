"""Benchmark: one month's assessment over a city-size year of synthetic orders, jiesu vs DuckDB.

    .venv/bin/python bench/assessment.py                       # 1,000,000 orders on PostgreSQL
    .venv/bin/python bench/assessment.py --orders 20000000     # the city-size run
    .venv/bin/python bench/assessment.py --reuse               # time again without regenerating

1. Generates `--orders` orders of one year with their full event logs (create, dispatch, returns and
   dispute rulings, redispatch, acknowledge, respond, supervise, extensions, resolve, callback,
   reopen, close, merges, unreasonable requests) in NumPy, composes the rows in DuckDB and loads
   them with COPY into a scratch PostgreSQL database (`--db`, dropped and re-created) — bulk, not
   through the services: the event payloads have the shapes jiesu.workorders.services writes.
2. Times jiesu's assessment of one month (`--month`): the SQL aggregation of
   jiesu.assessment.engine (median of `--repeat` runs), and the full monthly_results (month,
   previous month, year to date, ranking).
3. Exports the events and orders from PostgreSQL (COPY … TO), converts them to Parquet, runs the
   same figures as a direct DuckDB query over the Parquet files, checks the figures are identical
   and prints the ratio jiesu ÷ DuckDB.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = 86400
ACTIONS = [
    "create", "dispatch", "return", "rule_dispute", "redispatch", "acknowledge", "respond", "supervise",
    "request_extension", "approve_extension", "resolve", "callback", "reopen", "close", "merge",
    "mark_unreasonable",
]  # fmt: skip
A = {name: i for i, name in enumerate(ACTIONS)}
TO_STATE = {
    "create": "received", "dispatch": "dispatched", "return": "returned", "rule_dispute": "dispatched",
    "redispatch": "dispatched", "acknowledge": "acknowledged", "respond": "in_progress",
    "supervise": "in_progress", "request_extension": "in_progress", "approve_extension": "in_progress",
    "resolve": "resolved", "callback": "callback_done", "reopen": "in_progress", "close": "closed",
    "merge": "merged", "mark_unreasonable": "unreasonable",
}  # fmt: skip


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--month", default="2025-06")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--full-repeat", type=int, default=None, help="runs of compute_month (default: --repeat)")
    p.add_argument("--chunk", type=int, default=2_000_000, help="orders generated and loaded per step (memory)")
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/jiesu_assess_bench")
    p.add_argument("--workdir", default=None, help="where CSV/Parquet files go (default: a temp dir)")
    p.add_argument("--reuse", action="store_true", help="keep the database and files of a previous run")
    p.add_argument(
        "--load-only",
        action="store_true",
        help="generate, load and export to Parquet, then stop (time later with --reuse)",
    )
    p.add_argument("--no-parquet", action="store_true", help="with --load-only: skip the Parquet export")
    p.add_argument(
        "--check-ytd",
        action="store_true",
        help="also check that the one-pass year to date equals each earlier month aggregated alone",
    )
    return p.parse_args()


# ---------------------------------------------------------------- database


def recreate_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
    # jiesu.settings runs with DEBUG off unless told; a benchmark needs no real secret and no HTTPS.
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("JIESU_HTTPS", "0")
    import logging

    import django

    django.setup()
    logging.getLogger("jiesu.request").setLevel(logging.WARNING)  # one line per request otherwise


# ---------------------------------------------------------------- synthetic year


class Log:
    """Columns of the event log being generated (one NumPy array per step, joined at the end)."""

    def __init__(self, n: int):
        self.seq = np.ones(n, dtype=np.int64)
        self.parts: dict[str, list] = {k: [] for k in ("order", "seq", "action", "at", "unit", "due", "a", "b", "c")}

    def emit(self, idx, action, at, *, unit=None, due=None, a=None, b=None, c=None):
        n = len(idx)
        if n == 0:
            return
        fill = np.full(n, -1, dtype=np.int64)
        for key, value in (
            ("order", idx + 1), ("seq", self.seq[idx]), ("action", np.full(n, A[action], dtype=np.int64)),
            ("at", at), ("unit", fill if unit is None else unit), ("due", fill if due is None else due),
            ("a", fill if a is None else a), ("b", fill if b is None else b), ("c", fill if c is None else c),
        ):  # fmt: skip
            self.parts[key].append(np.asarray(value, dtype=np.int64))
        self.seq[idx] += 1

    def columns(self) -> dict:
        return {k: np.concatenate(v) for k, v in self.parts.items()}


def generate(
    *, n: int, year: int, unit_ids: np.ndarray, unit_weights: np.ndarray, seed: int, slice_: tuple[int, int] = (0, 1)
):
    """The orders and their events, as NumPy columns; order ids 1..n within this chunk.

    `slice_` = (k, K): the orders are received in the k-th of K equal slices of the year, so a big run
    is generated chunk by chunk in time order (the event log grows in time order, as in production).
    """
    import datetime as dt

    rng = np.random.default_rng(seed)
    start = int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp()) - 8 * 3600  # Beijing midnight
    k, parts = slice_
    lo, hi = 365 * DAY * k // parts, 365 * DAY * (k + 1) // parts
    t0 = np.sort(start + rng.integers(lo, hi, n))
    urgency = rng.choice(4, n, p=[0.80, 0.10, 0.07, 0.03])  # general, complex, utility, urgent
    handling = np.array([9 * DAY, 21 * DAY, DAY, 4 * 3600])[urgency]  # ≈ 7 / 15 working days, 24 h, 4 h
    response = np.array([24 * 3600, 24 * 3600, 2 * 3600, 3600])[urgency]
    unit = rng.choice(unit_ids, n, p=unit_weights)
    log = Log(n)
    alive = np.arange(n)
    log.emit(alive, "create", t0)

    merged = alive[rng.random(n) < 0.03]
    merged = merged[merged > 0]
    log.emit(merged, "merge", t0[merged] + 600, a=merged)  # merged into the previous order
    alive = np.setdiff1d(alive, merged)

    t = t0.copy()
    t[alive] += rng.integers(300, 3600, len(alive))
    due = t + handling
    log.emit(alive, "dispatch", t[alive], unit=unit[alive], due=due[alive], a=(t + response)[alive])

    bad = alive[rng.random(len(alive)) < 0.02]
    log.emit(bad, "mark_unreasonable", t[bad] + 7200)
    alive = np.setdiff1d(alive, bad)

    returned = alive[rng.random(len(alive)) < 0.05]
    log.emit(returned, "return", t[returned] + 3600, unit=unit[returned])
    unruled = returned[rng.random(len(returned)) < 0.02]  # still under dispute
    alive = np.setdiff1d(alive, unruled)
    returned = np.setdiff1d(returned, unruled)
    upheld = returned[rng.random(len(returned)) < 0.85]
    rejected = np.setdiff1d(returned, upheld)
    unit[upheld] = rng.choice(unit_ids, len(upheld), p=unit_weights)
    t[returned] += 3 * 3600
    due[upheld] = t[upheld] + handling[upheld]
    log.emit(upheld, "rule_dispute", t[upheld], unit=unit[upheld], due=due[upheld], a=np.ones(len(upheld)))
    log.emit(rejected, "rule_dispute", t[rejected], unit=unit[rejected], a=np.zeros(len(rejected)))

    def acknowledge_and_respond(idx):
        log.emit(idx, "acknowledge", t[idx] + rng.integers(300, 7200, len(idx)))
        late = rng.exponential(0.35, len(idx)) * response[idx]  # ≈ 6 % answer after the limit
        log.emit(idx, "respond", t[idx] + 7200 + late.astype(np.int64))

    assigned_at = t.copy()
    acknowledge_and_respond(alive)
    moved = alive[rng.random(len(alive)) < 0.03]
    unit[moved] = rng.choice(unit_ids, len(moved), p=unit_weights)
    t[moved] += 5 * 3600
    due[moved] = t[moved] + handling[moved]
    log.emit(moved, "redispatch", t[moved], unit=unit[moved], due=due[moved])
    acknowledge_and_respond(moved)
    assigned_at[moved] = t[moved]

    supervised = alive[rng.random(len(alive)) < 0.10]
    log.emit(supervised, "supervise", t[supervised] + 2 * DAY, a=np.ones(len(supervised)))
    extended = alive[rng.random(len(alive)) < 0.05]
    log.emit(extended, "request_extension", t[extended] + DAY + 3600)
    due[extended] += 7 * DAY
    log.emit(extended, "approve_extension", t[extended] + DAY + 7200, due=due[extended])

    span = (due - assigned_at)[alive]
    resolved_at = assigned_at[alive] + (0.1 + rng.beta(2, 4, len(alive)) * 1.1) * span  # ≈ 7 % late
    resolved_at = np.maximum(resolved_at.astype(np.int64), t[alive] + 3 * DAY * 0 + 4 * 3600)
    t[alive] = resolved_at
    log.emit(alive, "resolve", t[alive])

    def callback(idx, solved_p):
        t[idx] += rng.integers(3600, 3 * DAY, len(idx))
        reached = (rng.random(len(idx)) < 0.92).astype(np.int64)
        solved = (rng.random(len(idx)) < solved_p).astype(np.int64) * reached
        happy = rng.choice([5, 4, 3], len(idx), p=[0.7, 0.2, 0.1])
        unhappy = rng.choice([3, 2, 1], len(idx), p=[0.3, 0.4, 0.3])
        level = np.where(solved == 1, happy, unhappy) * reached
        log.emit(idx, "callback", t[idx], a=reached, b=solved, c=level)
        return reached, solved

    reached, solved = callback(alive, 0.9)
    reopen = alive[(reached == 1) & (solved == 0) & (rng.random(len(alive)) < 0.5)]
    t[reopen] += 3600
    due[reopen] = t[reopen] + 9 * DAY
    log.emit(reopen, "reopen", t[reopen], due=due[reopen], a=np.ones(len(reopen)))
    t[reopen] += rng.integers(DAY, 6 * DAY, len(reopen))
    log.emit(reopen, "resolve", t[reopen])
    callback(reopen, 0.8)
    log.emit(alive, "close", t[alive] + 3600)
    final_unit = np.where(np.isin(np.arange(n), merged), -1, unit)
    orders = {"id": np.arange(1, n + 1), "received": t0, "urgency": urgency, "unit": final_unit, "version": log.seq}
    return orders, log.columns()


def write_csv(con, *, orders: dict, events: dict, units: dict, workdir: Path) -> tuple[Path, Path]:
    """Compose the table rows in DuckDB (timestamps, JSON payloads) and write COPY-ready CSV."""
    con.register("o", orders)
    con.register("ev", events)
    con.register("actions", {"code": np.arange(len(ACTIONS)), "name": np.array(ACTIONS),
                             "to_state": np.array([TO_STATE[a] for a in ACTIONS])})  # fmt: skip
    con.register("units", {"id": np.array(list(units)), "name": np.array(list(units.values()))})
    ts = "strftime(make_timestamp(CAST({0} AS BIGINT) * 1000000), '%Y-%m-%d %H:%M:%S+00')"
    iso = "strftime(make_timestamp(CAST({0} AS BIGINT) * 1000000), '%Y-%m-%dT%H:%M:%S+00:00')"
    urg = "['general', 'complex', 'utility', 'urgent'][o.urgency + 1]"
    order_csv = workdir / "orders_in.csv"
    con.execute(f"""COPY (SELECT o.id, 'BENCH' || lpad(CAST(o.id AS VARCHAR), 10, '0'), 'hotline', '合成工单',
        '合成诉求内容', '', {ts.format("o.received")}, '', '', {urg}, 'closed', '', '', 0, 0, 0, 0, 0, '',
        o.version, {ts.format("o.received")}, {ts.format("o.received")},
        CASE WHEN o.unit >= 0 THEN CAST(o.unit AS VARCHAR) END, false, 0, ''
        FROM o ORDER BY o.id) TO '{order_csv}' (HEADER false, DELIMITER ',', QUOTE '"')""")
    payload = f"""CASE a.name
        WHEN 'create' THEN '{{"channel": "hotline"}}'
        WHEN 'merge' THEN '{{"master": ' || (ev."order" - 1) || '}}'
        WHEN 'mark_unreasonable' THEN '{{"kind": "repeat"}}'
        WHEN 'return' THEN '{{"returned_by_unit": ' || ev.unit || '}}'
        WHEN 'respond' THEN '{{"contact_method": "phone"}}'
        WHEN 'request_extension' THEN '{{"days": 5}}'
        WHEN 'supervise' THEN '{{"count": 1}}'
        WHEN 'callback' THEN '{{"reached": ' || CASE WHEN ev.a = 1 THEN 'true' ELSE 'false' END
            || ', "solved": ' || CASE WHEN ev.a = 1 THEN (CASE WHEN ev.b = 1 THEN 'true' ELSE 'false' END) ELSE 'null' END
            || ', "satisfaction": ' || CASE WHEN ev.a = 1 THEN CAST(ev.c AS VARCHAR) ELSE 'null' END || '}}'
        WHEN 'reopen' THEN '{{"count": 1, "handling_due": "' || {iso.format("ev.due")} || '"}}'
        WHEN 'approve_extension' THEN '{{"days": 5, "handling_due": "' || {iso.format("ev.due")} || '"}}'
        WHEN 'rule_dispute' THEN CASE WHEN ev.a = 1
            THEN '{{"upheld": true, "lead_unit": ' || ev.unit || ', "lead_unit_name": "' || u.name
                 || '", "handling_due": "' || {iso.format("ev.due")} || '", "deadline_rule": "2021-09-24"}}'
            ELSE '{{"upheld": false, "previous_unit": ' || ev.unit || '}}' END
        WHEN 'dispatch' THEN '{{"lead_unit": ' || ev.unit || ', "lead_unit_name": "' || u.name
            || '", "response_due": "' || {iso.format("ev.a")} || '", "handling_due": "'
            || {iso.format("ev.due")} || '", "deadline_rule": "2021-09-24"}}'
        WHEN 'redispatch' THEN '{{"lead_unit": ' || ev.unit || ', "lead_unit_name": "' || u.name
            || '", "handling_due": "' || {iso.format("ev.due")} || '", "deadline_rule": "2021-09-24"}}'
        ELSE '{{}}' END"""
    event_csv = workdir / "events_in.csv"
    con.execute(f"""COPY (SELECT ev."order", ev.seq, a.name, '', a.to_state, {ts.format("ev.at")}, '', {payload}
        FROM ev JOIN actions a ON a.code = ev.action LEFT JOIN units u ON u.id = ev.unit
        ORDER BY ev.at, ev."order", ev.seq) TO '{event_csv}' (HEADER false, DELIMITER ',', QUOTE '"')""")
    return order_csv, event_csv


def copy_in(*, order_csv: Path, event_csv: Path) -> None:
    from django.db import connection

    order_cols = (
        "id, number, channel, title, content, address, received_at, requester_name, requester_phone, urgency, "
        "state, deadline_rule_version, reply, escalation_level, supervision_count, return_count, reopen_count, "
        "extension_count, unreasonable_reason, version, created_at, updated_at, lead_unit_id, calendar_estimated, "
        "dissatisfied_count, level"
    )
    event_cols = "order_id, seq, action, from_state, to_state, at, reason, payload"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET session_replication_role = replica")  # skip FK triggers during the bulk load
        for table, cols, path in (
            ("workorders_workorder", order_cols, order_csv),
            ("workorders_workorderevent", event_cols, event_csv),
        ):
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy, path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        raw.execute("SET session_replication_role = DEFAULT")


BULK_TABLES = ("workorders_workorder", "workorders_workorderevent")


def drop_secondary_indexes(tables: tuple[str, ...] = BULK_TABLES, *, keep_unique: bool = False) -> list[str]:
    """Drop the two tables' indexes and unique constraints other than the primary keys, and return
    the statements that re-create them: building a B-tree once after the load is many times faster
    than keeping eight of them up to date row by row (shared_buffers is 128 MB here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(
            """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.conindid
               FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype = 'u'""",
            [list(tables)],
        )
        constraints = raw.fetchall()
        backing = {row[3] for row in constraints}
        if keep_unique:  # e.g. the target of an ON CONFLICT clause
            constraints = []
        raw.execute(
            """SELECT i.indexrelid, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary""",
            [list(tables)],
        )
        indexes = [row for row in raw.fetchall() if row[0] not in backing]
        for table, name, _, _ in constraints:
            raw.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name, _ in indexes:
            raw.execute(f"DROP INDEX {name}")
    return [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, _ in constraints] + [d for _, _, d in indexes]


def recreate_indexes(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET maintenance_work_mem = '2GB'")
        raw.execute("SET max_parallel_maintenance_workers = 2")
        for statement in statements:
            raw.execute(statement)


def build_order_facts(*, chunk: int) -> tuple[float, int]:
    """Fold the loaded log into the monthly facts table the way `rebuild_order_facts` does, with
    the table's indexes built once afterwards. Returns (seconds, rows)."""
    from jiesu.assessment import facts

    started = time.perf_counter()
    recreate = drop_secondary_indexes(("assessment_ordermonthfacts",), keep_unique=True)
    rows = facts.rebuild(chunk=chunk)  # ANALYZEs the table at the end
    recreate_indexes(recreate)
    return time.perf_counter() - started, rows


def finish_load(recreate: list[str]) -> None:
    from django.db import connection

    recreate_indexes(recreate)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(
            "SELECT setval(pg_get_serial_sequence('workorders_workorder', 'id'), max(id)) FROM workorders_workorder"
        )
        raw.execute("ANALYZE workorders_workorder")
        raw.execute("ANALYZE workorders_workorderevent")


# ---------------------------------------------------------------- timing


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def export_parquet(con, workdir: Path, *, chunk: int) -> float:
    """COPY the events and orders out of PostgreSQL, `chunk` orders at a time, into Parquet files
    (one per chunk, so a 20 M run never holds its whole CSV on disk). Returns seconds."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SELECT coalesce(max(id), 0) FROM workorders_workorder")
        last = raw.fetchone()[0]
        columns = {
            "events": "{'order_id': 'BIGINT', 'seq': 'INTEGER', 'action': 'VARCHAR', 'at': 'VARCHAR', "
            "'payload': 'VARCHAR'}",
            "orders": "{'id': 'BIGINT', 'urgency': 'VARCHAR', 'property_project_id': 'BIGINT'}",
        }
        select = {
            "events": 'SELECT order_id, seq, action, CAST("at" AS TIMESTAMPTZ) AS "at", payload',
            "orders": "SELECT *",
        }
        for part, low in enumerate(range(0, last, chunk)):
            for name, query in (
                ("events", "SELECT order_id, seq, action, at, payload FROM workorders_workorderevent "
                 f"WHERE order_id > {low} AND order_id <= {low + chunk}"),
                ("orders", "SELECT id, urgency, property_project_id FROM workorders_workorder "
                 f"WHERE id > {low} AND id <= {low + chunk}"),
            ):  # fmt: skip
                path = workdir / f"{name}_out.csv"
                with raw.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER true)") as copy, path.open("wb") as fh:
                    for block in copy:
                        fh.write(block)
                con.execute(f"""COPY ({select[name]} FROM read_csv('{path}', header = true, columns = {columns[name]}))
                    TO '{workdir / f"{name}_{part:04d}.parquet"}' (FORMAT parquet)""")
                path.unlink()
    return time.perf_counter() - started


def duckdb_execute(con):
    def execute(sql, params):
        return con.execute(sql.replace("%s", "?").replace("%%", "%"), params).fetchall()

    return execute


def check_year_to_date(*, rules, month) -> None:
    """The earlier months' sums of compute_month (one pass) against one aggregation per month."""
    import datetime as dt

    from jiesu.assessment import engine

    months = [dt.date(month.year, m, 1) for m in range(1, month.month)]
    windows = [rules.cycle.window(m) for m in months]
    started = time.perf_counter()
    together = engine.count_callback_months(rules=rules, windows=windows)
    one_pass = time.perf_counter() - started
    started = time.perf_counter()
    same = True
    for (start, end), got in zip(windows, together, strict=True):
        alone = engine.count(rules=rules, start=start, end=end)
        key = lambda c: (c.callbacks, c.responded, c.solved, round(c.satisfaction_points, 6))  # noqa: E731
        same &= {u: key(c) for u, c in got.items()} == {u: key(c) for u, c in alone.items() if c.callbacks}
    print(f"year to date, {len(months)} earlier months: one pass {one_pass:.1f} s, month by month "
          f"{time.perf_counter() - started:.1f} s; figures identical: {same}")  # fmt: skip
    if not same:
        sys.exit(1)


def main():
    args = parse_args()
    if not args.reuse:
        recreate_database(args.db)
    setup_django(args.db)
    import duckdb
    from django.core.management import call_command

    from jiesu.assessment import engine, selectors
    from jiesu.assessment.rules import parse_month
    from jiesu.org.models import Unit, UnitKind

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="jiesu-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if not args.reuse:
        call_command("migrate", verbosity=0)
        call_command("load_reference", verbosity=0)
        call_command("load_assessment_rules", verbosity=0)
        units = {
            u.pk: u.name for u in Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN, UnitKind.DEPARTMENT])
        }
        kinds = dict(Unit.objects.filter(pk__in=units).values_list("pk", "kind"))
        ids = np.array(list(units))
        weights = np.array([3.0 if kinds[i] != UnitKind.DEPARTMENT else 1.0 for i in ids])
        parts = -(-args.orders // args.chunk)
        started = time.perf_counter()
        recreate = drop_secondary_indexes()
        load = time.perf_counter() - started
        gen = csv_s = 0.0
        n_events = 0
        for k in range(parts):
            n = min(args.chunk, args.orders - k * args.chunk)
            offset = k * args.chunk
            started = time.perf_counter()
            orders, events = generate(
                n=n, year=args.year, unit_ids=ids, unit_weights=weights / weights.sum(),
                seed=args.seed + k, slice_=(k, parts),
            )  # fmt: skip
            orders["id"] += offset
            events["order"] += offset
            gen += time.perf_counter() - started
            started = time.perf_counter()
            order_csv, event_csv = write_csv(con, orders=orders, events=events, units=units, workdir=workdir)
            csv_s += time.perf_counter() - started
            started = time.perf_counter()
            copy_in(order_csv=order_csv, event_csv=event_csv)
            load += time.perf_counter() - started
            n_events += len(events["seq"])
            order_csv.unlink()
            event_csv.unlink()
            del orders, events
            if parts > 1:
                print(f"  chunk {k + 1}/{parts}: {offset + n:,} orders, {n_events:,} events so far "
                      f"(numpy {gen:.0f} s, csv {csv_s:.0f} s, COPY {load:.0f} s)", flush=True)  # fmt: skip
        started = time.perf_counter()
        finish_load(recreate)
        load += time.perf_counter() - started
        print(f"generated {args.orders:,} orders, {n_events:,} events: numpy {gen:.1f} s, "
              f"csv {csv_s:.1f} s, COPY into PostgreSQL and {len(recreate)} indexes rebuilt {load:.1f} s")  # fmt: skip
        seconds, rows = build_order_facts(chunk=args.chunk)
        print(f"monthly facts folded from the log: {rows:,} rows in {seconds:.1f} s")
    else:
        # A database loaded before the facts table existed gets it here: the migration folds the
        # events already there (what an upgrade of a running installation does).
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate on the reused database: {time.perf_counter() - started:.1f} s")

    from django.db import connection

    if args.load_only:
        if args.no_parquet:
            return
        print(f"export to Parquet {export_parquet(con, workdir, chunk=args.chunk):.1f} s")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM workorders_workorderevent")
        n_events = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM workorders_workorder")
        n_orders = cursor.fetchone()[0]
    month = parse_month(args.month)
    rule = selectors.resolve_rule(month=month)
    rules = rule.parsed()
    start, end = rules.cycle.window(month)
    print(f"database: {n_orders:,} orders, {n_events:,} events; month {args.month}, rule {rule.version}")

    full_times, rows = timed(
        lambda: selectors.compute_month(month=month, kind="street", rule=rule), args.full_repeat or args.repeat
    )
    if args.check_ytd:
        check_year_to_date(rules=rules, month=month)
    from jiesu.assessment.services import publish_month

    publish_times, _ = timed(lambda: publish_month(month=month, rule_version=rule.version), 1)
    read_times, published = timed(
        lambda: selectors.monthly_results(month=month, kind="street", rule_version=rule.version), args.repeat
    )
    assert [(r.unit_id, r.rank) for r in published] == [(r.unit_id, r.rank) for r in rows]

    exported = args.reuse and (workdir / "events_0000.parquet").exists()
    export_s = 0.0 if exported else export_parquet(con, workdir, chunk=args.chunk)
    con.execute(f"CREATE OR REPLACE VIEW workorders_workorderevent AS SELECT * FROM '{workdir / 'events_*.parquet'}'")
    con.execute(f"CREATE OR REPLACE VIEW workorders_workorder AS SELECT * FROM '{workdir / 'orders_*.parquet'}'")
    con.execute("CREATE OR REPLACE TABLE org_propertyproject (id BIGINT, company_id BIGINT, name VARCHAR)")
    statements = engine.build(dialect=engine.Dialect(vendor="duckdb"), rules=rules, start=start, end=end)
    # Alternate the two engines run by run, so both meet the same load on a shared machine.
    jiesu_times, duck_times = [], []
    for _ in range(args.repeat):
        times, jiesu_counts = timed(lambda: engine.count(rules=rules, start=start, end=end), 1)
        jiesu_times += times
        times, duck_counts = timed(lambda: engine.run(statements, execute=duckdb_execute(con)), 1)
        duck_times += times

    same = jiesu_counts == duck_counts
    total = sum(c.callbacks for c in jiesu_counts.values())
    print(f"month {args.month}: {len(jiesu_counts)} units, {total:,} valid callbacks, "
          f"{sum(c.received for c in jiesu_counts.values()):,} orders received; figures identical: {same}")  # fmt: skip
    pg, dk = statistics.median(jiesu_times), statistics.median(duck_times)
    print(f"jiesu (PostgreSQL) one month, SQL aggregation: median {pg * 1000:.0f} ms "
          f"(runs: {', '.join(f'{t * 1000:.0f}' for t in jiesu_times)})")  # fmt: skip
    print(f"jiesu compute_month, not yet published (this month + each earlier month of the year for "
          f"month-on-month and year to date, ranking): "
          f"median {statistics.median(full_times) * 1000:.0f} ms "
          f"(runs: {', '.join(f'{t * 1000:.0f}' for t in full_times)})")  # fmt: skip
    print(f"publish_month (both unit groups, snapshots, watch list): {publish_times[0]:.1f} s; "
          f"monthly_results of a published month (snapshot): median "
          f"{statistics.median(read_times) * 1000:.0f} ms")  # fmt: skip
    print(f"DuckDB over Parquet export, same query: median {dk * 1000:.0f} ms "
          f"(runs: {', '.join(f'{t * 1000:.0f}' for t in duck_times)}); export+convert {export_s:.1f} s")  # fmt: skip
    print(f"ratio jiesu ÷ DuckDB = {pg / dk:.2f} (target ≤ 2)")
    top = [r for r in rows if r.rank][:3]
    print("top streets: " + "; ".join(f"{r.rank}. {r.unit_name} {r.composite:.2f}" for r in top))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
