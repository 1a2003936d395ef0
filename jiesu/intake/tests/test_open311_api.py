"""Every Open311 endpoint and error, in JSON and XML, each answer checked against the spec's shape."""

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.utils import timezone

from jiesu.intake.models import Open311Submission
from jiesu.intake.tests.open311_shapes import check_json, check_xml
from jiesu.workorders import services
from jiesu.workorders.models import Channel, State, WorkOrder

BASE = "/open311/v2"


def get_json(client, path, kind, expect=200, **params):
    response = client.get(f"{BASE}/{path}.json", params)
    assert response.status_code == expect, response.content.decode()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content.decode("utf-8"))
    check_json(kind, data)
    return data


def get_xml(client, path, root, expect=200, **params):
    response = client.get(f"{BASE}/{path}.xml", params)
    assert response.status_code == expect, response.content.decode()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return check_xml(root, response.content)


def post_form(client, data, fmt="json"):
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_discovery(client, db):
    data = get_json(client, "discovery", "discovery")
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2"
    root = get_xml(client, "discovery", "discovery")
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_are_level2_categories_grouped_by_level1(client, reference):
    data = get_json(client, "services", "services")
    by_code = {s["service_code"]: s for s in data}
    assert by_code["01.02"]["service_name"] == "城市建设和市政管理"
    assert by_code["01.02"]["group"] == "城乡建设"
    assert "城市公共设施" in by_code["01.02"]["keywords"].split(", ")
    assert all(code.count(".") == 1 for code in by_code)
    root = get_xml(client, "services", "services")
    assert len(root) == len(data)


def test_service_definition(client, reference):
    data = get_json(client, "services/01.02", "service_definition")
    attributes = {a["code"]: a for a in data["attributes"]}
    assert {"singlevaluelist", "string", "datetime", "number"} == {a["datatype"] for a in attributes.values()}
    assert {"key": "01.02.04", "name": "城市公共设施"} in attributes["subcategory"]["values"]
    root = get_xml(client, "services/01.02", "service_definition")
    assert root.find("service_code").text == "01.02"


def test_unknown_service_is_404(client, reference):
    errors = get_json(client, "services/99.99", "errors", expect=404)
    assert errors[0]["code"] == "service_not_found"
    get_xml(client, "services/99.99", "errors", expect=404)


def test_wrong_jurisdiction_is_404_and_right_one_is_accepted(client, reference):
    errors = get_json(client, "services", "errors", expect=404, jurisdiction_id="sfgov.org")
    assert errors[0]["code"] == "jurisdiction_not_found" and "jurisdiction_id" in errors[0]["description"]
    get_json(client, "services", "services", jurisdiction_id="fengtai.bj.cn")


def test_format_negotiation(client, reference):
    assert client.get(f"{BASE}/services")["Content-Type"].startswith("text/xml")
    answer = client.get(f"{BASE}/services", HTTP_ACCEPT="application/json")
    assert answer["Content-Type"].startswith("application/json")
    missing = client.get(f"{BASE}/services.csv")
    assert missing.status_code == 404


def test_requests_map_states_units_deadlines_and_hide_personal_data(client, orders):
    data = get_json(client, "requests", "service_requests")
    by_id = {r["service_request_id"]: r for r in data}
    received = by_id[orders["received"].number]
    working = by_id[orders["working"].number]
    closed = by_id[orders["closed"].number]
    assert received["status"] == "open" and received["agency_responsible"] is None
    assert "138****5678" in received["description"] and "13812345678" not in json.dumps(data)
    assert working["status"] == "open" and working["agency_responsible"] == "方庄街道"
    order = WorkOrder.objects.get(pk=orders["working"].pk)
    assert working["expected_datetime"] == timezone.localtime(order.handling_due).isoformat(timespec="seconds")
    assert working["expected_datetime"].endswith("+08:00") and working["requested_datetime"].endswith("+08:00")
    assert closed["status"] == "closed" and "归档" in closed["status_notes"]
    last = order.events.order_by("-seq").first()
    assert working["updated_datetime"] == timezone.localtime(last.at).isoformat(timespec="seconds")
    assert "王五" not in json.dumps(data, ensure_ascii=False)
    root = get_xml(client, "requests", "service_requests")
    assert {r.find("service_request_id").text for r in root} == set(by_id)


