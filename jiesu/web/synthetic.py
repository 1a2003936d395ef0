"""Synthetic work orders for load tests and screenshots: plausible text, places, categories and a
state mix that depends on age (old orders are closed, recent ones still open). Deterministic for
a given seed. Never used for accuracy figures: the texts are templates, not citizens' words."""

import datetime as dt
import random
from collections.abc import Iterator

from jiesu.workorders.models import OPEN_STATES, State, Urgency

PLACES = [
    "芳城园一区",
    "方庄路",
    "蒲芳路",
    "右安门外大街",
    "开阳里",
    "大红门西路",
    "马家堡东路",
    "角门北路",
    "丰台北路",
    "卢沟桥南里",
    "新村街道",
    "花乡四合庄",
    "青塔小区",
    "北大地",
    "东高地",
    "长辛店大街",
    "云岗北区",
    "宛平城",
    "西罗园四区",
    "槐房路",
    "草桥东路",
    "丽泽路",
    "看丹路",
    "王佐镇",
]
REQUESTS = [
    ("下水道堵塞", "{place}{n}号楼下水道堵塞，污水外溢，希望尽快疏通。"),
    ("路灯不亮", "{place}附近路灯连续几晚不亮，夜间出行不安全。"),
    ("噪音扰民", "{place}工地夜间施工噪音很大，影响休息，请相关部门处理。"),
    ("垃圾清运不及时", "{place}{n}号院垃圾桶已满多日无人清运，异味严重。"),
    ("供暖温度不达标", "{place}{n}号楼家中暖气不热，室温只有十四五度。"),
    ("停车管理", "{place}小区内乱停车堵塞消防通道，物业不管。"),
    ("占道经营", "{place}路口早市占道经营，影响车辆和行人通行。"),
    ("井盖缺失", "{place}人行道上井盖缺失，存在安全隐患，请尽快修复。"),
    ("楼道堆物", "{place}{n}号楼楼道堆放杂物，有消防隐患。"),
    ("物业服务", "{place}物业不履行职责，电梯经常故障无人维修。"),
    ("树木修剪", "{place}树枝遮挡路灯和交通标志，请修剪。"),
    ("停水", "{place}{n}号楼从早上开始停水，没有任何通知。"),
]
# The state mix of orders older than RECENT_DAYS; recent orders are spread over the open states.
RECENT_DAYS = 12
_OLD_MIX = [
    (State.CLOSED, 88),
    (State.CALLBACK_DONE, 5),
    (State.RESOLVED, 3),
    (State.MERGED, 2),
    (State.UNREASONABLE, 2),
]
_RECENT_MIX = [
    (State.RECEIVED, 4),
    (State.DISPATCHED, 14),
    (State.ACKNOWLEDGED, 14),
    (State.IN_PROGRESS, 34),
    (State.RETURNED, 3),
    (State.RESOLVED, 16),
    (State.CALLBACK_DONE, 8),
    (State.CLOSED, 7),
]
_URGENCY_MIX = [(Urgency.GENERAL, 80), (Urgency.UTILITY, 10), (Urgency.URGENT, 5), (Urgency.COMPLEX, 5)]


def _pick(rng: random.Random, mix: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in mix], weights=[weight for _, weight in mix])[0]


def fake_orders(
    *, count: int, now: dt.datetime, days: int, category_ids: list[int], street_ids: list[int], seed: int = 12345
) -> Iterator[dict]:
    """Field values of `count` orders received over the last `days` days (oldest first)."""
    rng = random.Random(seed)
    span = days * 86400
    offsets = sorted((rng.random() * span for _ in range(count)), reverse=True)
    for index, offset in enumerate(offsets):
        received = now - dt.timedelta(seconds=offset)
        age_days = offset / 86400
        state = _pick(rng, _RECENT_MIX if age_days < RECENT_DAYS else _OLD_MIX)
        title, template = rng.choice(REQUESTS)
        place = rng.choice(PLACES)
        street = rng.choice(street_ids)
        row = {
            "index": index,
            "title": title,
            "content": template.format(place=place, n=rng.randint(1, 40)),
            "address": f"{place}{rng.randint(1, 40)}号",
            "lat": round(39.80 + rng.random() * 0.08, 6),
            "lng": round(116.15 + rng.random() * 0.28, 6),
            "received_at": received,
            "requester_phone": f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
            "urgency": _pick(rng, _URGENCY_MIX),
            "category_id": rng.choice(category_ids),
            "street_id": street,
            "state": state,
            "lead_unit_id": None,
            "dispatched_at": None,
            "response_due": None,
            "handling_due": None,
            "responded_at": None,
            "resolved_at": None,
            "closed_at": None,
        }
        if state != State.RECEIVED:
            dispatched = received + dt.timedelta(minutes=rng.randint(5, 180))
            limit = dt.timedelta(days=rng.choice((1, 7, 15)))
            row.update(
                lead_unit_id=street,
                dispatched_at=dispatched,
                response_due=dispatched + dt.timedelta(hours=2),
                handling_due=dispatched + limit,
            )
            if state not in (State.DISPATCHED, State.RETURNED):
                row["responded_at"] = dispatched + dt.timedelta(minutes=rng.randint(10, 200))
            if state not in OPEN_STATES:
                row["resolved_at"] = dispatched + limit * rng.uniform(0.2, 1.1)
            if state in (State.CLOSED, State.MERGED, State.UNREASONABLE):
                row["closed_at"] = row["resolved_at"] + dt.timedelta(days=1)
        yield row
