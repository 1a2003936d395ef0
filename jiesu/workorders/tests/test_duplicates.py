"""Duplicate detection at intake: same requester or same place within N days, similar text."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.workorders import services
from jiesu.workorders.duplicates import find_similar, same_address, text_similarity

NOW = timezone.make_aware(dt.datetime(2025, 3, 12, 10, 0))
LEAK = "芳城园一区5号楼楼道里水管漏水，水流到电梯井，物业一直不管，请尽快维修。"


@pytest.fixture
def make_order(users):
    def make(content, *, days_ago=1, phone="", address="", lat=None, lng=None, title=""):
        order, _ = services.create_order(
            user=users["agent"],
            title=title,
            content=content,
            requester_phone=phone,
            address=address,
            lat=lat,
            lng=lng,
            at=NOW - dt.timedelta(days=days_ago),
        )
        return order

    return make


def test_text_similarity_tolerates_rewording_but_separates_topics():
    reworded = "芳城园一区5号楼楼道水管漏水了，水都流进电梯井，物业不管，希望尽快修。"
    other = "丰台科技园附近早高峰公交车太少，希望增加班次。"
    assert text_similarity(LEAK, reworded) > 0.5
    assert text_similarity(LEAK, other) < 0.1
    assert text_similarity(LEAK, LEAK) == pytest.approx(1.0)


def test_same_address_ignores_city_prefix_and_punctuation():
    assert same_address("北京市丰台区芳城园一区5号楼", "芳城园一区 5号楼")
    assert not same_address("芳城园一区5号楼", "马家堡西路15号")


def test_same_requester_similar_text_within_window_is_proposed(make_order):
    first = make_order(LEAK, phone="13800001111", days_ago=2)
    make_order("丰台科技园附近早高峰公交车太少，希望增加班次。", phone="13800001111", days_ago=1)
    found = find_similar(content="芳城园一区5号楼水管漏水流到电梯井，物业不管", requester_phone="13800001111", now=NOW)
    assert [s.order_id for s in found] == [first.pk]
    assert found[0].same_requester and not found[0].same_place
    assert found[0].merge_into_id == first.pk
    assert "同一诉求人" in found[0].reasons


def test_same_place_by_address_or_coordinates(make_order):
    by_address = make_order(LEAK, phone="13900002222", address="北京市丰台区芳城园一区5号楼")
    by_point = make_order(LEAK, phone="13900003333", lat=39.8600, lng=116.4300)
    make_order(LEAK, phone="13900004444", lat=39.8800, lng=116.4300)  # ~2.2 km away
    found = find_similar(content=LEAK, address="芳城园一区5号楼", lat=39.8605, lng=116.4302, now=NOW)
    assert {s.order_id for s in found} == {by_address.pk, by_point.pk}
    assert all(s.same_place and not s.same_requester for s in found)


def test_outside_window_excluded_and_other_requester_elsewhere_ignored(make_order):
    make_order(LEAK, phone="13800001111", days_ago=8)
    make_order(LEAK, phone="13700009999", address="马家堡西路15号")
    assert find_similar(content=LEAK, requester_phone="13800001111", now=NOW, days=7) == []
    assert len(find_similar(content=LEAK, requester_phone="13800001111", now=NOW, days=10)) == 1


def test_exclude_self_limit_and_no_anchor(make_order):
    orders = [make_order(LEAK, phone="13800001111", days_ago=d) for d in (1, 2, 3)]
    found = find_similar(content=LEAK, requester_phone="13800001111", now=NOW, exclude_id=orders[0].pk, limit=1)
    assert len(found) == 1 and found[0].order_id != orders[0].pk
    # Neither requester nor place: nothing to compare against.
    assert find_similar(content=LEAK, now=NOW) == []
    assert find_similar(content="", requester_phone="13800001111", now=NOW) == []


def test_merged_orders_are_not_proposed(make_order, users):
    master = make_order(LEAK, phone="13800001111", days_ago=3)
    dup = make_order(LEAK, phone="13800001111", days_ago=2)
    services.merge_duplicate(user=users["dispatcher"], order_id=dup.pk, master_id=master.pk, at=NOW)
    found = find_similar(content=LEAK, requester_phone="13800001111", now=NOW)
    assert [s.order_id for s in found] == [master.pk]


def test_another_requester_at_the_same_place_in_other_words_is_proposed(make_order):
    from jiesu.workorders.duplicates import PLACE_THRESHOLD

    reworded = "楼里水管坏了一直往外冒水，找了物业没人来修"
    unrelated = "小区门口早上有商贩占道经营，堵得车出不去"
    assert text_similarity(LEAK, unrelated) < PLACE_THRESHOLD <= text_similarity(LEAK, reworded)
    theirs = make_order(LEAK, phone="13900002222", address="芳城园一区5号楼", days_ago=2)
    # The street office in one address and not the other is still the same place.
    found = find_similar(
        content=reworded, requester_phone="13800001111", address="丰台区方庄街道芳城园一区5号楼", now=NOW
    )
    assert [s.order_id for s in found] == [theirs.pk]
    assert found[0].same_place and not found[0].same_requester
    assert find_similar(content=unrelated, requester_phone="13800001111", address="芳城园一区5号楼", now=NOW) == []


def test_same_address_drops_the_street_office_but_not_the_district():
    assert same_address("方庄街道芳城园一区", "北京市丰台区芳城园一区")
    assert same_address("A7县泉塘街道圣力华苑小区", "A7县圣力华苑小区")
    # Only the street office is left once it is dropped: no address to compare.
    assert not same_address("A7县楚龙街道山水湾小区", "A7县楚龙街道")
