"""Server-side prepared statements for the statements every order action sends (PostgreSQL).

The closed loop's statements are long (an action's update … event … monthly facts is ≈ 6 kB) and
PostgreSQL parsed and planned each one again every time: EXPLAIN ANALYZE gave 0.5 ms of planning
against 0.1–0.4 ms of execution, and the server spent more CPU per event than pgbench's whole
transaction (bench/closed_loop.py --server-cpu). `statement(sql)` PREPAREs the text once per
connection and returns `EXECUTE name(%s, …)`, sent with the same parameters through Django's
client-side cursor — so it still travels with a BEGIN or SAVEPOINT in one call — and the server
reuses the parse and, after its first executions, a generic plan.

A PREPARE outlives a rolled-back transaction (it is not transactional), so a statement is recorded
as prepared on its connection once its PREPARE succeeded. The PREPARE goes through psycopg
directly, not Django's cursor: it is once per connection, not part of any action, and must not be
wrapped by execute wrappers (notify's outbox sends its SAVEPOINT with the first statement it sees).
Not for a pooler that shares server sessions between clients (pgbouncer in transaction mode).
"""

from __future__ import annotations

import hashlib
import re
import weakref
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connection, connections

# Per connection at most this many (the hot path has a few dozen shapes); beyond it, plain SQL.
MAX_PER_CONNECTION = 200
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%[s%]")


@lru_cache(maxsize=512)
def _shape(sql: str) -> tuple[str, str, str]:
    """(name, body with $1…$n, the EXECUTE taking the same %s parameters) of `sql`."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    body = _PLACEHOLDER.sub(number, sql)
    name = "jiesu_" + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()
    execute = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
    return name, body, execute


def statement(sql: str) -> str:
    """What to execute for `sql` (same parameters): on PostgreSQL an EXECUTE of it prepared on this
    connection (prepared now if it is not yet); elsewhere `sql` itself."""
    db = connections[DEFAULT_DB_ALIAS]  # once, not through the `connection` proxy at each read
    if db.vendor != "postgresql":
        return sql
    if db.connection is None:
        db.ensure_connection()
    raw = db.connection
    names = _prepared.get(raw)
    if names is None:
        names = _prepared[raw] = set()
    name, body, execute = _shape(sql)
    if name not in names:
        if len(names) >= MAX_PER_CONNECTION:
            return sql
        # In a transaction Django has opened but not yet begun, psycopg sends its BEGIN first (with
        # the connection's isolation level), as it would before the action's own first statement.
        raw.execute(f"PREPARE {name} AS {body}")
        names.add(name)
    return execute


def prepared_names() -> set[str]:
    """The statements prepared on the current connection (tests)."""
    return set(_prepared.get(connection.connection, ())) if connection.connection is not None else set()
