"""A small month of handled orders (September and October 2026) played through the closed loop,
with hand-computed assessment figures under the shipped huairou-2021 rule
(composite = 0.1 × response + 0.5 × resolution + 0.4 × satisfaction; 基本满意 counts 0.9):

    方庄街道   4 orders, all in time, solved, 非常满意             → 100.00 (1st)
    大红门街道 3 orders, in time, solved, 基本满意               → 10 + 50 + 36   = 96.00 (2nd)
    太平桥街道 2 orders, responded after 30 h (late), solved, 非常满意 → 0 + 50 + 40 = 90.00 (3rd)
    右安门街道 4 orders, in time; one unsolved and 不满意        → 10 + 37.5 + 30 = 77.50 (4th)
    区住建委   2 orders, all good → 100.00; 区城管委 1 order unsolved, 不满意 → 10.00
    区房管局   10 orders about two property projects: 丰益花园 5 solved, 非常满意 (red list, 100.00);
               芳城园 5 unsolved, 非常不满意 (black list, 0.00) → 10 + 25 + 20 = 55.00
Every other street/town has no callback in October and is not ranked. Under the shipped minimum
sample (30 valid callbacks) nobody is ranked (`month_of_orders`); `ranked_month` sets it to 1."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from jiesu.assessment.rules import TZ
from jiesu.assessment.services import load_rule_file
from jiesu.assessment.tests.flows import with_minimum_sample
from jiesu.insights.services import compute_monthly_topic
from jiesu.insights.topic import TopicParams
from jiesu.org.models import PropertyCompany, PropertyProject
from jiesu.workorders import services
from jiesu.workorders.models import Category, WorkOrder

H = dt.timedelta(hours=1)
EXPECTED_STREETS = [("方庄街道", 100.0), ("大红门街道", 96.0), ("太平桥街道", 90.0), ("右安门街道", 77.5)]


def handled(
    unit, *, when, category=None, respond_after=H, solved=True, satisfaction=5, name="", phone="", project=None
):
    order, _ = services.create_order(
        user=None,
        content="小区楼道内堆放杂物，存在消防安全隐患，请尽快处理",
        title="楼道堆物",
        category=category,
        requester_name=name,
        requester_phone=phone,
        at=when,
    )
    if project is not None:  # no service links a project yet; the assessment reads this column
        WorkOrder.objects.filter(pk=order.pk).update(property_project=project)
    start = when + dt.timedelta(minutes=10)
    services.dispatch(user=None, order_id=order.pk, lead_unit=unit, at=start)
    services.acknowledge(user=None, order_id=order.pk, at=start + dt.timedelta(minutes=5))
    services.respond(user=None, order_id=order.pk, at=start + respond_after)
    services.resolve(user=None, order_id=order.pk, reply="已清理", at=start + respond_after + H)
    services.callback(
        user=None, order_id=order.pk, solved=solved, satisfaction=satisfaction, at=start + respond_after + 30 * H
    )
    if solved:
        services.close(user=None, order_id=order.pk, at=start + respond_after + 31 * H)
    return order


def oct_day(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=TZ)


@pytest.fixture
def month_of_orders(units):
    rule = load_rule_file(path=Path(settings.BASE_DIR) / "data" / "assessment" / "rules-huairou-2021.yaml")
    safety = Category.objects.get(path="城乡建设/安全生产").children.first()
    fz, dhm, tpq, yam = (units[c] for c in ("110106013", "110106004", "110106002", "110106001"))
    # September: one safety order in 方庄, so October's three are growth.
    handled(fz, when=dt.datetime(2026, 9, 8, 9, tzinfo=TZ), category=safety)
    for day in (5, 6, 7):
        handled(fz, when=oct_day(day), category=safety, name="王小明", phone="13912345678")
    handled(fz, when=oct_day(8))
    for day in (5, 6, 7):
        handled(dhm, when=oct_day(day), satisfaction=3)
    for day in (9, 10):
        handled(tpq, when=oct_day(day), respond_after=30 * H)
    for day in (5, 6, 7):
        handled(yam, when=oct_day(day))
    handled(yam, when=oct_day(8), solved=False, satisfaction=2)
    handled(units["110106-D01"], when=oct_day(12))
    handled(units["110106-D01"], when=oct_day(13))
    handled(units["110106-D02"], when=oct_day(14), solved=False, satisfaction=2)
    good = PropertyProject.objects.create(
        company=PropertyCompany.objects.create(credit_code="91110106TEST00001A", name="北京丰益物业管理有限公司"),
        name="丰益花园",
        street=fz,
    )
    bad = PropertyProject.objects.create(
        company=PropertyCompany.objects.create(credit_code="91110106TEST00002B", name="北京芳城物业服务有限公司"),
        name="芳城园",
        street=fz,
    )
    for day in range(15, 20):
        handled(units["110106-D03"], when=oct_day(day), project=good)
        handled(units["110106-D03"], when=oct_day(day, 14), project=bad, solved=False, satisfaction=1)
    compute_monthly_topic(month="2026-10", params=TopicParams(min_volume=2))
    return rule


@pytest.fixture
def ranked_month(month_of_orders):
    """The same months with the minimum sample at 1: the four streets and three departments ranked."""
    return with_minimum_sample(month_of_orders, 1)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
