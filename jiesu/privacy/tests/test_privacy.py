"""One masking function (jiesu.common.privacy.mask_personal) and where it applies: masked roles
(content and address too), Open311 (public orders only, community-level address, api_key for the
rest), the callback role (full phones only of orders due for callback), the data-access log."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jiesu.common.privacy import contains_personal, mask_personal
from jiesu.intake.models import ApiKey
from jiesu.org.models import Community
from jiesu.privacy.models import PersonalDataAccess
from jiesu.workorders import services
from jiesu.workorders.models import Channel
from jiesu.workorders.tests.factories import resolve_through_checks

PERSONAL_FORMS = [
    ("电话13812345678", "13812345678"),
    ("电话 138 1234 5678 找我", "1234 5678"),
    ("电话138-1234-5678", "1234-5678"),
    ("手机１３８１２３４５６７８", "１２３４５６７８"),
    ("请拨+8613812345678", "13812345678"),
    ("座机010-63456789", "63456789"),
    ("邮箱zhang.san@example.com", "zhang.san@example.com"),
    ("身份证号11010619900101123X", "19900101"),
    ("我叫张三，住在芳城园", "张三"),
    ("本人李四，电话打不通", "李四"),
    ("姓名：王五", "王五"),
]


@pytest.mark.parametrize("text, secret", PERSONAL_FORMS)
def test_mask_personal_forms(text, secret):
    masked = mask_personal(text)
    assert secret not in masked, masked
    assert contains_personal(text)


def test_ordinary_text_is_left_alone():
    for text in (
        "芳城园一区5号楼302室下水道堵塞",
        "2026年11月24日上午",
        "工单FT202611240000123",
        "我是本小区居民，楼道堆物",
    ):
        assert mask_personal(text) == text


def test_given_names_are_masked_anywhere():
    assert mask_personal("赵六反映楼道堆物", names=["赵六"]) == "赵*反映楼道堆物"


CONTENT = "我叫张三，电话138 1234 5678，邮箱zs@example.com，身份证11010619900101123X，芳城园5号楼漏水"


@pytest.fixture
def order(users):
    created, _ = services.create_order(
        user=users["agent"],
        content=CONTENT,
        address="方庄芳城园一区5号楼302室 联系13900001111",
        requester_name="张三",
        requester_phone="13812345678",
        channel=Channel.WEB,
    )
    return created


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def leaked(body: str) -> list[str]:
    return [s for s in ("12345678", "1234 5678", "zs@example.com", "19900101", "张三", "13900001111") if s in body]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["district_leader", "auditor", "dispatcher"])
def test_masked_roles_see_no_personal_data_in_content_or_address(users, order, role):
    body = api(users[role]).get(f"/api/v1/orders/{order.pk}")
    assert body.status_code == 200
    assert leaked(json.dumps(body.json(), ensure_ascii=False)) == []
    client = Client()
    client.force_login(users[role])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert leaked(page) == []
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
def test_agent_sees_all_and_the_read_is_logged(users, order):
    body = api(users["agent"]).get(f"/api/v1/orders/{order.pk}").json()
    assert body["requester_phone"] == "13812345678" and body["content"] == CONTENT
    access = PersonalDataAccess.objects.get()
    assert access.user == users["agent"] and access.order_number == order.number
    assert access.channel == f"/api/v1/orders/{order.pk}"


@pytest.mark.django_db
def test_callback_role_sees_full_phones_only_when_due_for_callback(users, units, order):
    callback = api(users["callback"])
    assert callback.get(f"/api/v1/orders/{order.pk}").json()["requester_phone"] == "138****5678"
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])
    services.acknowledge(user=users["handler"], order_id=order.pk)
    services.respond(user=users["handler"], order_id=order.pk)
    resolve_through_checks(order_id=order.pk, users=users, reply="已修复")  # 多级核查, as a street does it
    assert callback.get(f"/api/v1/orders/{order.pk}").json()["requester_phone"] == "13812345678"
    assert PersonalDataAccess.objects.filter(user=users["callback"]).count() == 1


@pytest.mark.django_db
def test_open311_publishes_only_public_orders_masked_at_community_level(users, units, order):
    community = Community.objects.filter(street=units["110106013"]).first()
    order.street = units["110106013"]
    order.community = community
    order.lat, order.lng = 39.865612, 116.431234
    order.save()
    hotline, _ = services.create_order(user=users["agent"], content="热线来电，不公开", requester_phone="13700001111")
    client = Client()
    listed = client.get("/open311/v2/requests.json")
    assert listed.status_code == 200
    numbers = [r["service_request_id"] for r in listed.json()]
    assert order.number in numbers and hotline.number not in numbers
    assert client.get(f"/open311/v2/requests/{hotline.number}.json").status_code == 404
    shown = client.get(f"/open311/v2/requests/{order.number}.json").json()[0]
    text = json.dumps(shown, ensure_ascii=False)
    assert leaked(text) == [] and "302室" not in text
    assert shown["address"] == "方庄街道" + (community.name if community else "")
    assert (shown["lat"], shown["long"]) == (39.87, 116.43)
    # with an api_key the rest is answered too, masked the same way
    key = ApiKey.objects.create(name="区大数据平台")
    keyed = client.get(f"/open311/v2/requests/{hotline.number}.json", {"api_key": key.key})
    assert keyed.status_code == 200 and "13700001111" not in keyed.content.decode()
    assert client.get("/open311/v2/requests.json", {"api_key": "forged"}).status_code == 403
