import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from jiesu.workorders import services

NOW = timezone.make_aware(dt.datetime(2026, 11, 24, 10, 0))


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_order(users):
    def make(content="芳城园一区5号楼下水道堵塞，污水外溢", **kwargs):
        kwargs.setdefault("requester_phone", "13800001234")
        kwargs.setdefault("address", "方庄芳城园一区5号楼")
        order, _ = services.create_order(user=users["agent"], content=content, **kwargs)
        return order

    return make


@pytest.fixture
def dispatched(make_order, users, units):
    order = make_order()
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])
    order.refresh_from_db()
    return order
