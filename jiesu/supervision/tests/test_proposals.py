"""Findings of the insights module become 主动治理 items: the list offers them, a click pre-fills the
form, the item keeps the finding as its origin with the figures of the moment, and a finding on the
list is not offered again."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.insights.models import Hotspot
from jiesu.supervision.models import Source, SupervisionItem
from jiesu.workorders.models import Category

FANGZHUANG = "110106013"


@pytest.fixture
def hotspot(units):
    now = timezone.now()
    return Hotspot.objects.create(
        key="HS777",
        title="芳城园一区电梯反复停运",
        place="芳城园一区",
        street=units[FANGZHUANG],
        category=Category.objects.filter(level=1).order_by("code").first(),
        lead_unit=units[FANGZHUANG],
        lead_basis="成员工单多由方庄街道办理",
        size=14,
        callers=11,
        repeat_calls=3,
        recent=9,
        previous=5,
        heat=22.5,
        peak_heat=22.5,
        first_at=now - dt.timedelta(days=20),
        last_at=now,
        first_seen_at=now - dt.timedelta(days=10),
        refreshed_at=now,
    )


def test_a_hotspot_is_offered_prefilled_and_becomes_an_item_with_its_origin(client, users, units, hotspot):
    client.force_login(users["dispatcher"])
    page = client.get("/supervision/proactive/").content.decode()
    assert 'data-proposal="hotspot:HS777"' in page and "据此立项" in page
    page = client.get("/supervision/proactive/?proposal=hotspot:HS777").content.decode()
    assert 'name="proposal" value="hotspot:HS777"' in page and "芳城园一区电梯反复停运" in page
    response = client.post(
        "/supervision/new/",
        {
            "source": "proactive",
            "proposal": "hotspot:HS777",
            "title": "芳城园一区电梯反复停运主动治理",
            "category": hotspot.category_id,
            "street": units[FANGZHUANG].pk,
            "lead_unit": units[FANGZHUANG].pk,
            "start_date": timezone.localdate().isoformat(),
            "back": "/supervision/proactive/",
        },
    )
    assert response.status_code == 302
    item = SupervisionItem.objects.get(source=Source.PROACTIVE)
    assert (item.origin_kind, item.origin_id) == ("hotspot", "HS777")
    assert item.origin_snapshot["callers"] == 11 and item.origin_url.startswith("/reports/hotspots/")
    # On the list now: not offered again.
    assert 'data-proposal="hotspot:HS777"' not in client.get("/supervision/proactive/").content.decode()


def test_a_vanished_finding_is_a_chinese_message_not_an_error(client, users, hotspot):
    client.force_login(users["dispatcher"])
    page = client.get("/supervision/proactive/?proposal=hotspot:HS999")
    assert page.status_code == 200 and "该发现已不存在" in page.content.decode()
    client.force_login(users["handler"])  # units do not create proactive items: nothing offered
    assert "据此立项" not in client.get("/supervision/proactive/").content.decode()
