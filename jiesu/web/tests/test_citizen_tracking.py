"""Citizen tracking (issue 14, point 4): a random 查询码 per order; tail guessing locks the number's
tail lookups but not its owner (查询码, SMS code); limits per number and per client address."""

import json
import re

import pytest
from django.apps import apps
from django.test import override_settings

from jiesu.workorders.models import TRACKING_ALPHABET, TRACKING_LENGTH, WorkOrder

pytestmark = pytest.mark.django_db


def sent(outbox) -> list[dict]:
    return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()] if outbox.exists() else []


def test_every_order_gets_a_random_tracking_code(make_order):
    first, second = make_order(), make_order("第二件")
    for order in (first, second):
        assert len(order.tracking_code) == TRACKING_LENGTH and set(order.tracking_code) <= set(TRACKING_ALPHABET)
        assert order.tracking_code not in order.number
    assert first.tracking_code != second.tracking_code


def test_backfill_gives_existing_orders_a_code(make_order):
    import importlib

    migration = importlib.import_module("jiesu.workorders.migrations.0008_tracking_code")
    orders = [make_order(), make_order("第二件")]
    WorkOrder.objects.update(tracking_code=None)
    migration.backfill(apps, None)
    codes = set(WorkOrder.objects.values_list("tracking_code", flat=True))
    assert None not in codes and len(codes) == len(orders)


def test_submit_shows_and_texts_the_code(client, reference, sms_outbox):
    response = client.post(
        "/citizen/submit/",
        {"content": "路灯不亮", "address": "丰台路1号", "requester_phone": "13500005678"},
    )
    order = WorkOrder.objects.get()
    assert order.tracking_code in response.content.decode()
    messages = sent(sms_outbox)
    assert messages[-1]["phone"] == "13500005678" and order.tracking_code in messages[-1]["text"]


def test_track_by_code(client, make_order):
    order = make_order(requester_phone="13800001234")
    page = client.get("/citizen/track/", {"code": order.tracking_code.lower()})
    assert page.status_code == 200 and order.title in page.content.decode()
    assert "13800001234" not in page.content.decode()
    assert client.get("/citizen/track/", {"code": "ABCDEFGHJK"}).status_code == 404


def test_wrong_tails_do_not_lock_the_owner_out(client, make_order, sms_outbox):
    order = make_order(requester_phone="13800001234")
    for _ in range(5):  # someone guessing tails, from many addresses
        client.get("/citizen/track/", {"number": order.number, "tail": "0000"}, REMOTE_ADDR="198.51.100.1")
    locked = client.get("/citizen/track/", {"number": order.number, "tail": "1234"}, REMOTE_ADDR="192.0.2.7")
    assert locked.status_code == 429 and "短信验证码" in locked.content.decode()
    # the owner: with the 查询码 ...
    assert client.get("/citizen/track/", {"code": order.tracking_code}, REMOTE_ADDR="192.0.2.7").status_code == 200
    # ... or with an SMS code sent to the phone on record
    answer = client.post("/citizen/track/sms/", {"number": order.number}, REMOTE_ADDR="192.0.2.7")
    assert answer.status_code == 200 and "验证码已发送" in answer.content.decode()
    text = sent(sms_outbox)[-1]
    assert text["phone"] == "13800001234"
    code = re.search(r"验证码为(\d{6})", text["text"]).group(1)
    wrong = client.get("/citizen/track/", {"number": order.number, "sms_code": "000000"}, REMOTE_ADDR="192.0.2.7")
    assert wrong.status_code == 404
    page = client.get("/citizen/track/", {"number": order.number, "sms_code": code}, REMOTE_ADDR="192.0.2.7")
    assert page.status_code == 200 and order.title in page.content.decode()
    # a code works once
    again = client.get("/citizen/track/", {"number": order.number, "sms_code": code}, REMOTE_ADDR="192.0.2.7")
    assert again.status_code == 404


def test_sms_codes_are_limited_per_number_and_answer_the_same_for_unknown_numbers(client, make_order, sms_outbox):
    order = make_order()
    for attempt in range(3):
        assert (
            client.post("/citizen/track/sms/", {"number": order.number}, REMOTE_ADDR=f"10.0.0.{attempt}").status_code
            == 200
        )
    assert client.post("/citizen/track/sms/", {"number": order.number}, REMOTE_ADDR="10.0.0.9").status_code == 429
    assert len(sent(sms_outbox)) == 3
    unknown = client.post("/citizen/track/sms/", {"number": "FT000"}, REMOTE_ADDR="10.0.1.1")
    assert unknown.status_code == 200 and "验证码已发送" in unknown.content.decode()
    assert len(sent(sms_outbox)) == 3


def test_a_guessing_client_is_limited_across_numbers(client, make_order):
    orders = [make_order(f"第{i}件") for i in range(3)]
    for attempt in range(10):
        client.get("/citizen/track/", {"number": orders[attempt % 3].number, "tail": "0000"}, REMOTE_ADDR="203.0.113.5")
    blocked = client.get("/citizen/track/", {"code": orders[0].tracking_code}, REMOTE_ADDR="203.0.113.5")
    assert blocked.status_code == 429
    assert (
        client.get("/citizen/track/", {"code": orders[0].tracking_code}, REMOTE_ADDR="203.0.113.6").status_code == 200
    )


@override_settings(JIESU_TRUSTED_PROXY_COUNT=1)
def test_a_forged_forwarded_address_does_not_reset_the_client_limit(client, make_order):
    orders = [make_order(f"第{i}件") for i in range(3)]
    order = orders[0]
    for attempt in range(10):
        forged = f"192.0.2.{attempt}, 203.0.113.5"  # the client's own entries, then the proxy's
        client.get(
            "/citizen/track/",
            {"number": orders[attempt % 3].number, "tail": "0000"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forged,
        )
    blocked = client.get(
        "/citizen/track/",
        {"code": order.tracking_code},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5",
    )
    assert blocked.status_code == 429
    other = client.get(
        "/citizen/track/", {"code": order.tracking_code}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert other.status_code == 200


def test_rating_after_a_code_lookup_works_while_the_number_is_locked(client, make_order, users):
    from jiesu.web.tests.test_citizen import resolve

    order = make_order(requester_phone="13800001234")
    resolve(order, users)
    for _ in range(5):
        client.get("/citizen/track/", {"number": order.number, "tail": "0000"}, REMOTE_ADDR="198.51.100.1")
    forged = client.post(
        "/citizen/rate/", {"number": order.number, "tail": "1234", "satisfaction": "5"}, REMOTE_ADDR="198.51.100.2"
    )
    assert forged.status_code == 429
    rated = client.post(
        "/citizen/rate/",
        {"number": order.number, "code": order.tracking_code, "satisfaction": "5"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