def test_requests_filters(client, orders):
    closed = get_json(client, "requests", "service_requests", status="closed")
    assert [r["service_request_id"] for r in closed] == [orders["closed"].number]
    open_ = get_json(client, "requests", "service_requests", status="open")
    assert {r["service_request_id"] for r in open_} == {orders["received"].number, orders["working"].number}
    assert get_json(client, "requests", "service_requests", service_code="01.01") == []
    assert len(get_json(client, "requests", "service_requests", service_code="01.01,01.02")) == 3
    ids = f"{orders['closed'].number},{orders['received'].number}"
    # service_request_id overrides every other argument
    assert len(get_json(client, "requests", "service_requests", service_request_id=ids, status="open")) == 2
    now = timezone.localtime()
    recent = get_json(
        client,
        "requests",
        "service_requests",
        start_date=(now - dt.timedelta(days=1)).isoformat(),
        end_date=now.isoformat(),
    )
    assert orders["received"].number not in {r["service_request_id"] for r in recent}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "date_range_too_long"),
        ({"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "invalid_date_range"),
        ({"start_date": "yesterday"}, "invalid_datetime"),
        ({"status": "pending"}, "invalid_status"),
    ],
)
def test_requests_bad_queries_are_400(client, reference, params, code):
    errors = get_json(client, "requests", "errors", expect=400, **params)
    assert errors[0]["code"] == code
    get_xml(client, "requests", "errors", expect=400, **params)


def test_default_window_is_90_days_and_1000_rows(client, users):
    old, _ = services.create_order(
        user=users["agent"], content="很久以前", at=timezone.now() - dt.timedelta(days=91), channel=Channel.WEB
    )
    services.create_order(user=users["agent"], content="最近的", channel=Channel.WEB)
    numbers = {r["service_request_id"] for r in get_json(client, "requests", "service_requests")}
    assert old.number not in numbers and len(numbers) == 1
    with override_settings(JIESU_OPEN311={"max_requests": 1}):
        services.create_order(user=users["agent"], content="又一个", channel=Channel.WEB)
        assert len(get_json(client, "requests", "service_requests")) == 1


def test_single_request_and_404(client, orders):
    data = get_json(client, f"requests/{orders['working'].number}", "service_requests")
    assert len(data) == 1 and data[0]["service_request_id"] == orders["working"].number
    get_xml(client, f"requests/{orders['working'].number}", "service_requests")
    errors = get_json(client, "requests/FT0000", "errors", expect=404)
    assert errors[0]["code"] == "request_not_found"


def test_post_creates_an_ordinary_order_that_dispatch_can_take(client, api_key, users, units):
    answer = post_form(
        client,
        {
            "api_key": api_key.key,
            "jurisdiction_id": "fengtai.bj.cn",
            "service_code": "01.02",
            "lat": "39.8656",
            "long": "116.4312",
            "address_string": "方庄芳城园一区",
            "first_name": "三",
            "last_name": "张",
            "phone": "13900001111",
            "email": "zhang@example.com",
            "device_id": "dev-1",
            "account_id": "acc-9",
            "description": "路灯不亮\n已经三天",
            "media_url": "https://example.com/p.jpg",
            "attribute[subcategory]": "01.02.04",
            "attribute[occurred_at]": "2026-11-20T20:00:00+08:00",
            "attribute[affected_households]": "12",
        },
    )
    assert answer.status_code == 200, answer.content.decode()
    data = json.loads(answer.content)
    check_json("created", data)
    order = WorkOrder.objects.get(number=data[0]["service_request_id"])
    assert data[0]["account_id"] == "acc-9"
    assert order.channel == Channel.OPEN311 and order.state == State.RECEIVED
    assert order.category.code == "01.02.04" and order.content == "路灯不亮\n已经三天"
    assert order.requester_name == "张三" and order.requester_phone == "13900001111"
    assert (order.lat, order.lng) == (39.8656, 116.4312)
    assert order.occurred_at == dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
    create = order.events.get()
    assert create.action == "create" and create.actor_id is None and create.payload["channel"] == "open311"
    submission = Open311Submission.objects.get(order=order)
    assert submission.email == "zhang@example.com" and submission.attributes["affected_households"] == 12
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])
    shown = get_json(client, f"requests/{order.number}", "service_requests")[0]
    assert shown["agency_responsible"] == "方庄街道" and shown["media_url"] == "https://example.com/p.jpg"
    assert "张三" not in json.dumps(shown, ensure_ascii=False) and "13900001111" not in json.dumps(shown)


