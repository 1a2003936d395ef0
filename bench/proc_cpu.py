"""CPU time of processes from /proc, shared by the benchmarks that split a request's cost between the
server, PostgreSQL and the load generator (bench/serve.py, bench/api_reads.py, bench/closed_loop.py)."""

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int | str) -> list[str] | None:
    """/proc/<pid>/stat from the state field on (the name may hold spaces); None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(fields: list[str], *, reaped: bool = False) -> float:
    """utime + stime, and with `reaped` also the children it has waited for (cutime + cstime)."""
    return sum(int(v) for v in fields[11 : 15 if reaped else 13]) / TICK


def on_cpu_ns(pid: int | str) -> int:
    """Nanoseconds the process has run on a CPU (/proc/<pid>/schedstat): finer than stat's ticks, for
    one statement's share of a backend."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
