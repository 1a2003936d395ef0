"""Reads of the API's own tables."""

from django.db import connection

from jiesu.api.models import OrderCountDelta


def order_total() -> int | None:
    """The number of work orders, exact in this statement's snapshot, from the rows the triggers keep
    (OrderCountDelta); None off PostgreSQL, where no trigger keeps them (the caller counts)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:  # plain SQL: the ORM's compiling would cost more than the sum
        cursor.execute(f"SELECT COALESCE(SUM(delta), 0) FROM {OrderCountDelta._meta.db_table}")
        return int(cursor.fetchone()[0])
