"""Clients nobody here wrote: the PyPI `georeport` package reads our services, service
definition and requests in JSON and XML; POST goes through `requests` exactly as the spec's
example sends it (application/x-www-form-urlencoded, attribute[code]=value)."""

import pytest
import requests
from georeport import GeoReport

from jiesu.intake.tests.open311_shapes import check_json, check_xml
from jiesu.workorders.models import Channel, WorkOrder

pytestmark = pytest.mark.django_db(transaction=True)


def _post(live_server, api_key, fmt="json"):
    body = (
        f"api_key={api_key.key}&jurisdiction_id=fengtai.bj.cn&service_code=01.02&lat=39.8656&long=116.4312"
        "&address_string=%E6%96%B9%E5%BA%84%E8%8A%B3%E5%9F%8E%E5%9B%AD&email=smit333%40example.com"
        "&device_id=tt222111&account_id=123456&first_name=%E4%B8%89&last_name=%E5%BC%A0&phone=13900001111"
        "&description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE&media_url=http%3A%2F%2Fexample.com%2F1.jpg"
        "&attribute[subcategory]=01.02.04&attribute[affected_households]=3"
    )
    return requests.post(
        f"{live_server.url}/open311/v2/requests.{fmt}",
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=30,
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_definitions_and_requests(live_server, reference, api_key, fmt):
    answer = _post(live_server, api_key, fmt)
    assert answer.status_code == 200, answer.text
    if fmt == "json":
        check_json("created", answer.json())
        number = answer.json()[0]["service_request_id"]
    else:
        number = (
            check_xml("service_requests", answer.content, request_kind="created")
            .find("request/service_request_id")
            .text
        )
    order = WorkOrder.objects.get(number=number)
    assert order.channel == Channel.OPEN311 and order.category.code == "01.02.04"

    client = GeoReport(f"{live_server.url}/open311/v2", jurisdiction="fengtai.bj.cn", output_format=fmt)
    services = client.get_service_list()
    lights = next(s for s in services if s["service_code"] == "01.02")
    assert lights["group"] == "城乡建设" and lights["service_name"] == "城市建设和市政管理"
    assert str(lights["metadata"]).lower() == "true"

    definition = client.get_service_definition("01.02")
    assert definition["service_code"] == "01.02"
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    subcategory = next(a for a in attributes if a["code"] == "subcategory")
    values = subcategory["values"] if fmt == "json" else subcategory["values"]["value"]
    assert {"key": "01.02.04", "name": "城市公共设施"} in [dict(v) for v in values]

    found = client.get_service_requests(service_code="01.02", status="open")
    found = found if isinstance(found, list) else [found]  # xmltodict: one <request> is a dict
    assert [r["service_request_id"] for r in found] == [number]
    one = client.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["requested_datetime"].endswith("+08:00")
    assert one["description"] == "路灯不亮"
    assert "13900001111" not in str(one) and "张三" not in str(one)


def test_post_without_key_gets_spec_error(live_server, reference):
    answer = requests.post(
        f"{live_server.url}/open311/v2/requests.xml",
        data="service_code=01.02&address_string=x&description=y",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=30,
    )
    assert answer.status_code == 403
    root = check_xml("errors", answer.content)
    assert root.find("error/code").text == "api_key_missing"
