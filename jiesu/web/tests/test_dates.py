"""One set of date filters for every page: the year on dates outside the current year, natural
Chinese relative times (刚刚, 5分钟前, 3小时前, 昨天 14:20, 3天前, then a date) — never "0 分钟前"
or "1 周，2 日前"."""

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from jiesu.web.templatetags.dates import format_ago, format_day, format_full, format_when
from jiesu.workorders import services

TZ = timezone.get_default_timezone()
NOW = dt.datetime(2026, 11, 30, 16, 0, tzinfo=TZ)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW - dt.timedelta(seconds=20), "刚刚"),
        (NOW - dt.timedelta(seconds=59), "刚刚"),
        (NOW - dt.timedelta(minutes=1), "1分钟前"),
        (NOW - dt.timedelta(minutes=5, seconds=30), "5分钟前"),
        (NOW - dt.timedelta(hours=3, minutes=10), "3小时前"),
        (at(2026, 11, 30, 0, 5), "15小时前"),  # still today
        (at(2026, 11, 29, 14, 20), "昨天 14:20"),
        (at(2026, 11, 29, 23, 30), "昨天 23:30"),  # less than a day, but yesterday
        (at(2026, 11, 27, 9, 0), "3天前"),
        (at(2026, 11, 24, 9, 0), "6天前"),
        (at(2026, 11, 23, 9, 0), "11月23日"),
        (at(2025, 12, 1, 9, 0), "2025年12月1日"),
        (at(2011, 12, 1, 9, 0), "2011年12月1日"),
        (NOW + dt.timedelta(minutes=30), "30分钟后"),
        (NOW + dt.timedelta(hours=5), "5小时后"),
        (at(2026, 12, 1, 9, 0), "明天 09:00"),
        (at(2026, 12, 4, 9, 0), "4天后"),
    ],
)
def test_ago_reads_like_a_person(moment, expected):
    assert format_ago(moment, now=NOW) == expected


def test_when_and_day_carry_the_year_only_outside_this_year():
    assert format_when(at(2026, 12, 1, 9, 5), now=NOW) == "12-01 09:05"
    assert format_when(at(2011, 12, 1, 9, 5), now=NOW) == "2011-12-01 09:05"
    assert format_day(dt.date(2026, 3, 8), now=NOW) == "3月8日"
    assert format_day(dt.date(2027, 1, 4), now=NOW) == "2027年1月4日"
    assert format_full(at(2026, 3, 8, 7, 0)) == "2026年3月8日 07:00"
    assert format_when(None) == "—" and format_ago("") == "—"


def test_utc_values_are_read_in_local_time():
    utc = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)  # 15:00 in Beijing
    assert format_ago(utc, now=NOW) == "1小时前"
    assert format_when(utc, now=NOW) == "11-30 15:00"


@time_machine.travel(NOW, tick=False)
def test_filters_in_a_template():
    html = Template("{% load dates %}{{ a|ago }} | {{ b|when }} | {{ c|day }}").render(
        Context({"a": NOW - dt.timedelta(minutes=5), "b": at(2011, 12, 1, 8, 0), "c": dt.date(2026, 7, 1)})
    )
    assert html == "5分钟前 | 2011-12-01 08:00 | 7月1日"


@pytest.mark.django_db
def test_an_old_order_shows_its_year_in_the_timeline_and_the_list(client, users, units):
    old, _ = services.create_order(
        user=users["agent"], content="楼道灯坏了很久没人修", requester_phone="13800001234", at=at(2011, 12, 1, 9, 0)
    )
    new, _ = services.create_order(user=users["agent"], content="小区门口路灯不亮", requester_phone="13800001235")
    client.force_login(users["dispatcher"])
    old_page = client.get(f"/orders/{old.pk}/").content.decode()
    assert "2011-12-01 09:00" in old_page and "2011年12月1日 09:00" in old_page  # shown, and in the title
    new_page = client.get(f"/orders/{new.pk}/").content.decode()
    this_year = timezone.localtime(new.received_at)
    assert f"{this_year:%m-%d %H:%M}" in new_page and f"{this_year:%Y-%m-%d %H:%M}" not in new_page
    listing = client.get("/orders/").content.decode()
    assert "2011-12-01 09:00" in listing
    console = client.get("/console/").content.decode()
    assert "分钟前" in console or "刚刚" in console
    assert " 分钟" not in console and "周，" not in console  # no Django timesince left
