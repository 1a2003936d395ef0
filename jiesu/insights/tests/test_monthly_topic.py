"""每月一题 on a hand-built set of orders: absolute vs relative growth, minimum volume, ties, the
lead department from the responsibility list, streets and masked samples."""

import datetime as dt

import pytest

from jiesu.common.errors import InvalidInput
from jiesu.insights.models import MonthlyTopic
from jiesu.insights.selectors import monthly_topic
from jiesu.insights.services import compute_monthly_topic, responsibility_for
from jiesu.insights.topic import TZ, TopicParams, mask_text, parse_month, rank_growth
from jiesu.workorders import services
from jiesu.workorders.models import Category

OCT = dt.date(2026, 10, 1)
SAFETY = "城乡建设/安全生产"  # 权责清单: 区应急管理局 leads
POLLUTION = "环境保护/环境污染"  # 区生态环境局 leads
MUNICIPAL = "城乡建设/城市建设和市政管理"  # 属地 leads, 区城管委 assists
SMALL = "交通运输/出租车管理"
FALLING = "劳动和社会保障/劳动关系"


def leaf(path: str) -> Category:
    """A third-level category under `path`, so grouping by the second level is exercised."""
    parent = Category.objects.get(path=path)
    return parent.children.order_by("code").first() or parent


def make(category: Category, street, when: dt.datetime, **extra):
    order, _ = services.create_order(
        user=None,
        content=extra.pop("content", "小区门口井盖破损，存在安全隐患"),
        title=extra.pop("title", "井盖破损"),
        category=category,
        street=street,
        at=when,
        **extra,
    )
    return order


def many(n: int, path: str, street, month: int, day: int = 10):
    category = leaf(path)
    for i in range(n):
        make(category, street, dt.datetime(2026, month, day, 9, i % 60, tzinfo=TZ))


@pytest.fixture
def orders(units):
    fz, yam, dhm = units["110106013"], units["110106001"], units["110106004"]
    many(4, SAFETY, fz, 9)
    many(6, SAFETY, yam, 9)
    many(10, SAFETY, fz, 10)
    many(6, SAFETY, yam, 10)
    many(2, POLLUTION, dhm, 9)
    many(6, POLLUTION, dhm, 10)
    # The seventh pollution order arrives at 23:30 Beijing time on 31 October: still October.
    make(leaf(POLLUTION), dhm, dt.datetime(2026, 10, 31, 23, 30, tzinfo=TZ))
    # … while one on 1 November just after midnight is not.
    make(leaf(POLLUTION), dhm, dt.datetime(2026, 11, 1, 0, 10, tzinfo=TZ))
    # An unreasonable request is not counted.
    odd = make(leaf(POLLUTION), dhm, dt.datetime(2026, 10, 12, 9, 0, tzinfo=TZ))
    services.mark_unreasonable(user=None, order_id=odd.pk, kind="repeat")
    many(6, MUNICIPAL, fz, 10)  # new this month: no rate
    many(3, SMALL, yam, 9)
    many(4, SMALL, yam, 10)  # grows, but below the minimum volume
    many(20, FALLING, fz, 9)
    many(12, FALLING, fz, 10)  # falls
    make(
        leaf(SAFETY),
        fz,
        dt.datetime(2026, 10, 28, 15, 0, tzinfo=TZ),
        title="工地夜间施工",
        content="我是张三丰，请回电13812345678，工地夜间施工存在安全隐患",
        requester_name="张三丰",
        requester_phone="13812345678",
    )


def code(path: str) -> str:
    return Category.objects.get(path=path).code


def test_absolute_and_relative_rankings_with_minimum_volume_and_ties(orders):
    rows = compute_monthly_topic(month="2026-10", params=TopicParams(level=2, min_volume=5))
    absolute = [(t.category.path, t.previous_volume, t.volume, t.growth) for t in rows if t.basis == "absolute"]
    relative = [(t.category.path, t.growth_rate) for t in rows if t.basis == "relative"]
    # 安全生产 10→17 (+7, +70%), 环境污染 2→7 (+5, +250%), 市政管理 0→6 (+6, no rate);
    # 出租车管理 3→4 is below 5 this month; 劳动关系 fell.
    assert absolute == [(SAFETY, 10, 17, 7), (MUNICIPAL, 0, 6, 6), (POLLUTION, 2, 7, 5)]
    assert relative == [(POLLUTION, pytest.approx(2.5)), (SAFETY, pytest.approx(0.7))]
    assert MonthlyTopic.objects.filter(month=OCT).count() == 5


def test_tie_on_growth_is_broken_by_rate_and_a_new_category_ranks_after(orders, units):
    # One more municipal order makes it +7 too: equal increase, and a rate beats no rate.
    make(leaf(MUNICIPAL), units["110106013"], dt.datetime(2026, 10, 20, 10, 0, tzinfo=TZ))
    rows = compute_monthly_topic(month="2026-10", params=TopicParams(level=2, min_volume=5))
    absolute = [(t.category.path, t.growth) for t in rows if t.basis == "absolute"]
    assert absolute[:2] == [(SAFETY, 7), (MUNICIPAL, 7)]


