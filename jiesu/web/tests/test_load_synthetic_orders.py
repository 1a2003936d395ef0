"""The synthetic-order loader (list and serving benchmarks) writes complete orders on both databases:
on PostgreSQL it uses COPY, which fills no default, so every column a later migration adds must come
from the model."""

import pytest
from django.core.management import call_command

from jiesu.workorders.models import WorkOrder


@pytest.mark.django_db
def test_loads_complete_orders_and_deletes_them(reference):
    call_command("load_synthetic_orders", "--count", "40", "--days", "30", verbosity=0)
    orders = WorkOrder.objects.filter(number__startswith="SY")
    assert orders.count() == 40
    assert set(orders.values_list("dissatisfied_count", flat=True)) == {0}
    assert set(orders.values_list("level", flat=True)) == {""}
    assert orders.exclude(street=None).count() == 40 and orders.exclude(category=None).count() == 40
    call_command("load_synthetic_orders", "--count", "10", "--days", "30", verbosity=0)  # numbers continue
    assert orders.count() == 50 and orders.values("number").distinct().count() == 50
    call_command("load_synthetic_orders", "--delete", verbosity=0)
    assert not orders.exists()
