"""Writes of the API's own tables."""

from django.db import connection

from jiesu.api.models import OrderCountDelta


def compact_order_count() -> int:
    """Folds the order count's rows into one (the sum is unchanged; readers see the old rows or the new
    one, never both). Rows of transactions still open are not seen and stay. Returns the rows removed."""
    if connection.vendor != "postgresql":
        return 0
    table = OrderCountDelta._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH gone AS (DELETE FROM {table} RETURNING delta), "
            f"folded AS (INSERT INTO {table} (delta) SELECT COALESCE(SUM(delta), 0) FROM gone) "
            f"SELECT count(*) FROM gone"
        )
        return int(cursor.fetchone()[0])


def correct_order_count() -> int:
    """Compares the sum with COUNT(*) in one statement (one snapshot) and adds the difference when they
    differ — after writes that bypassed the triggers (session_replication_role = replica, a data-only
    restore). Returns the correction, 0 when they agree."""
    if connection.vendor != "postgresql":
        return 0
    table = OrderCountDelta._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH diff AS (SELECT (SELECT count(*) FROM workorders_workorder) "
            f"- (SELECT COALESCE(SUM(delta), 0) FROM {table}) AS n) "
            f"INSERT INTO {table} (delta) SELECT n FROM diff WHERE n <> 0 RETURNING delta"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0
