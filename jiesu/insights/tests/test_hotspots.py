"""The hotspot method on hand-made messages: one problem at one place becomes one hotspot, heat
counts callers (not one caller's flood), support and growth, the title and place come from the
members' own text, and the time window keeps a problem of last year apart."""

import datetime as dt

import pytest

from jiesu.common.errors import InvalidInput
from jiesu.insights import places
from jiesu.insights.hotspots import HotspotParams, Message, find_hotspots, heat_of
from jiesu.insights.tablefiles import TZ

T0 = dt.datetime(2026, 5, 1, 9, tzinfo=TZ)

MIXER = [
    ("青禾家园小区旁边搅拌站夜间施工噪音扰民", "青禾家园小区附近的混凝土搅拌站每天夜里施工，噪音很大，无法休息。"),
    ("投诉青禾家园附近搅拌站噪音", "青禾家园小区旁搅拌站晚上一直作业，噪音扰民，灰尘也大。"),
    ("青禾家园小区搅拌站扰民问题", "搅拌站就在青禾家园小区边上，夜间噪音严重，请相关部门处理。"),
    ("青禾家园搅拌站噪音和粉尘污染", "青禾家园小区居民反映附近搅拌站噪音和粉尘污染严重。"),
    ("再次反映青禾家园小区旁搅拌站夜间噪音", "青禾家园小区旁的搅拌站夜里施工噪音扰民，之前反映过没有解决。"),
]
LAMPS = [
    ("柳荫路路灯不亮", "柳荫路一段路灯坏了很久，晚上一片漆黑，行人不安全。"),
    ("柳荫路路灯坏了没人修", "柳荫路的路灯已经不亮一个月了，晚上出行不安全。"),
    ("反映柳荫路路灯不亮的问题", "柳荫路路灯晚上不亮，希望尽快维修。"),
]
OTHERS = [
    ("社保卡补办流程咨询", "请问社保卡丢失后如何补办，需要哪些材料。"),
    ("公交车不按时发车", "某线路公交车经常晚点，等车时间太长。"),
    ("学校强制补课收费", "某中学暑假强制学生补课并收取费用。"),
    ("医院挂号难", "市医院专家号很难挂到，希望增加号源。"),
    ("小区电梯经常故障", "我们楼的电梯每周都坏，物业不及时维修。"),
    ("商户占道经营", "菜市场门口商户占道经营，影响通行。"),
    # everyday words (小区, 晚上, 噪音, 路) spread over unrelated messages, as on a real board
    ("小区停车位不够", "我们小区车位太少，晚上回来没地方停车。"),
    ("小区垃圾清运不及时", "小区垃圾桶满了也没人清运，气味很大。"),
    ("小区绿化带被占", "有人在小区绿化带种菜，破坏环境。"),
    ("广场舞噪音", "公园广场舞晚上音响声音太大，噪音扰民。"),
    ("酒吧晚上噪音", "楼下酒吧晚上营业到凌晨，噪音很大。"),
    ("道路积水", "下雨后这条路积水严重，车辆无法通行。"),
    ("路面坑洼", "这条路路面坑坑洼洼，骑车很危险。"),
    ("供暖温度不达标", "家里暖气不热，室温只有十四度。"),
    ("物业费上涨", "物业突然上涨物业费，没有和业主商量。"),
    ("快递柜收费", "小区快递柜超时收费不合理。"),
]


def messages(spec, *, start=T0, prefix="m", caller=None, step_days=1.0, support=0.0):
    return [
        Message(
            id=f"{prefix}{i}",
            title=title,
            body=body,
            at=start + dt.timedelta(days=i * step_days),
            caller=caller or f"{prefix}-caller-{i}",
            support=support,
        )
        for i, (title, body) in enumerate(spec)
    ]


def corpus():
    return messages(MIXER, prefix="mix") + messages(LAMPS, prefix="lamp") + messages(OTHERS, prefix="x")


def test_one_problem_at_one_place_is_one_hotspot_with_its_place_and_an_extractive_title():
    found = find_hotspots(corpus())
    top = found[0]
    assert set(top.member_ids) == {f"mix{i}" for i in range(5)}
    assert top.size == 5 and top.callers == 5 and top.repeat_calls == 0
    assert top.place == "青禾家园小区" or top.place == "青禾家园"
    assert top.title in {t for t, _ in MIXER}  # a member's own sentence, not a template
    assert "搅拌站" in top.keywords
    lamps = next(f for f in found if "lamp0" in f.member_ids)
    assert set(lamps.member_ids) == {"lamp0", "lamp1", "lamp2"}
    assert lamps.place == "柳荫路"
    assert [set(f.member_ids) for f in found[:2]] == [{f"mix{i}" for i in range(5)}, {"lamp0", "lamp1", "lamp2"}]
    assert all(f.size <= 2 for f in found[2:])  # background messages at most pair up on a shared word
    assert [f.rank for f in found] == list(range(1, len(found) + 1))


