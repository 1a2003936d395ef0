"""The monthly facts table: each order's events of one local calendar month folded into one row.

A month's assessment needs, per order, facts as of the cycle end (final unit, response, resolve,
last callback, deadline, exclusions). Folding them from the raw log means reading every event of
the cycle and its 75-day look-back — 42 M events for one month of a 20 M-order year. The folds are
MAX/MIN per order (jiesu.assessment.engine.fold_aggregates), so they can be kept per month and
combined: a month then reads about one row per active order.

The table is a projection, never a source: `refresh_order_month` re-folds one (order, month) from
the log in the transaction that appends an event (signals), `refresh_orders` the orders of a bulk
write (jiesu.workorders.bulk) in its transaction, and `rebuild` re-folds everything
(`manage.py rebuild_order_facts`, after a bulk load or to check). Rule changes need no rebuild:
the rows hold raw times and both callback variants, the rules are applied when a month is read."""

import dataclasses
import datetime as dt
import functools

from django.db import connection, transaction

from jiesu.assessment import engine

# Rebuild and check fold the log a range of order ids at a time.
_ID_RANGE = "e.order_id > %s AND e.order_id <= %s"


def _columns(d: engine.Dialect) -> list[str]:
    """The table's columns besides the key (order_id, month) and id."""
    return ["last_at", *(name for name, _, _ in engine.fold_aggregates(d)), "due_at"]


def _fold_select(d: engine.Dialect, t: engine.Tables, *, where: str, on_conflict: str = "") -> str:
    """INSERT … SELECT of the events matching `where` folded per (order, local month). A row already
    there is replaced (`on_conflict="update"`: one statement per event instead of DELETE + INSERT)
    or kept (`"nothing"`)."""
    month = d.local_month("e.at")
    aggregates = engine.fold_aggregates(d)
    folded = ",\n          ".join(f"{expr} AS {name}" for name, expr, _ in aggregates)
    names = [name for name, _, _ in aggregates]
    due_at = f"(s.due_key - {d.idiv('s.due_key', engine.DUE_PACK)} * {engine.DUE_PACK})"
    sql = f"""
        INSERT INTO {t.facts} (order_id, month, last_at, {", ".join(names)}, due_at)
        SELECT s.order_id, s.month, s.last_at, {", ".join(f"s.{n}" for n in names)}, {due_at}
        FROM (
            SELECT e.order_id AS order_id, {month} AS month, MAX({d.epoch("e.at")}) AS last_at,
              {folded}
            FROM {t.events} e
            WHERE {where}
            GROUP BY e.order_id, {month}
        ) s"""
    # `WHERE 1 = 1`: SQLite reads "ON" after a bare FROM as a join constraint.
    if on_conflict == "update":
        updated = ", ".join(f"{n} = excluded.{n}" for n in _columns(d))
        sql += f" WHERE 1 = 1 ON CONFLICT (order_id, month) DO UPDATE SET {updated}"
    elif on_conflict == "nothing":
        sql += " WHERE 1 = 1 ON CONFLICT (order_id, month) DO NOTHING"
    return sql


@functools.cache
def _refresh_sql(d: engine.Dialect, t: engine.Tables) -> str:
    # The month test is an expression on `at`, not a range: a range lets the planner AND the
    # order's few index entries with the whole month's range of the `at` index.
    return _fold_select(d, t, where=f"e.order_id = %s AND {d.local_month('e.at')} = %s", on_conflict="update")


@functools.cache
def _new_event_sql(d: engine.Dialect, t: engine.Tables) -> str:
    # The order's events of the month as the statement sees them (its snapshot) plus the one it
    # appends (the CTE `new_event` of jiesu.workorders.services).
    order = "(SELECT order_id FROM new_event)"
    events = f"(SELECT * FROM {t.events} WHERE order_id = {order} UNION ALL SELECT * FROM new_event)"
    where = f"e.order_id = {order} AND {d.local_month('e.at')} = %s"
    return _fold_select(d, dataclasses.replace(t, events=events), where=where, on_conflict="update")


