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

import datetime as dt
import functools

from django.db import connection, transaction

from jiesu.assessment import engine


def _columns() -> list[str]:
    return [name for name, _, _ in engine.fold_aggregates(engine.Dialect(vendor="postgresql"))]


def _fold_select(
    d: engine.Dialect, t: engine.Tables, *, month: str, where: str, group: str, upsert: bool = False
) -> str:
    """INSERT … SELECT of the folded rows: (order_id, month, last_at, facts…, due_at); with `upsert`
    a row already there is replaced (one statement instead of DELETE + INSERT per event)."""
    folded = ",\n          ".join(f"{expr} AS {name}" for name, expr, _ in engine.fold_aggregates(d))
    names = _columns()
    due_at = f"(s.due_key - {d.idiv('s.due_key', engine.DUE_PACK)} * {engine.DUE_PACK})"
    sql = f"""
        INSERT INTO {t.facts} (order_id, month, last_at, {", ".join(names)}, due_at)
        SELECT s.order_id, s.month, s.last_at, {", ".join(f"s.{n}" for n in names)}, {due_at}
        FROM (
            SELECT e.order_id AS order_id, {month} AS month, MAX({d.epoch("e.at")}) AS last_at,
              {folded}
            FROM {t.events} e
            WHERE {where}
            GROUP BY {group}
        ) s"""
    if upsert:
        # `WHERE 1 = 1`: SQLite reads "ON" after a bare FROM as a join constraint.
        updated = ", ".join(f"{n} = excluded.{n}" for n in ["last_at", *names, "due_at"])
        sql += f" WHERE 1 = 1 ON CONFLICT (order_id, month) DO UPDATE SET {updated}"
    return sql


@functools.cache
def _refresh_sql(d: engine.Dialect, t: engine.Tables) -> str:
    # The month test is an expression on `at`, not a range: a range lets the planner AND the
    # order's few index entries with the whole month's range of the `at` index.
    month = d.local_month("e.at")
    where = f"e.order_id = %s AND {month} = %s"
    return _fold_select(d, t, month=month, where=where, group=f"e.order_id, {month}", upsert=True)


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
    month = d.local_month("e.at")
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for low in range(0, len(order_ids), batch):
            ids = list(order_ids[low : low + batch])
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {t.facts} WHERE order_id IN ({marks})", ids)
            sql = _fold_select(d, t, month=month, where=f"e.order_id IN ({marks})", group=f"e.order_id, {month}")
            cursor.execute(sql, ids)


def rebuild(*, chunk: int = 1_000_000, tables: engine.Tables | None = None, progress=None) -> int:
    """Drop every row and fold the whole log again, `chunk` orders per statement (each its own
    transaction, so a long rebuild does not hold one). Returns the number of rows written."""
    t = tables or engine.Tables()
    d = engine.Dialect(vendor=connection.vendor)
    month = d.local_month("e.at")
    sql = _fold_select(
        d, t, month=month, where="e.order_id > %s AND e.order_id <= %s", group=f"e.order_id, {month}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t.facts}")
        cursor.execute(f"SELECT COALESCE(MAX(order_id), 0) FROM {t.events}")
        last = cursor.fetchone()[0]
    written = 0
    for low in range(0, last, chunk):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [low, low + chunk])
            written += max(cursor.rowcount, 0)
        if progress:
            progress(min(low + chunk, last), last, written)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {t.facts}")
    return written