def test_minimum_volume_is_configurable(orders):
    rows = compute_monthly_topic(month="2026-10", params=TopicParams(level=2, min_volume=4, top_n=5))
    paths = [t.category.path for t in rows if t.basis == "absolute"]
    assert paths == [SAFETY, MUNICIPAL, POLLUTION, SMALL]
    rows = compute_monthly_topic(month="2026-10", params=TopicParams(level=2, min_volume=8))
    assert [t.category.path for t in rows] == [SAFETY, SAFETY]


def test_primary_topic_follows_the_chosen_basis(orders):
    compute_monthly_topic(month="2026-10", params=TopicParams(min_volume=5))
    assert monthly_topic(month=OCT).category.path == SAFETY
    compute_monthly_topic(month="2026-10", params=TopicParams(min_volume=5, primary_basis="relative"))
    assert monthly_topic(month=OCT).category.path == POLLUTION


def test_lead_department_streets_and_masked_samples(orders):
    compute_monthly_topic(month="2026-10", params=TopicParams(min_volume=5))
    topic = monthly_topic(month=OCT)
    assert topic.lead_unit.code == "110106-D12"  # 安全生产 rule is more specific than 城乡建设 → 属地
    assert [(s["name"], s["volume"], s["previous"], s["change"]) for s in topic.streets] == [
        ("方庄街道", 11, 4, 7),
        ("右安门街道", 6, 6, 0),
    ]
    first = topic.samples[0]  # the latest order of the busiest street
    assert first["requester"] == "张**"
    assert first["phone"] == "138****5678"
    assert "13812345678" not in first["content"] and "138****5678" in first["content"]
    assert "张三丰" not in first["content"] and "我是张**" in first["content"]
    assert {s["street"] for s in topic.samples} == {"方庄街道", "右安门街道"}

    municipal = MonthlyTopic.objects.get(month=OCT, basis="absolute", rank=2)
    assert municipal.lead_unit is None and municipal.lead_label == "属地街镇"
    assert [u["code"] for u in municipal.assisting_units] == ["110106-D02"]
    assert municipal.growth_rate is None


def test_recomputing_replaces_the_month(orders):
    compute_monthly_topic(month="2026-10", params=TopicParams(min_volume=5))
    compute_monthly_topic(month="2026-10", params=TopicParams(min_volume=100))
    assert not MonthlyTopic.objects.filter(month=OCT).exists()
    assert monthly_topic(month=OCT) is None


def test_first_level_grouping(orders):
    rows = compute_monthly_topic(month="2026-10", params=TopicParams(level=1, min_volume=5))
    # 城乡建设 = 安全生产 + 市政管理: 10→23; 环境保护 2→7; 交通运输 3→4 (<5); 劳动 20→12.
    assert [(t.category.path, t.growth) for t in rows if t.basis == "absolute"] == [("城乡建设", 13), ("环境保护", 5)]


def test_most_specific_rule_wins(reference):
    assert responsibility_for(category_code=code(SAFETY) + ".01").lead_unit.code == "110106-D12"
    assert responsibility_for(category_code=code("城乡建设")).lead_unit is None


def test_rank_growth_ties_fall_back_to_volume_then_code():
    params = TopicParams(min_volume=1, min_previous=2)
    ranked = rank_growth(
        current={"02.01": 20, "01.01": 20, "03.01": 10, "04.01": 3},
        previous={"02.01": 10, "01.01": 10, "03.01": 5, "04.01": 1},
        params=params,
    )
    # 01.01 and 02.01: +10, +100% each, same volume → code order; 03.01 +5 +100%.
    assert [g.code for g in ranked["absolute"]] == ["01.01", "02.01", "03.01"]
    # Relative: all +100% except 04.01 (base 1 < min_previous 2, left out) → larger increase first.
    assert [g.code for g in ranked["relative"]] == ["01.01", "02.01", "03.01"]


@pytest.mark.parametrize("bad", ["2026-13", "26-10", "", "2026/10", "abc"])
def test_bad_month_is_a_clear_error(bad):
    with pytest.raises(InvalidInput) as err:
        parse_month(bad)
    assert err.value.code == "bad_month"


def test_bad_params_are_clear_errors():
    with pytest.raises(InvalidInput):
        TopicParams(level=4)
    with pytest.raises(InvalidInput):
        TopicParams(min_volume=0)
    with pytest.raises(InvalidInput):
        TopicParams(primary_basis="most")


def test_mask_text_hides_long_digit_runs():
    # the one masking (jiesu.common.privacy): phones 3+4, ID numbers 6+4 digits kept
    assert mask_text("电话13812345678身份证110101199001011234") == "电话138****5678身份证110101********1234"
