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


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    """SMS of a test (citizen tracking codes) go to a fresh file, never to var/sms."""
    settings.JIESU_SMS_BACKEND = "jiesu.notify.sms.FileSmsBackend"
    settings.JIESU_SMS_FILE = tmp_path / "sms.jsonl"
    return settings.JIESU_SMS_FILE


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


@pytest.fixture
def busy_district(users, units):
    """Two dozen orders played through the services over the last days, so the pages (and their
    screenshots) show queues, countdowns, a return, an extension request and callbacks."""
    import random

    from jiesu.web.synthetic import PLACES, REQUESTS
    from jiesu.workorders.models import Category

    rng = random.Random(4)
    now = timezone.now()
    categories = list(Category.objects.filter(level=3).order_by("code"))
    streets = [units[code] for code in ("110106013", "110106001", "110106002", "110106003", "110106004")]
    fangzhuang = units["110106013"]
    # Enough time for each order's steps before now (the latest is received 2 h ago).
    plan = ["received"] * 6 + ["dispatched"] * 4 + ["in_progress"] * 7 + ["resolved"] * 4 + ["returned", "extension"]
    orders = []
    for index, target in enumerate(plan):
        title, template = REQUESTS[index % len(REQUESTS)]
        place = rng.choice(PLACES)
        received = now - dt.timedelta(hours=rng.randint(2, 24 * 9))
        order, _ = services.create_order(
            user=users["agent"],
            title=f"{place}{title}",
            content=template.format(place=place, n=rng.randint(1, 30)),
            address=f"{place}{rng.randint(1, 30)}号",
            requester_phone=f"139{rng.randint(0, 99999999):08d}",
            category=rng.choice(categories),
            street=rng.choice(streets),
            urgency=rng.choice(["general", "general", "general", "utility", "urgent"]),
            at=received,
        )
        orders.append(order)
        if target == "received":
            continue
        unit = fangzhuang if index % 3 else order.street
        at = received + dt.timedelta(minutes=30)
        services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=unit, at=at)
        handler = users["handler"] if unit == fangzhuang else None
        if target == "dispatched":
            continue
        if target == "returned":
            services.return_order(
                user=handler,
                order_id=order.pk,
                reason="属于产权单位维修责任，非本街道职责",
                at=at + dt.timedelta(hours=1),
            )
            continue
        services.acknowledge(user=handler, order_id=order.pk, at=at + dt.timedelta(minutes=20))
        services.respond(user=handler, order_id=order.pk, note="已电话联系诉求人", at=at + dt.timedelta(minutes=50))
        if target == "extension":
            services.request_extension(
                user=handler, order_id=order.pk, days=5, reason="需协调产权单位出资维修", requester_informed=True
            )
        if target == "resolved":
            # The platform's replay: the page tests of 多级核查 take the check steps themselves.
            services.resolve(
                user=None,
                order_id=order.pk,
                reply="已协调相关单位现场处理完毕。",
                at=min(at + dt.timedelta(hours=20), now - dt.timedelta(minutes=5)),
            )
    return orders
