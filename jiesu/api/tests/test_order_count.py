"""The order count kept by triggers (PostgreSQL) for the API's unfiltered list, and the list's body with it."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from rest_framework.test import APIClient

from jiesu.api import selectors, services, timers
from jiesu.api.models import OrderCountDelta
from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import make_order, order_in_state


class PlainPaginator(Paginator):  # ignores the view's `self` argument: counts the rows, as before
    def __init__(self, *args):
        super().__init__(*args[-2:])


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.mark.django_db
@postgresql_only
def test_the_sum_follows_inserts_deletes_and_truncate(users, units):
    assert selectors.order_total() == WorkOrder.objects.count() == 0
    first = make_order(users=users)
    order_in_state(State.DISPATCHED, users=users, units=units)
    assert selectors.order_total() == WorkOrder.objects.count() == 2
    WorkOrder.objects.bulk_create(
        [WorkOrder(number=f"T{i}", content="批量", received_at=first.received_at) for i in range(3)]
    )
    assert selectors.order_total() == WorkOrder.objects.count() == 5
    WorkOrder.objects.filter(number__startswith="T").delete()  # one statement, −3
    assert selectors.order_total() == WorkOrder.objects.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before TRUNCATE
        cursor.execute("TRUNCATE workorders_workorder CASCADE")  # rolled back with the test
    assert selectors.order_total() == 0


@pytest.mark.django_db
@postgresql_only
def test_compacting_keeps_the_sum_in_one_row(users, units):
    for _ in range(3):
        make_order(users=users)
    rows_before = OrderCountDelta.objects.count()
    assert rows_before >= 4  # the migration's starting row and one per insert
    assert timers.compact_order_count(now=None) == {"folded": rows_before}
    assert list(OrderCountDelta.objects.values_list("delta", flat=True)) == [3]
    assert selectors.order_total() == WorkOrder.objects.count() == 3
    assert services.compact_order_count() == 1  # again: the one row, same sum
    assert selectors.order_total() == 3


@pytest.mark.django_db
@postgresql_only
def test_the_nightly_check_corrects_writes_that_bypassed_the_triggers(users, units):
    first = make_order(users=users)
    assert timers.order_count_check(now=None) == {"corrected": 0}
    with connection.cursor() as cursor:  # writes the triggers do not see (replica mode, as a raw load would)
        cursor.execute("SET LOCAL session_replication_role = replica")
        WorkOrder.objects.bulk_create(
            [WorkOrder(number=f"R{i}", content="旁路写入", received_at=first.received_at) for i in range(2)]
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert selectors.order_total() == 1
    assert timers.order_count_check(now=None) == {"corrected": 2}
    assert selectors.order_total() == WorkOrder.objects.count() == 3
    assert timers.order_count_check(now=None) == {"corrected": 0}


@pytest.mark.django_db
def test_unfiltered_list_counts_every_order_and_pages_alike(users, units, monkeypatch):
    """The list's body is the same whether the total comes from the sum or from COUNT(*) (SQLite)."""
    from jiesu.api import views

    monkeypatch.setattr(views.OrderPagination, "page_size", 2)
    for _ in range(3):
        make_order(users=users)
    order_in_state(State.DISPATCHED, users=users, units=units)
    dispatcher = client_for(users["dispatcher"])
    pages = [dispatcher.get(f"/api/v1/orders?page={n}").json() for n in (1, 2)]
    assert [p["count"] for p in pages] == [4, 4]
    assert pages[0]["next"].endswith("page=2") and pages[1]["next"] is None
    assert len({r["id"] for p in pages for r in p["results"]}) == 4
    assert dispatcher.get("/api/v1/orders?page=3").status_code == 404

    # The same body as the plain paginator's, which counts the rows.
    known = dispatcher.get("/api/v1/orders?page=2").content
    monkeypatch.setattr(views.OrderPagination, "django_paginator_class", PlainPaginator)
    assert dispatcher.get("/api/v1/orders?page=2").content == known


@pytest.mark.django_db
def test_filtered_and_unit_lists_still_count_their_rows(users, units):
    order_in_state(State.DISPATCHED, users=users, units=units)
    make_order(users=users)
    dispatcher = client_for(users["dispatcher"])
    assert dispatcher.get("/api/v1/orders").json()["count"] == 2
    assert dispatcher.get("/api/v1/orders?state=dispatched").json()["count"] == 1
    assert dispatcher.get("/api/v1/orders?overdue=false").json()["count"] == 2
    # A unit's user sees the orders of their unit only: counted, not the district's total.
    assert client_for(users["handler"]).get("/api/v1/orders").json()["count"] == 1
    assert client_for(users["other_handler"]).get("/api/v1/orders").json()["count"] == 0
