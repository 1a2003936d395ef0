import datetime as dt

import pytest
from django.utils import timezone

from jiesu.intake.models import ApiKey
from jiesu.workorders import services
from jiesu.workorders.models import Category, Channel
from jiesu.workorders.tests.factories import resolve_through_checks


@pytest.fixture
def api_key(db):
    return ApiKey.objects.create(name="第三方随手拍")


@pytest.fixture
def orders(users, units):
    """Three orders through the ordinary services: received; in progress at 方庄街道; closed."""
    category = Category.objects.get(code="01.02.04")
    now = timezone.now()
    received, _ = services.create_order(
        user=users["agent"],
        content="小区门口路灯不亮，联系电话13812345678",
        channel=Channel.WEB,
        category=category,
        at=now - dt.timedelta(days=2),
    )
    working, _ = services.create_order(
        user=users["agent"], content="楼道堆物", category=category, address="方庄路1号", channel=Channel.WEB
    )
    services.dispatch(user=users["dispatcher"], order_id=working.pk, lead_unit=units["110106013"])
    services.acknowledge(user=users["handler"], order_id=working.pk)
    services.respond(user=users["handler"], order_id=working.pk)
    done, _ = services.create_order(
        user=users["agent"], content="噪音扰民", category=category, requester_name="王五", channel=Channel.WEB
    )
    services.dispatch(user=users["dispatcher"], order_id=done.pk, lead_unit=units["110106013"])
    services.acknowledge(user=users["handler"], order_id=done.pk)
    services.respond(user=users["handler"], order_id=done.pk)
    resolve_through_checks(order_id=done.pk, users=users, reply="已处理")
    services.callback(user=users["callback"], order_id=done.pk, solved=True, satisfaction=5)
    services.close(user=users["callback"], order_id=done.pk)
    return {"received": received, "working": working, "closed": done}
