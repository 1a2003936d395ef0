"""Benchmark: CPU per API read in-process — the application's and PostgreSQL's — on the database of
bench/serve.py (build it first with `bench/serve.py`; this only reads it).

    .venv/bin/python bench/api_reads.py                          # median CPU per request, 300 of each
    .venv/bin/python bench/api_reads.py --profile list           # cProfile (CPU clock) of 300 list pages

The requests are those of bench/serve.py (a list page 1–3 with a random filter, a detail of a random
order) as the bench's dispatcher with a knox token, through Django's WSGI handler as gunicorn calls
it (production settings, DEBUG off), on one thread. Per kind: the median of the application's
process time per request, its p90, and PostgreSQL's CPU per request (the user+system time of the
server processes serving this database, from /proc, over the whole batch; both on this machine).
Run it alternately with the code before and after a change; process time is little affected by the
load of other processes, PostgreSQL's share a little more (cache misses)."""

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from proc_cpu import cpu_seconds, proc_stat  # bench/ is this script's own folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/ops_serve_bench")
    p.add_argument("--requests", type=int, default=300, help="of each kind")
    p.add_argument("--rounds", type=int, default=1, help="batches of each kind, alternating")
    p.add_argument("--profile", choices=["list", "detail"], default=None)
    p.add_argument("--top", type=int, default=45)
    return p.parse_args()


def setup(url: str):
    os.environ.update(DATABASE_URL=url, JIESU_HTTPS="0", LOG_LEVEL="WARNING", JIESU_REQUEST_LOG_LEVEL="WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # production settings, DEBUG off
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from knox.models import AuthToken

    from jiesu.org.models import User
    from jiesu.workorders.models import WorkOrder

    user = User.objects.get(username="bench_dispatcher")  # made by bench/serve.py
    _instance, token = AuthToken.objects.create(user=user)
    ids = list(WorkOrder.objects.values_list("pk", flat=True)[:50000])
    return get_wsgi_application(), token, ids


def paths(kind: str, ids: list[int], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    states = ["", "&state=dispatched", "&state=in_progress", "&overdue=true", "&state=resolved"]
    if kind == "detail":
        return [f"/api/v1/orders/{rng.choice(ids)}" for _ in range(count)]
    return [f"/api/v1/orders?page={rng.randint(1, 3)}{rng.choice(states)}" for _ in range(count)]


def call(app, path: str, token: str) -> bytes:
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "HTTP_AUTHORIZATION": f"Token {token}",
        "HTTP_CONNECTION": "keep-alive", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }  # fmt: skip
    status = []
    response = app(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        body = b"".join(response)
    finally:
        response.close()
    if not status[0].startswith("200"):
        raise SystemExit(f"{path}: {status[0]} {body[:300]!r}")
    return body


def server_cpu(url: str) -> float:
    """User+system seconds of the PostgreSQL processes serving the database (not this monitor's)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres") as c:
        pids = [
            r[0]
            for r in c.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
            ).fetchall()
        ]
    return sum(cpu_seconds(fields) for pid in pids if (fields := proc_stat(pid)) is not None)


def batch(app, token, url, kind, ids, count, seed):
    cpu = []
    for path in paths(kind, ids, 20, seed + 1):  # warm
        call(app, path, token)
    pg_before = server_cpu(url)
    for path in paths(kind, ids, count, seed):
        began = time.process_time()
        call(app, path, token)
        cpu.append((time.process_time() - began) * 1000)
    pg = (server_cpu(url) - pg_before) * 1000 / count
    return cpu, pg


def main():
    args = parse_args()
    app, token, ids = setup(args.db)
    if args.profile:
        batch(app, token, args.db, args.profile, ids, 30, 1)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for path in paths(args.profile, ids, args.requests, 2):
            call(app, path, token)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())
        return
    results = {"list": ([], []), "detail": ([], [])}
    for r in range(args.rounds):
        for kind in ("list", "detail"):
            cpu, pg = batch(app, token, args.db, kind, ids, args.requests, 100 + r)
            results[kind][0].extend(cpu)
            results[kind][1].append(pg)
    for kind, (cpu, pg) in results.items():
        cpu.sort()
        print(
            f"{kind}: application CPU median {statistics.median(cpu):.2f} ms, p90 {cpu[int(0.9 * len(cpu))]:.2f} ms "
            f"(n={len(cpu)}); PostgreSQL CPU {statistics.median(pg):.2f} ms/request"
        )
    print(f"load {os.getloadavg()[0]:.2f} (1-min average), cores {os.cpu_count()}")


if __name__ == "__main__":
    main()