def fold_new_event(*, at: dt.datetime) -> tuple[str, list]:
    """The refresh of `refresh_order_month`, as a part of the action's own statement on PostgreSQL
    (registered with jiesu.workorders.services.register_event_fold)."""
    d = engine.Dialect(vendor=connection.vendor)
    return _new_event_sql(d, engine.Tables()), [engine.month_key(at)]


def refresh_order_month(*, order_id: int, at: dt.datetime, tables: engine.Tables | None = None) -> None:
    """Re-fold the events of `order_id` in the local month holding `at` into its row."""
    t = tables or engine.Tables()
    d = engine.Dialect(vendor=connection.vendor)
    key = engine.month_key(at)
    sql = _refresh_sql(d, t)
    with connection.cursor() as cursor:  # one statement, in the service's transaction
        cursor.execute(sql, [order_id, key])


def refresh_orders(*, order_ids: list[int], tables: engine.Tables | None = None, batch: int = 500) -> None:
    """Re-fold every month of these orders (after a bulk write of their events, which sends no
    per-event signal: jiesu.workorders.bulk)."""
    t = tables or engine.Tables()
    d = engine.Dialect(vendor=connection.vendor)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for low in range(0, len(order_ids), batch):
            ids = list(order_ids[low : low + batch])
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {t.facts} WHERE order_id IN ({marks})", ids)
            cursor.execute(_fold_select(d, t, where=f"e.order_id IN ({marks})"), ids)


def _chunks(t: engine.Tables, chunk: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(order_id), 0) FROM {t.events}")
        last = cursor.fetchone()[0]
    return [(low, min(low + chunk, last)) for low in range(0, last, chunk)]


def rebuild(*, chunk: int = 1_000_000, tables: engine.Tables | None = None, progress=None) -> int:
    """Fold the whole log again, `chunk` orders per transaction (a long rebuild holds no single
    one). Safe beside live writes: a chunk's rows are deleted and re-folded in one transaction, and
    a row an event's refresh wrote meanwhile is kept (`DO NOTHING`) — orders' events are serialized
    by the order lock, so that row holds every event. Returns the number of rows written."""
    t = tables or engine.Tables()
    sql = _fold_select(engine.Dialect(vendor=connection.vendor), t, where=_ID_RANGE, on_conflict="nothing")
    chunks = _chunks(t, chunk)
    written = 0
    for low, high in chunks:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {t.facts} WHERE order_id > %s AND order_id <= %s", [low, high])
            cursor.execute(sql, [low, high])
            written += max(cursor.rowcount, 0)
        if progress:
            progress(high, chunks[-1][1], written)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {t.facts}")
    return written


def check(*, chunk: int = 1_000_000, tables: engine.Tables | None = None) -> tuple[int, int]:
    """Fold the log into a scratch table and compare it with the kept rows, writing nothing to them.
    Returns (rows kept but not in the fold, rows in the fold but not kept): (0, 0) when in step."""
    t = tables or engine.Tables()
    d = engine.Dialect(vendor=connection.vendor)
    scratch = dataclasses.replace(t, facts="order_facts_check")
    sql = _fold_select(d, scratch, where=_ID_RANGE)
    columns = ", ".join(["order_id", "month", *_columns(d)])
    # The kept rows and the log compared as of one moment: a snapshot transaction on PostgreSQL
    # (SQLite's transaction is one already; inside a caller's transaction, that one decides).
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if snapshot:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch.facts} AS SELECT * FROM {t.facts} WHERE 1 = 0")
        try:
            for low, high in _chunks(t, chunk):
                cursor.execute(sql, [low, high])
            found = []
            for a, b in ((t.facts, scratch.facts), (scratch.facts, t.facts)):
                cursor.execute(f"SELECT COUNT(*) FROM (SELECT {columns} FROM {a} EXCEPT SELECT {columns} FROM {b}) x")
                found.append(cursor.fetchone()[0])
        finally:
            cursor.execute(f"DROP TABLE {scratch.facts}")
    return found[0], found[1]
