"""Closed-loop throughput: N orders, each created and driven through dispatch → acknowledge →
respond → resolve → callback → close by the real services (one transaction per action, as in
production), on SQLite or PostgreSQL. Prints orders/s and events/s (median of runs) and peak RSS.

    .venv/bin/python bench/closed_loop.py --db sqlite --orders 2000 --runs 3
    .venv/bin/python bench/closed_loop.py --db postgres --orders 2000 --runs 3 --workers 2
    .venv/bin/python bench/closed_loop.py --db postgres --orders 1000 --runs 3 --workers 2 --pgbench

`--pgbench` runs pgbench's TPC-B (`-c workers -j workers`, `--pgbench-seconds` each) on a scratch
database after every run of the loop, so both meet the same load on a shared machine, and prints
the ratio of the loop's events/s to pgbench's tps (medians): how much of what the database can
commit the closed loop gets (target ≥ 0.5).

`--round-trips N` (PostgreSQL) drives N loops in this process and prints, per loop, the statements
sent through cursors, the commands psycopg sends by itself (BEGIN, COMMIT) and their sum: the
round trips to the server, and the WAL written per loop (the whole server's: only meaningful when
nothing else writes).

`--cpu N` (PostgreSQL) drives N loops in this process after the same warm-up and prints the Python
CPU per loop (`time.process_time`); `--profile FILE` also writes a cProfile of those loops.

`--server-cpu N` (PostgreSQL on this machine) drives N loops and prints the CPU time of the loop's
own PostgreSQL backend per loop and per event (/proc/<backend pid>/schedstat: nanoseconds on CPU,
not ticks), and per statement text the backend's CPU around it (the COMMITs psycopg sends itself
are in the total only).

The database is a dedicated one (var/bench.sqlite3 or PostgreSQL database jiesu_bench), rebuilt
at start. Workers are separate processes with their own connections, each driving its own orders.
"""

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from proc_cpu import on_cpu_ns  # bench/ is this script's own folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("JIESU_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/jiesu_bench")
# Events per loop: create, dispatch, acknowledge, respond, submit_check, approve_check, callback, close
# (a sampled order's pass_spot_check is not counted). Until 2026-12-01 this said 7, from before 多级核查.
STEPS = 8


def _setup_django(db: str) -> None:
    os.environ["DATABASE_URL"] = PG_URL if db == "postgres" else f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
    # jiesu.settings runs with DEBUG off unless told; a benchmark needs no real secret and no HTTPS.
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("JIESU_HTTPS", "0")
    # Forked workers must not inherit the parent's connection pool; each keeps one connection.
    os.environ.setdefault("JIESU_DB_POOL", "0")
    import django

    django.setup()


def _prepare(db: str) -> None:
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            name = PG_URL.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ROOT / 'var' / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
    _setup_django(db)
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from jiesu.org.models import Role, Unit
    from jiesu.org.services import create_user

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    hashed = make_password("bench")
    centre = Unit.objects.get(code="110106-JSJB")
    for name, role in (("b_agent", Role.AGENT), ("b_dispatcher", Role.DISPATCHER), ("b_callback", Role.CALLBACK_AGENT)):
        create_user(username=name, password="", password_hash=hashed, role=role, unit=centre)
    for unit in Unit.objects.filter(kind__in=["street", "town"]):
        create_user(username=f"b_h_{unit.code}", password="", password_hash=hashed, role=Role.HANDLER, unit=unit)
        create_user(username=f"b_l_{unit.code}", password="", password_hash=hashed, role=Role.UNIT_LEADER, unit=unit)


