"""The same-place measurement: address extraction and scoring pairs through find_similar."""

import datetime as dt

import pytest

from jiesu.intake.dupeval import Message, extract_address, precision_recall, score_pairs_through_find_similar


@pytest.mark.parametrize(
    ("title", "detail", "address"),
    [
        ("A5区劳动东路魅力之城小区油烟扰民", "", "A5区劳动东路魅力之城小区"),
        ("建议彻底拆除A7县星沙文化公园里的违建", "", "A7县星沙文化公园"),
        # No place in the title: the detail's, with the district the message names elsewhere.
        ("A2区小区供水问题", "我们丽发新城小区停水三天了", "A2区丽发新城小区"),
        ("关于A市二套房贷款认定的疑惑", "已婚想购买改善型住房", ""),
    ],
)
def test_extract_address(title, detail, address):
    assert extract_address(title, detail) == address


def _message(id_, user, day, title, detail):
    return Message(
        id=id_,
        user=user,
        at=dt.datetime(2019, 8, day, 9),
        title=title,
        detail=detail,
        address=extract_address(title, detail),
    )


def test_scoring_through_find_similar_sees_place_and_window(users):
    messages = {
        m.id: m
        for m in (
            _message("1", "u1", 1, "A2区丽发新城小区旁搅拌站噪音扰民", "丽发新城小区旁边的搅拌站日夜轰鸣，灰尘很大"),
            _message("2", "u2", 3, "丽发新城小区附近搅拌站污染严重", "A2区丽发新城小区附近的搅拌站噪音和扬尘严重"),
            _message("3", "u3", 4, "A2区南湖路森宇家园餐馆油烟扰民", "森宇家园楼下餐馆油烟直排"),
            _message("4", "u4", 20, "A2区丽发新城小区搅拌站还在扰民", "丽发新城小区旁搅拌站噪音扬尘依旧"),
        )
    }
    scores = score_pairs_through_find_similar([("1", "2"), ("1", "3"), ("1", "4")], messages, days=7)
    assert scores[0] is not None and scores[0] > 0.1  # same compound, same matter
    assert scores[1] is None  # another place
    assert scores[2] is None  # outside the 7-day window
    assert precision_recall(scores, [True, False, True], 0.1) == (1.0, 0.5, pytest.approx(2 / 3))
    # Nothing is left behind and the shipped thresholds are restored.
    from jiesu.workorders import duplicates
    from jiesu.workorders.models import WorkOrder

    assert WorkOrder.objects.count() == 0
    assert duplicates.PLACE_THRESHOLD > 0