def test_post_xml_answer(client, api_key, reference):
    answer = post_form(
        client, {"api_key": api_key.key, "service_code": "01.02", "address_string": "丰台路", "description": "x"}, "xml"
    )
    root = check_xml("service_requests", answer.content, request_kind="created")
    assert WorkOrder.objects.filter(number=root.find("request/service_request_id").text).exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"api_key": ""}, 403, "api_key_missing"),
        ({"api_key": "wrong"}, 403, "api_key_invalid"),
        ({"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_not_found"),
        ({"service_code": ""}, 400, "service_code_missing"),
        ({"service_code": "42.42"}, 404, "service_not_found"),
        ({"address_string": ""}, 400, "location_required"),
        ({"lat": "39.8"}, 400, "invalid_location"),
        ({"lat": "139.8", "long": "116.4"}, 400, "invalid_location"),
        ({"address_id": "nowhere"}, 400, "address_id_not_found"),
        ({"description": ""}, 400, "description_required"),
        ({"description": "长" * 4001}, 400, "description_too_long"),
        ({"attribute[colour]": "red"}, 400, "attribute_unknown"),
        ({"attribute[subcategory]": "09.09.09"}, 400, "attribute_invalid"),
        ({"attribute[affected_households]": "many"}, 400, "attribute_invalid"),
        ({"attribute[occurred_at]": "last week"}, 400, "invalid_datetime"),
        ({"attribute[title]": "x" * 201}, 400, "attribute_too_long"),
        ({"email": "not-an-email"}, 400, "invalid_email"),
        ({"media_url": "ftp://x/y"}, 400, "invalid_media_url"),
        ({"phone": "abc"}, 400, "invalid_phone"),
    ],
)
def test_post_errors(client, api_key, reference, change, status, code):
    form = {"api_key": api_key.key, "service_code": "01.02", "address_string": "丰台路1号", "description": "垃圾未清运"}
    form.update(change)
    for fmt in ("json", "xml"):
        answer = post_form(client, form, fmt)
        assert answer.status_code == status, answer.content.decode()
        if fmt == "json":
            errors = json.loads(answer.content)
            check_json("errors", errors)
            assert code in [e["code"] for e in errors]
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["description"]) for e in errors)
        else:
            check_xml("errors", answer.content)
    assert not WorkOrder.objects.exists()


def test_post_reports_several_problems_at_once(client, api_key, reference):
    answer = post_form(client, {"api_key": api_key.key, "service_code": "01.02"})
    codes = [e["code"] for e in json.loads(answer.content)]
    assert answer.status_code == 400 and {"location_required", "description_required"} <= set(codes)


def test_inactive_key_is_refused(client, api_key, reference):
    api_key.is_active = False
    api_key.save()
    answer = post_form(
        client, {"api_key": api_key.key, "service_code": "01.02", "address_string": "a", "description": "b"}
    )
    assert answer.status_code == 403


def test_method_not_allowed_is_400(client, reference):
    answer = client.post(f"{BASE}/services.json")
    assert answer.status_code == 400 and json.loads(answer.content)[0]["code"] == "method_not_allowed"


def test_tokens_with_direct_ids_and_with_token_mode(client, api_key, reference):
    form = {"api_key": api_key.key, "service_code": "01.02", "address_string": "a", "description": "b"}
    number = json.loads(post_form(client, form).content)[0]["service_request_id"]
    data = get_json(client, f"tokens/{number}", "token")
    assert data[0]["service_request_id"] == number
    with override_settings(JIESU_OPEN311={"return_token": True}):
        created = json.loads(post_form(client, form).content)
        check_json("created", created)
        assert "service_request_id" not in created[0]
        token = created[0]["token"]
        assert all(s["type"] == "batch" for s in get_json(client, "services", "services"))
    data = get_json(client, f"tokens/{token}", "token")
    assert data == [{"service_request_id": Open311Submission.objects.get(token=token).order.number, "token": token}]
    check_xml("service_requests", client.get(f"{BASE}/tokens/{token}.xml").content, request_kind="token")
    assert get_json(client, "tokens/nope", "errors", expect=404)[0]["code"] == "token_not_found"


def test_xml_stays_well_formed_with_control_characters(client, users):
    # The services refuse control characters now (jiesu.common.validation); rows written before may hold them.
    order, _ = services.create_order(user=users["agent"], content="导入的文本", channel=Channel.WEB)
    WorkOrder.objects.filter(pk=order.pk).update(content="导入的文本\x0b带控制字符\x01")
    root = get_xml(client, f"requests/{order.number}", "service_requests")
    assert root.find("request/description").text == "导入的文本带控制字符"