def _worker(db: str, count: int, seed: int, queue, facts: bool = True, folded: bool = True) -> None:
    _setup_django(db)
    from django.db import connection

    if os.environ.get("JIESU_BENCH_WITHOUT_NOTIFY"):  # what recording the messages costs
        from django.db.models.signals import post_save

        from jiesu.workorders.models import WorkOrderEvent

        post_save.disconnect(sender=WorkOrderEvent, dispatch_uid="notify-order-events")
    if not folded:  # the ORM path: one statement for the update, the event and the facts each
        from jiesu.workorders import services as order_services

        order_services._one_statement = lambda: False

    if not facts:  # measure what keeping the assessment's monthly facts costs each event
        from django.db.models.signals import post_save

        from jiesu.workorders import services as order_services
        from jiesu.workorders.models import WorkOrderEvent

        post_save.disconnect(sender=WorkOrderEvent, dispatch_uid="assessment-order-facts")
        order_services._EVENT_FOLDS.clear()  # PostgreSQL folds them into the action's statement

    from jiesu.org.models import User
    from jiesu.workorders import services

    agent = User.objects.get(username="b_agent")
    dispatcher = User.objects.get(username="b_dispatcher")
    callback_agent = User.objects.get(username="b_callback")
    handlers = list(User.objects.filter(username__startswith="b_h_").select_related("unit"))
    leaders = {u.unit_id: u for u in User.objects.filter(username__startswith="b_l_")}
    connection.ensure_connection()
    started = time.perf_counter()
    for i in range(count):
        handler = handlers[(seed + i) % len(handlers)]
        order, _ = services.create_order(
            user=agent,
            content=f"第{seed}-{i}号诉求：小区楼道堆物堵塞消防通道，请尽快清理",
            requester_phone="13800001111",
            address="丰台区测试路1号",
        )
        services.dispatch(user=dispatcher, order_id=order.pk, lead_unit=handler.unit)
        services.acknowledge(user=handler, order_id=order.pk)
        services.respond(user=handler, order_id=order.pk, note="已联系")
        # 多级核查 (streets): submit, the leader approves; a sampled order is spot-checked.
        services.submit_check(user=handler, order_id=order.pk, reply="已清理完毕")
        if services.approve_check(user=leaders[handler.unit_id], order_id=order.pk).state == "spot_check":
            services.pass_spot_check(user=dispatcher, order_id=order.pk)
        services.callback(user=callback_agent, order_id=order.pk, solved=True, satisfaction=5)
        services.close(user=callback_agent, order_id=order.pk)
    elapsed = time.perf_counter() - started
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


class _NoQueue:
    def put(self, item) -> None:
        pass


