"""Benchmark: sustained list/detail reads on gunicorn (bin/serve web) with PostgreSQL, counting
errors and the PostgreSQL connections the server holds. Loopback only, bounded in count and time.

    .venv/bin/python bench/serve.py                              # 100k orders, 200 req/s for 60 s
    .venv/bin/python bench/serve.py --reuse --rate 300 --seconds 30

1. Scratch database (`--db`, dropped and re-created unless --reuse; prefix it with your name):
   migrate, reference data, `load_synthetic_orders --count N`, one dispatcher with an API token.
2. Starts `bin/serve web` (gunicorn, `--workers` × `--threads`, the pooled connections of
   jiesu.settings, DEBUG off, plain HTTP on 127.0.0.1) and warms it up.
3. Open-loop load: `--rate` requests a second for `--seconds` (half GET /api/v1/orders with a
   random page and filter, half GET /api/v1/orders/{id}), over at most `--connections` keep-alive
   connections; a request that waits for a free connection counts that wait in its latency.
4. Samples pg_stat_activity for the database every 0.2 s (the maximum and the idle ones).
5. Reads /proc before and after each run: the CPU time of the server's processes (gunicorn master and
   workers), of PostgreSQL's backends for the database, of this load generator, and the machine's
   busy share — where the two cores went, per request.
Prints achieved rate, errors, latency median/p95/p99, the connection figures, the CPU split and the load."""

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from proc_cpu import TICK, cpu_seconds, proc_stat  # bench/ is this script's own folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STOP = threading.Event()  # SIGTERM/SIGINT: stop sending, report, stop the server


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--rate", type=float, nargs="+", default=[200.0], help="one or more rates, each run in turn")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--pool-max", type=int, default=None, help="JIESU_DB_POOL_MAX per web process (default: threads)")
    p.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/ops_serve_bench")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    p.add_argument("--reuse", action="store_true")
    return p.parse_args()


def psql(url: str, dbname: str | None = None):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username,
        dbname=dbname or parts.path.lstrip("/"), autocommit=True,
    )  # fmt: skip


def prepare(args) -> tuple[str, list[int]]:
    name = urlsplit(args.db).path.lstrip("/")
    if not args.reuse:
        with psql(args.db, "postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=args.db, SECRET_KEY="bench-only-not-a-secret", JIESU_HTTPS="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from knox.models import AuthToken

    from jiesu.org.models import Role, Unit, User
    from jiesu.org.services import create_user
    from jiesu.workorders.models import WorkOrder

    if not args.reuse:
        call_command("migrate", verbosity=0)
        call_command("load_reference", verbosity=0)
        call_command("load_synthetic_orders", "--count", str(args.orders), verbosity=0)
    user = User.objects.filter(username="bench_dispatcher").first() or create_user(
        username="bench_dispatcher", password="bench-pw-123", role=Role.DISPATCHER,
        unit=Unit.objects.get(code="110106-JSJB"), display_name="压测派单员",
    )  # fmt: skip
    _instance, token = AuthToken.objects.create(user=user)  # expiring knox token (docs/security.md)
    ids = list(WorkOrder.objects.values_list("pk", flat=True)[:50000])
    from django.db import connections

    connections.close_all()
    return token, ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": args.db,
        "REDIS_URL": args.redis,
        "JIESU_REDIS_PREFIX": f"ops-bench-{secrets.token_hex(3)}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "JIESU_HTTPS": "0",
        "JIESU_SKIP_SETUP": "1",
        "JIESU_ADDR": f"127.0.0.1:{port}",
        "JIESU_WEB_WORKERS": str(args.workers),
        "JIESU_WEB_THREADS": str(args.threads),
        "JIESU_REQUEST_LOG_LEVEL": "WARNING",
        "LOG_LEVEL": "WARNING",
        "PGAPPNAME": APP_NAME,  # libpq tags the server's connections: their backends' CPU is counted
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if args.pool_max:
        env["JIESU_DB_POOL_MAX"] = str(args.pool_max)
    return subprocess.Popen(
        ["bin/serve", "web"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


class Connections:
    """Samples how many connections the server holds on the database."""

    def __init__(self, url: str):
        self.url, self.name = url, urlsplit(url).path.lstrip("/")
        self.samples: list[tuple[int, int]] = []
        self.stop = threading.Event()

    def run(self):
        with psql(self.url, "postgres") as conn:
            while not self.stop.is_set():
                total, idle = conn.execute(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'idle') FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.name],
                ).fetchone()
                self.samples.append((total, idle))
                time.sleep(0.2)


APP_NAME = "jiesu-bench-serve"


def cpu_snapshot(server_pgid: int, db_url: str) -> dict:
    """CPU seconds so far of the server's process group, of each PostgreSQL backend serving it (by
    application name: another session's queries on the same database are not counted) and of this
    process, and the machine's busy/total seconds (/proc/stat)."""
    server = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = proc_stat(pid)
        if fields is not None and int(fields[2]) == server_pgid:  # bin/serve runs in a session of its own
            server += cpu_seconds(fields, reaped=True)  # with workers recycled by max_requests
    with psql(db_url, "postgres") as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])]
    backends = {}
    for pid in pids:
        fields = proc_stat(pid)
        if fields is not None:
            backends[pid] = cpu_seconds(fields)
    own = os.times()
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return {
        "server": server, "backends": backends, "client": own.user + own.system,
        "busy": (sum(values) - idle) / TICK, "total": sum(values) / TICK,
    }  # fmt: skip


