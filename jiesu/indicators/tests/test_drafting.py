"""The 点评 paragraph in the seeds' form ("…均排名各街镇前列。但在…等方面仍存不足。"), and never
praising and faulting the same thing."""

import random

from jiesu.indicators.drafting import draft
from jiesu.indicators.standings import UnitRef, build_board
from jiesu.indicators.tests.factories import catalogue, month, spec_doc

AUG = month(2023, 8)
UNITS = [UnitRef(u, f"u{u}", name) for u, name in enumerate(
    ["西罗园街道", "东铁匠营街道", "大红门街道", "成寿寺街道", "方庄街道", "右安门街道", "太平桥街道", "马家堡街道"],
    start=1)]  # fmt: skip


def board_for(specs, values, *, now=AUG, **rules):
    c = catalogue(*specs, **rules)
    b = build_board(catalogue=c, kind="street", month=now, units=UNITS, values=values)
    for card in b.cards:
        draft(card, month=now, group="各街镇", top_months_min=c.top_months_min)
    return {card.unit.name: card for card in b.cards}


def ladder(best_first: list[int], *, start=100.0, step=1.0) -> dict[int, float]:
    return {u: start - i * step for i, u in enumerate(best_first)}


def test_the_seed_form_for_xiluoyuan():
    order = [1, 2, 3, 4, 5, 6, 7, 8]
    specs = [
        spec_doc("chaiwei", name="拆违腾地销账率", area="拆违治乱", period="cumulative"),
        spec_doc("zhiluan", name="治乱完成率", area="拆违治乱", period="cumulative"),
        spec_doc("qiyou", name="七有成绩", area="民生保障"),
        spec_doc("laji", name="垃圾分类立案诉求比", area="垃圾分类"),
    ]
    values = {
        "chaiwei": {AUG: ladder([2, 1, 3, 4, 5, 6, 7, 8])},  # 西罗园 (1) second
        "zhiluan": {AUG: ladder([3, 1, 2, 4, 5, 6, 7, 8])},  # second again
        "qiyou": {AUG: ladder(order[1:] + [1])},  # last
        "laji": {AUG: ladder([2, 3, 4, 5, 6, 7, 1, 8])},  # 7th of 8: in the last three
    }
    card = board_for(specs, values)["西罗园街道"]
    assert (
        card.paragraph
        == "西罗园街道：1-8月拆违腾地销账率、治乱完成率均排名各街镇前列。但在民生保障、垃圾分类等方面仍存不足。"
    )
    assert card.shortfalls == ["民生保障", "垃圾分类"]
    assert any("七有成绩" in d and "第8位" in d for d in card.shortfall_details)


def test_first_place_own_phrase_lag_and_months_in_the_top_group():
    specs = [
        spec_doc(
            "fires",
            name="火灾数",
            unit="起",
            area="消防安全",
            direction="lower",
            judge="ytd",
            ytd="sum",
            integer=True,
            phrase_first="为{group}最少",
        ),
        spec_doc("ebike", name="违规电动三四轮车治理综合得分", unit="分", area="环境秩序", max_lag_months=1),
        spec_doc("jiesu", name="综合成绩", unit="分", area="接诉即办", count_top_months=True),
    ]
    fires, jiesu = {}, {}
    for m in range(1, 9):
        fires[month(2023, m)] = {u: float(u > 1) * u for u in range(1, 9)}  # 成寿寺 (4) has fires; 西罗园 none
        # 成寿寺 in the top three in five months (3, 4, 6, 7, 8), not in the others
        top = m in (3, 4, 6, 7, 8)
        jiesu[month(2023, m)] = {u: (99.0 if u == 4 and top else 90.0 - u) for u in range(1, 9)}
    ebike = {month(2023, 7): ladder([1, 2, 3, 4, 5, 6, 7, 8])}  # July figures only (published late)
    cards = board_for(specs, {"fires": fires, "ebike": ebike, "jiesu": jiesu})
    xl = cards["西罗园街道"]
    assert "1-8月火灾数为各街镇最少" in xl.paragraph
    assert "7月违规电动三四轮车治理综合得分排名各街镇首位" in xl.paragraph
    csc = cards["成寿寺街道"]
    assert "1-8月，累计5次综合成绩排名各街镇前列" in csc.paragraph
    assert csc.paragraph.count("综合成绩") == 1  # not also said as this month's strength


def test_an_area_praised_and_wanting_is_named_by_the_indicator():
    specs = [
        spec_doc("cases", name="生活垃圾分类处罚立案数", unit="件", area="垃圾分类"),
        spec_doc("ratio", name="立案诉求比", area="垃圾分类"),
    ]
    values = {"cases": {AUG: ladder([4, 1, 2, 3, 5, 6, 7, 8])}, "ratio": {AUG: ladder([1, 2, 3, 5, 6, 7, 8, 4])}}
    card = board_for(specs, values)["成寿寺街道"]
    assert "生活垃圾分类处罚立案数排名各街镇首位" in card.paragraph
    assert card.paragraph.endswith("但在立案诉求比方面仍存不足。")
    assert "垃圾分类方面" not in card.paragraph


def test_nothing_on_top_and_nothing_wanting():
    specs = [spec_doc("a", name="指标甲", area="甲"), spec_doc("b", name="指标乙", area="乙")]
    values = {"a": {AUG: ladder([1, 2, 3, 4, 5, 6, 7, 8])}, "b": {AUG: ladder([2, 3, 4, 5, 1, 6, 7, 8])}}
    card = board_for(specs, values)["方庄街道"]  # 5th and 4th
    assert card.paragraph == (
        "方庄街道：各项指标均未进入各街镇前列，相对较好的是指标乙（97.00%，第4位）。"
        "各项指标均未处于各街镇后列，且均达到目标值。"
    )
    empty = board_for(specs, {})["方庄街道"]
    assert empty.paragraph == "方庄街道：本月暂无指标数据。" and empty.strengths == [] and empty.shortfalls == []


def test_no_indicator_or_area_is_ever_both_praised_and_wanting():
    rng = random.Random(20261130)
    areas = ["甲", "乙", "丙"]
    named_by_indicator = both_sides = 0
    for trial in range(120):
        specs = [
            spec_doc(
                f"i{k}",
                name=f"指标{k}号",
                area=rng.choice(areas),
                direction=rng.choice(["higher", "lower"]),
                target=rng.choice([None, 50.0, 80.0]),
                count_top_months=rng.random() < 0.3,
                judge=rng.choice(["month", "ytd"]),
                ytd="sum",
            )
            for k in range(6)
        ]
        values = {
            s["code"]: {
                month(2023, m): {u.id: float(rng.choice([0, 10, 50, 80, 90, 100])) for u in UNITS if rng.random() < 0.9}
                for m in range(1, 9)
            }
            for s in specs
        }
        for card in board_for(specs, values).values():
            praised_text = "；".join(card.strengths)
            wanting = [ln for ln in card.lines if ln.place.shortfall]
            for ln in wanting:
                assert ln.spec.name not in praised_text, (trial, card.paragraph)
            praised_areas = {ln.spec.area for ln in card.lines if ln.spec.name in praised_text}
            for word in card.shortfalls:
                assert word not in praised_areas, (trial, card.paragraph)
                assert word not in praised_text, (trial, card.paragraph)
            assert card.paragraph.count("但在") <= 1
            both_sides += bool(card.strengths and card.shortfalls)
            named_by_indicator += any(word.startswith("指标") for word in card.shortfalls)
    # The cases the rule is about did occur.
    assert both_sides > 100 and named_by_indicator > 20
