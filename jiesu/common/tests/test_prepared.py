"""Prepared statements of the hot path (jiesu.common.prepared): the same results as the plain
statement, prepared once per connection, kept across a rolled-back transaction; plain SQL elsewhere."""

import pytest
from django.db import connection, transaction

from jiesu.common import prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT %s::integer + 1, 'a%%' || %s::text"


def _server_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _run(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_placeholders_become_numbered_parameters():
    name, body, execute = prepared._shape(SQL)
    assert body == "SELECT $1::integer + 1, 'a%' || $2::text"
    assert execute == f"EXECUTE {name}(%s, %s)"
    assert prepared._shape("SELECT 1")[2] == f"EXECUTE {prepared._shape('SELECT 1')[0]}"
    assert prepared._shape(SQL + " ")[0] != name  # another text, another statement


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the plain path")
def test_other_databases_run_the_statement_itself():
    assert prepared.statement("SELECT %s + 1") == "SELECT %s + 1"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE/EXECUTE: PostgreSQL")
def test_same_result_prepared_once_per_connection():
    plain = _run(SQL, [41, "b"])
    sql = prepared.statement(SQL)
    assert sql.startswith("EXECUTE jiesu_")
    name = prepared._shape(SQL)[0]
    assert name in _server_names() and name in prepared.prepared_names()
    assert _run(sql, [41, "b"]) == plain == [(42, "a%b")]
    before = len(_server_names())
    for value in range(3):
        assert _run(prepared.statement(SQL), [value, "c"]) == [(value + 1, "a%c")]
    assert len(_server_names()) == before  # no second PREPARE


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE/EXECUTE: PostgreSQL")
def test_kept_when_the_transaction_is_rolled_back():
    sql = "SELECT %s::integer * 2"
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic():
            prepared.statement(sql)
            raise ZeroDivisionError
    # Recorded and still on the server: the next use does not PREPARE again (which would fail).
    assert prepared._shape(sql)[0] in _server_names()
    assert _run(prepared.statement(sql), [21]) == [(42,)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE/EXECUTE: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again():
    sql = "SELECT %s::text || 'x'"
    assert _run(prepared.statement(sql), ["a"]) == [("ax",)]
    connection.close()  # a new session knows none of the old one's statements
    assert _run(prepared.statement(sql), ["b"]) == [("bx",)]
    assert prepared._shape(sql)[0] in _server_names()