def cpu_report(before: dict[str, float], after: dict[str, float], requests: int) -> str:
    d = {k: after[k] - before[k] for k in before if k != "backends"}
    d["postgres"] = sum(cpu - before["backends"].get(pid, 0.0) for pid, cpu in after["backends"].items())
    per = {k: 1000 * d[k] / max(requests, 1) for k in ("server", "postgres", "client")}
    other = 1000 * (d["busy"] - d["server"] - d["postgres"] - d["client"]) / max(requests, 1)
    return (
        f"CPU per request: server {per['server']:.2f} ms, PostgreSQL {per['postgres']:.2f} ms, "
        f"load generator {per['client']:.2f} ms, rest of the machine {other:.2f} ms; "
        f"machine busy {100 * d['busy'] / max(d['total'], 1e-9):.0f} %"
    )


async def request(pool: asyncio.Queue, port: int, path: str, token: str) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await pool.get()
    try:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
            f"Connection: keep-alive\r\n\r\n".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next((int(h.split(":")[1]) for h in lines if h.lower().startswith("content-length:")), None)
        if length is None:
            await reader.read()
            writer.close()
            reader = writer = None
        else:
            await reader.readexactly(length)
        return status, time.perf_counter() - started
    except Exception:
        if writer is not None:
            writer.close()
        reader = writer = None
        return 0, time.perf_counter() - started
    finally:
        pool.put_nowait((reader, writer))


async def load(port: int, token: str, ids: list[int], *, rate: float, seconds: float, connections: int):
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait((None, None))
    rng = random.Random(7)
    states = ["", "&state=dispatched", "&state=in_progress", "&overdue=true", "&state=resolved"]
    total = int(rate * seconds)
    tasks = []
    begin = time.perf_counter()
    for i in range(total):
        if STOP.is_set():
            break
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if i % 2:
            path = f"/api/v1/orders/{rng.choice(ids)}"
        else:
            # Pages 1–3 exist under every filter (a page past the end would be a 404).
            path = f"/api/v1/orders?page={rng.randint(1, 3)}{rng.choice(states)}"
        tasks.append(asyncio.create_task(request(pool, port, path, token)))
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - begin
    while not pool.empty():
        _, writer = pool.get_nowait()
        if writer is not None:
            writer.close()
    return results, elapsed


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def report(args, rate, results, elapsed, sampler, load_before, cpu_line):
    ok = [t for s, t in results if s == 200]
    errors = len(results) - len(ok)
    statuses = {}
    for s, _ in results:
        statuses[s] = statuses.get(s, 0) + 1
    ms = [t * 1000 for t in ok]
    print(
        f"\n== offered {rate:g} req/s for {args.seconds:g} s: {len(results):,} requests in {elapsed:.1f} s "
        f"→ {len(ok) / elapsed:.1f} ok/s; errors {errors:,} {statuses}"
    )
    if ms:
        print(
            f"latency ms: median {statistics.median(ms):.1f}, p95 {pct(ms, 0.95):.1f}, p99 {pct(ms, 0.99):.1f}, "
            f"max {max(ms):.1f}"
        )
    if sampler.samples:
        totals = [t for t, _ in sampler.samples]
        print(
            f"PostgreSQL connections of the server: max {max(totals)}, median {statistics.median(totals):g}, "
            f"idle at the end {sampler.samples[-1][1]} ({len(sampler.samples)} samples)"
        )
    print(cpu_line)
    print(
        f"load (uptime 1-min average): before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; cores {os.cpu_count()}"
    )


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())
    token, ids = prepare(args)
    port = free_port()
    server = start_server(args, port)
    print(
        f"orders: {args.orders:,}; server: {args.workers} gunicorn workers × {args.threads} threads, "
        f"pool max {args.pool_max or args.threads} per worker; client: ≤ {args.connections} keep-alive connections",
        flush=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("bin/serve web did not start") from None
                time.sleep(0.5)
        asyncio.run(load(port, token, ids, rate=20, seconds=3, connections=8))  # warm-up
        for rate in args.rate:
            sampler = Connections(args.db)
            load_before = os.getloadavg()[0]
            thread = threading.Thread(target=sampler.run, daemon=True)
            thread.start()
            cpu_before = cpu_snapshot(server.pid, args.db)
            results, elapsed = asyncio.run(
                load(port, token, ids, rate=rate, seconds=args.seconds, connections=args.connections)
            )
            cpu_line = cpu_report(cpu_before, cpu_snapshot(server.pid, args.db), len(results))
            sampler.stop.set()
            thread.join(5)
            report(args, rate, results, elapsed, sampler, load_before, cpu_line)
            if STOP.is_set():
                break
            time.sleep(3)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