def test_heat_counts_callers_more_than_one_callers_flood():
    flood = messages(MIXER[:4], prefix="flood", caller="same-person")  # four calls, one citizen
    lamps = messages(LAMPS, prefix="lamp")
    found = find_hotspots(flood + lamps + messages(OTHERS, prefix="x"), params=HotspotParams(min_callers=1))
    flood_spot = next(f for f in found if "flood0" in f.member_ids)
    lamp_spot = next(f for f in found if "lamp0" in f.member_ids)
    assert flood_spot.callers == 1 and flood_spot.repeat_calls == 3
    assert lamp_spot.heat > flood_spot.heat  # three citizens outweigh one citizen calling four times
    # by default a single citizen's repeated calls are not a hotspot at all
    assert not any("flood0" in f.member_ids for f in find_hotspots(flood + lamps + messages(OTHERS, prefix="x")))


def test_support_and_growth_raise_heat():
    assert heat_of(callers=3, repeat_calls=0, support=100, growth=0) > heat_of(
        callers=3, repeat_calls=0, support=0, growth=0
    )
    assert heat_of(callers=3, repeat_calls=0, support=0, growth=4) == pytest.approx(5.0)
    liked = (
        messages(LAMPS, prefix="lamp", support=50) + messages(MIXER[:3], prefix="mix") + messages(OTHERS, prefix="x")
    )
    found = find_hotspots(liked)
    assert "lamp0" in found[0].member_ids  # same size, more backing
    now = T0 + dt.timedelta(days=20)
    late = messages(LAMPS, prefix="lamp", start=now - dt.timedelta(days=3))
    early = messages(MIXER[:3], prefix="mix", start=now - dt.timedelta(days=12))
    quiet = [o for o in OTHERS if "噪音" not in o[1]]  # in a corpus this small 噪音 alone would pull them in
    grown = find_hotspots(late + early + messages(quiet, prefix="x"), now=now)
    lamp = next(f for f in grown if "lamp0" in f.member_ids)
    mix = next(f for f in grown if "mix0" in f.member_ids)
    assert (lamp.recent, lamp.previous, lamp.growth) == (3, 0, 3)
    assert (mix.recent, mix.previous) == (0, 3)
    assert lamp.heat > mix.heat


def test_window_keeps_the_same_problem_a_year_apart_as_two_hotspots():
    now_spec = messages(MIXER[:3], prefix="new", start=T0)
    old_spec = messages(MIXER[3:], prefix="old", start=T0 - dt.timedelta(days=365))
    found = find_hotspots(now_spec + old_spec + messages(OTHERS, prefix="x"), params=HotspotParams(window_days=30))
    groups = [set(f.member_ids) for f in found]
    assert {"new0", "new1", "new2"} in groups and {"old0", "old1"} in groups
    together = find_hotspots(now_spec + old_spec + messages(OTHERS, prefix="x"))
    assert any({"new0", "old0"} <= set(f.member_ids) for f in together)


def test_blocks_are_never_mixed():
    a = [
        Message(id=m.id, title=m.title, body=m.body, at=m.at, caller=m.caller, block="A")
        for m in messages(MIXER[:3], prefix="a")
    ]
    b = [
        Message(id=m.id, title=m.title, body=m.body, at=m.at, caller=m.caller, block="B")
        for m in messages(MIXER[3:], prefix="b")
    ]
    found = find_hotspots(a + b + messages(OTHERS, prefix="x"))
    assert all(not ({"a0", "b0"} <= set(f.member_ids)) for f in found)
    assert any({"a0", "a1", "a2"} == set(f.member_ids) for f in found)


def test_given_place_wins_over_the_text():
    spec = messages(LAMPS, prefix="lamp")
    given = [
        Message(id=m.id, title=m.title, body=m.body, at=m.at, caller=m.caller, place="丰台区某街道柳荫路12号")
        for m in spec
    ]
    found = find_hotspots(given + messages(OTHERS, prefix="x"))
    assert found[0].place == "丰台区某街道柳荫路12号"


def test_place_candidates_are_generic_address_words():
    names = {name for name, _ in places.candidates("投诉A2区丽发新城附近建搅拌站噪音扰民")}
    assert "丽发新城" in names
    assert "A2区丽发新城" in names
    names = {name for name, _ in places.candidates("关于伊景园滨河苑捆绑销售车位的维权投诉")}
    assert {"伊景园", "伊景园滨河苑", "滨河苑"} <= names
    assert not {name for name, _ in places.candidates("距离只有350公里，我家里很吵")}  # no false endings


def test_shared_place_prefers_the_name_most_members_mention_over_the_city():
    texts = ["A市丽发新城旁搅拌站扰民", "A市丽发新城小区附近搅拌站噪音", "丽发新城搅拌站污染", "A市某路修路"]
    corpus = texts + [f"A市其他问题{i}" for i in range(30)]
    assert places.shared_place(texts, corpus=corpus).startswith("丽发新城")
    assert places.shared_place(["今天天气很好", "明天也不错"]) == ""


def test_bad_parameters_are_chinese_errors():
    with pytest.raises(InvalidInput, match="距离阈值"):
        HotspotParams(distance=1.5)
    with pytest.raises(InvalidInput, match="窗口"):
        HotspotParams(window_days=0)
    assert find_hotspots([]) == []