def round_trips(loops: int) -> None:
    """Statements and psycopg's own commands per loop, one worker in this process (after a warm-up
    of 5 loops, which fills the per-process caches)."""
    from django.db import connection

    _worker("postgres", 5, 900_000, _NoQueue())
    raw = connection.connection
    commands: list[str] = []
    statements = [0]
    original = raw._exec_command

    def spy(command, *args, **kwargs):
        commands.append(bytes(command).decode())
        return original(command, *args, **kwargs)

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def wal() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")
            return int(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        # Each page's first change after a checkpoint is written whole into the WAL: start from one,
        # so that runs compare (a superuser's command; the bench connects as one).
        cursor.execute("CHECKPOINT")
    began = wal()
    raw._exec_command = spy
    try:
        with connection.execute_wrapper(count):
            _worker("postgres", loops, 910_000, _NoQueue())
    finally:
        del raw._exec_command
    written = wal() - began
    sent = statements[0] - 5  # the worker's look-ups of its users
    print(
        f"per loop: statements {sent / loops:.1f}, psycopg's own commands {len(commands) / loops:.1f} "
        f"(BEGIN {commands.count('BEGIN') / loops:.1f}, COMMIT {commands.count('COMMIT') / loops:.1f}), "
        f"round trips {(sent + len(commands)) / loops:.1f}"
    )
    # The server's WAL, all databases: a figure of this loop only when nothing else writes.
    print(f"WAL per loop: {written / loops / 1024:.1f} KiB (whole server, quiet server only)")


def cpu_per_loop(loops: int, profile: str | None) -> None:
    """Python CPU per loop (process time), one worker in this process, after a warm-up of 5 loops."""
    import cProfile

    _worker("postgres", 5, 920_000, _NoQueue())
    profiler = cProfile.Profile(time.process_time) if profile else None
    began, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    _worker("postgres", loops, 930_000, _NoQueue())
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    cpu, wall = time.process_time() - began, time.perf_counter() - wall
    print(f"per loop: Python CPU {cpu / loops * 1000:.1f} ms, wall {wall / loops * 1000:.1f} ms (load {_load()})")


def server_cpu(loops: int) -> None:
    """The loop's PostgreSQL backend's CPU per loop and per statement, one worker in this process
    after a warm-up of 5 loops (the server must run on this machine: its /proc)."""
    import collections
    import re

    from django.db import connection

    _worker("postgres", 5, 940_000, _NoQueue())
    pid = connection.connection.info.backend_pid

    def on_cpu() -> int:
        return on_cpu_ns(pid)

    per_statement: dict[str, list] = collections.defaultdict(lambda: [0, 0])

    def measure(execute, sql, params, many, context):
        began = on_cpu()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = per_statement[re.sub(r"\s+", " ", sql)[:90]]
            entry[0] += 1
            entry[1] += on_cpu() - began

    began, wall = on_cpu(), time.perf_counter()
    with connection.execute_wrapper(measure):
        _worker("postgres", loops, 950_000, _NoQueue())
    total, wall = on_cpu() - began, time.perf_counter() - wall
    print(
        f"server CPU per loop {total / loops / 1e6:.2f} ms, per event {total / loops / STEPS / 1e6:.3f} ms "
        f"(wall per loop {wall / loops * 1000:.1f} ms, load {_load()})"
    )
    for sql, (count, ns) in sorted(per_statement.items(), key=lambda item: -item[1][1])[:12]:
        print(f"  {count / loops:4.1f}/loop {ns / loops / 1e3:6.0f} µs/loop {ns / count / 1e3:5.0f} µs each  {sql}")


def run_once(
    db: str, orders: int, workers: int, run: int, facts: bool = True, folded: bool = True
) -> tuple[float, int]:
    queue = mp.get_context("fork").Queue()
    per_worker = orders // workers
    procs = [
        mp.get_context("fork").Process(
            target=_worker, args=(db, per_worker, run * 100_000 + w * 10_000, queue, facts, folded)
        )
        for w in range(workers)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - started
    return wall, max(rss for _, rss in results)


def _pgbench_url() -> str:
    return PG_URL + "_pgbench"


def _pgbench_init() -> None:
    import subprocess

    import psycopg

    name = _pgbench_url().rsplit("/", 1)[1]
    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", _pgbench_url()], check=True, capture_output=True)


def _pgbench_tps(*, clients: int, seconds: int) -> float:
    """TPC-B (pgbench's default script) with `clients` connections for `seconds`."""
    import re
    import subprocess

    out = subprocess.run(
        ["pgbench", "-n", "-c", str(clients), "-j", str(clients), "-T", str(seconds), _pgbench_url()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default=None,
        help="PostgreSQL only: set synchronous_commit for the benchmark's sessions",
    )
    parser.add_argument(
        "--compare-order-facts",
        action="store_true",
        help="alternate runs with and without the monthly-facts refresh per event and print both",
    )
    parser.add_argument("--pgbench", action="store_true", help="PostgreSQL: pgbench TPC-B after each run, ratio")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument(
        "--without-notify",
        action="store_true",
        help="no messages (the inbox/e-mail/SMS rows notify writes with each event): what the loop itself costs",
    )
    parser.add_argument(
        "--compare-one-statement",
        action="store_true",
        help="PostgreSQL: alternate runs with the ORM path (update, event, facts as separate statements)",
    )
    parser.add_argument("--round-trips", type=int, default=0, metavar="N", help="PostgreSQL: count per loop, N loops")
    parser.add_argument("--cpu", type=int, default=0, metavar="N", help="PostgreSQL: Python CPU per loop, N loops")
    parser.add_argument(
        "--server-cpu", type=int, default=0, metavar="N", help="PostgreSQL: the backend's CPU per loop, N loops"
    )
    parser.add_argument("--profile", default=None, metavar="FILE", help="with --cpu: write a cProfile there")
    args = parser.parse_args()
    if args.without_notify:
        os.environ["JIESU_BENCH_WITHOUT_NOTIFY"] = "1"
    if args.pgbench and args.db != "postgres":
        parser.error("--pgbench compares with PostgreSQL: use --db postgres")
    if args.synchronous_commit:
        os.environ["JIESU_PG_SYNCHRONOUS_COMMIT"] = args.synchronous_commit
    _prepare(args.db)
    if args.round_trips:
        if args.db != "postgres":
            parser.error("--round-trips counts PostgreSQL's round trips: use --db postgres")
        round_trips(args.round_trips)
        return
    if args.server_cpu:
        if args.db != "postgres":
            parser.error("--server-cpu measures PostgreSQL's backend: use --db postgres")
        server_cpu(args.server_cpu)
        return
    if args.cpu:
        if args.db != "postgres":
            parser.error("--cpu measures the PostgreSQL path: use --db postgres")
        cpu_per_loop(args.cpu, args.profile)
        return
    from django.db import connections

    connections.close_all()  # forked workers open their own
    walls, peaks, bare, tps, orm = [], [], [], [], []
    done = args.orders // args.workers * args.workers
    if args.pgbench:
        _pgbench_init()
    for run in range(args.runs):
        wall, peak = run_once(args.db, args.orders, args.workers, run)
        walls.append(wall)
        peaks.append(peak)
        print(
            f"run {run + 1}: {done} loops in {wall:.2f} s = {done / wall:.0f} loops/s, "
            f"{done * STEPS / wall:.0f} events/s (load {_load()})",
            flush=True,
        )
        if args.compare_one_statement:
            wall, _ = run_once(args.db, args.orders, args.workers, 2 * args.runs + run, folded=False)
            orm.append(wall)
            print(f"run {run + 1} ORM path: {done / wall:.0f} loops/s, {done * STEPS / wall:.0f} events/s", flush=True)
        if args.pgbench:
            tps.append(_pgbench_tps(clients=args.workers, seconds=args.pgbench_seconds))
            print(f"run {run + 1}: pgbench TPC-B -c {args.workers}: {tps[-1]:.0f} tps (load {_load()})", flush=True)
        if args.compare_order_facts:
            wall, _ = run_once(args.db, args.orders, args.workers, args.runs + run, facts=False)
            bare.append(wall)
            print(f"run {run + 1} without the monthly facts: {done} loops in {wall:.2f} s = {done / wall:.0f} loops/s")
    if bare:
        with_facts, without = statistics.median(walls), statistics.median(bare)
        print(f"monthly facts per event: {(with_facts - without) / (done * STEPS) * 1000:.2f} ms "
              f"({with_facts / without:.2f}× the loop time without them)")  # fmt: skip
    median = statistics.median(walls)
    print(
        f"db={args.db} workers={args.workers} orders/run={done} runs={args.runs} "
        f"synchronous_commit={args.synchronous_commit or 'server default'}"
    )
    print(
        f"loops_per_s_median={done / median:.0f} events_per_s_median={done * STEPS / median:.0f} "
        f"min_run_s={min(walls):.2f} max_run_s={max(walls):.2f} peak_rss_mb={max(peaks) / 1024:.0f}"
    )
    if orm:
        print(f"one statement per action vs ORM path: {statistics.median(orm) / median:.2f}× the loops/s (medians)")
    if tps:
        events = done * STEPS / median
        print(f"pgbench_tps_median={statistics.median(tps):.0f} load={_load()}")
        print(f"events_per_s/pgbench_tps={events / statistics.median(tps):.2f} (target ≥ 0.5)")


if __name__ == "__main__":
    main()
