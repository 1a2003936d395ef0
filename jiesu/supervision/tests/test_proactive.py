"""主动治理: created from a finding or by hand, its measured effect against the season."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.supervision import effect, proactive
from jiesu.supervision.services import Origin
from jiesu.workorders import services as orders
from jiesu.workorders.models import Category, Channel

pytestmark = pytest.mark.django_db
FANGZHUANG = "110106013"


def order_on(day: dt.date, *, users, category, street, channel=Channel.HOTLINE):
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    order, _ = orders.create_order(
        user=users["agent"],
        content=f"{day} 夜间施工噪音扰民",
        category=category,
        street=street,
        channel=channel,
        at=when,
    )
    return order


@pytest.fixture
def noise(reference):
    return Category.objects.filter(level=2).order_by("code").first()


def test_needs_problem_place_and_known_origin(users, units, noise):
    base = dict(
        user=users["dispatcher"], title="施工噪音治理", lead_unit=units[FANGZHUANG], start_date=dt.date(2026, 6, 1)
    )
    with pytest.raises(InvalidInput) as refused:
        proactive.create_proactive(**base, category=None, street=units[FANGZHUANG])
    assert "诉求类别" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        proactive.create_proactive(**base, category=noise)
    assert "街镇或社区" in refused.value.message
    with pytest.raises(InvalidInput):
        proactive.create_proactive(**base, category=noise, street=units[FANGZHUANG], origin=Origin(kind="rumour"))
    item = proactive.create_proactive(
        **base,
        category=noise,
        street=units[FANGZHUANG],
        origin=Origin(kind="hotspot", id="h-17", url="/insights/hotspots/17/", snapshot={"size": 23, "heat": 8.5}),
    )
    assert (item.source, item.origin_kind, item.origin_snapshot["size"]) == ("proactive", "hotspot", 23)
    assert item.events.get().payload["origin"] == {"kind": "hotspot", "id": "h-17", "url": "/insights/hotspots/17/"}


def test_effect_before_after_against_the_same_season_a_year_earlier(users, units, noise):
    street, elsewhere = units[FANGZHUANG], units["110106001"]
    start = dt.date(2026, 6, 1)
    item = proactive.create_proactive(
        user=users["dispatcher"],
        title="施工噪音治理",
        category=noise,
        street=street,
        lead_unit=street,
        start_date=start,
    )
    days = {  # (date, how many orders)
        dt.date(2026, 4, 10): 10,  # before: 10 (inside the 60-day window)
        dt.date(2026, 6, 20): 6,  # after: 6
        dt.date(2025, 4, 10): 8,  # a year earlier, before: 8
        dt.date(2025, 6, 20): 12,  # a year earlier, after: 12 (the season brings more)
        dt.date(2026, 2, 1): 5,  # outside every window
    }
    for day, n in days.items():
        for _ in range(n):
            order_on(day, users=users, category=noise, street=street)
    order_on(dt.date(2026, 6, 21), users=users, category=noise, street=elsewhere)  # another place
    order_on(dt.date(2026, 6, 21), users=users, category=noise, street=street, channel=Channel.PROACTIVE)  # ours
    measured = effect.measure(item, today=dt.date(2026, 7, 31))  # 60 days after the start
    assert (measured.days, measured.before, measured.after) == (60, 10, 6)
    assert (measured.before_last_year, measured.after_last_year) == (8, 12)
    assert measured.change == pytest.approx(-0.4)
    assert measured.seasonal_change == pytest.approx(0.5)
    assert measured.beyond_season == pytest.approx((6 / 10) / (12 / 8) - 1)  # −60 %
    assert "扣除季节因素-60%" in measured.summary
    early = effect.measure(item, today=dt.date(2026, 6, 5))
    assert not early.enough and "观察期不足" in early.summary


def test_from_monthly_topic(users, units, noise):
    from jiesu.insights.models import MonthlyTopic

    topic = MonthlyTopic.objects.create(
        month=dt.date(2026, 5, 1),
        basis="absolute",
        rank=1,
        category=noise,
        volume=120,
        previous_volume=80,
        growth=40,
        growth_rate=0.5,
        lead_unit=None,
        streets=[{"code": FANGZHUANG, "name": "方庄街道", "volume": 30, "previous": 10}],
    )
    origin, suggested = proactive.origin_from_monthly_topic(topic_id=topic.pk)
    assert origin.kind == "monthly_topic" and origin.url == "/insights/topic/2026-05/"
    assert origin.snapshot["volume"] == 120 and suggested["street"] == units[FANGZHUANG]
    item = proactive.create_proactive(
        user=users["dispatcher"],
        title=suggested["title"],
        category=suggested["category"],
        street=suggested["street"],
        lead_unit=suggested["lead_unit"],
        start_date=dt.date(2026, 6, 1),
        origin=origin,
    )
    assert item.lead_unit == units[FANGZHUANG] and "每月一题" in item.title
