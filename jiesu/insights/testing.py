"""A small made-up history for tests and screenshots of the proactive pages: two years of monthly
volumes with a summer peak of one problem at one street, a winter heating peak, and a hotspot of
the last days — written with the bulk writer (the shape the services give). Never used for the
figures in docs/insights.md, which come from real data."""

from __future__ import annotations

import datetime as dt
import random

from jiesu.insights.topic import TZ
from jiesu.org.models import Unit
from jiesu.workorders import bulk
from jiesu.workorders.models import Category, Channel, State

HOTSPOT = [
    ("青禾家园小区旁边搅拌站夜间施工噪音扰民", "青禾家园小区附近的混凝土搅拌站每天夜里施工，噪音很大，无法休息。"),
    ("投诉青禾家园附近搅拌站噪音", "青禾家园小区旁搅拌站晚上一直作业，噪音扰民，灰尘也大。"),
    ("青禾家园小区搅拌站扰民问题", "搅拌站就在青禾家园小区边上，夜间噪音严重，请相关部门处理。"),
    ("青禾家园搅拌站噪音和粉尘污染", "青禾家园小区居民反映附近搅拌站噪音和粉尘污染严重。"),
    ("再次反映青禾家园小区旁搅拌站夜间噪音", "青禾家园小区旁的搅拌站夜里施工噪音扰民，之前反映过没有解决。"),
    ("青禾家园小区搅拌站晚上施工吵得睡不着", "青禾家园旁边搅拌站晚上施工，噪音太大，老人孩子睡不着。"),
]
EVERYDAY = [
    ("路面积水", "下雨后路面积水严重，车辆无法通行。"),
    ("暖气不热", "家里暖气不热，室温只有十四度。"),
    ("小区垃圾清运不及时", "小区垃圾桶满了也没人清运，气味很大。"),
    ("路灯不亮", "路灯坏了很久，晚上出行不安全。"),
    ("占道经营", "菜市场门口商户占道经营，影响通行。"),
    ("停车难", "小区车位太少，晚上回来没地方停车。"),
]


def _leaf(path: str) -> Category:
    parent = Category.objects.get(path=path)
    return parent.children.order_by("code").first() or parent


def history(*, now: dt.datetime, months: int = 26, seed: int = 1) -> int:
    """Write the history ending at `now`; returns the number of orders."""
    rng = random.Random(seed)
    streets = list(Unit.objects.filter(code__in=["110106001", "110106013", "110106005", "110106009"]))
    municipal = _leaf("城乡建设/城市建设和市政管理")
    pollution = _leaf("环境保护/环境污染")
    housing = _leaf("城乡建设/住房保障与房地产")
    first = (now.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    items: list[bulk.HistoricalOrder] = []
    month = first
    n = 0
    while month <= now:
        for street in streets:
            for category, base in ((municipal, 6), (pollution, 4), (housing, 3)):
                count = base
                if category is municipal and month.month == 7 and street.code == "110106001":
                    count += 14  # summer waterlogging at one street, every year
                if category is housing and month.month in (11, 12, 1):
                    count += 5  # heating season
                for _ in range(count + rng.randint(0, 2)):
                    when = month.replace(day=rng.randint(1, 28), hour=rng.randint(8, 20), tzinfo=TZ)
                    if when >= now - dt.timedelta(days=1):
                        continue
                    title, content = rng.choice(EVERYDAY)
                    n += 1
                    items.append(_item(n, title, content, when, street, category, rng))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    fangzhuang = next(s for s in streets if s.code == "110106013")
    for i, (title, content) in enumerate(HOTSPOT * 2):
        n += 1
        when = now - dt.timedelta(days=1 + (i % 10), hours=i)
        items.append(_item(n, title, content, when, fangzhuang, pollution, rng, lat=39.8655 + i * 1e-5, lng=116.4262))
    built = [bulk.build(item) for item in items]
    for i in range(0, len(built), 500):
        bulk.write_batch(built[i : i + 500])
    return len(built)


def _item(n, title, content, when, street, category, rng, *, lat=None, lng=None) -> bulk.HistoricalOrder:
    return bulk.HistoricalOrder(
        external_ref=f"TEST-HIST-{n}",
        title=title,
        content=content,
        received_at=when,
        state=State.RECEIVED,
        channel=Channel.IMPORT,
        requester_phone=f"139{rng.randint(0, 99_999_999):08d}",
        category=category,
        street=street,
        lat=lat,
        lng=lng,
        address="青禾家园小区" if lat else "",
    )
