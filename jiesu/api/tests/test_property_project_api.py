"""The order's property project through the API: given, matched, refused, returned, corrected."""

import pytest

from jiesu.api.tests.test_orders_api import NEW, assert_error, client_for
from jiesu.dispatch import locator
from jiesu.org.models import PropertyCompany, PropertyProject
from jiesu.workorders.models import WorkOrder, WorkOrderEvent


@pytest.fixture
def projects(units):
    company = PropertyCompany.objects.create(credit_code="91110106APITEST01", name="阳光物业")
    made = {
        "sun": PropertyProject.objects.create(company=company, name="阳光花园", street=units["110106013"]),
        "moon": PropertyProject.objects.create(company=company, name="月亮湾小区", street=units["110106013"]),
    }
    locator.cache.clear()
    yield made
    locator.cache.clear()


@pytest.mark.django_db
def test_create_with_property_project_returns_it(users, projects):
    response = client_for(users["agent"]).post(
        "/api/v1/orders", {**NEW, "property_project": projects["sun"].pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["property_project"] == {
        "id": projects["sun"].pk,
        "name": "阳光花园",
        "company_id": projects["sun"].company_id,
        "company_name": "阳光物业",
    }
    detail = client_for(users["agent"]).get(f"/api/v1/orders/{body['id']}").json()
    assert detail["property_project"]["name"] == "阳光花园"


@pytest.mark.django_db
def test_create_matches_the_address_and_says_so(users, projects):
    body = (
        client_for(users["agent"])
        .post("/api/v1/orders", {**NEW, "address": "方庄月亮湾小区8号楼"}, format="json")
        .json()
    )
    assert body["property_project"]["id"] == projects["moon"].pk
    create = next(e for e in body["events"] if e["action"] == "create")
    assert create["payload"]["property_project_by"] == "address_match"


@pytest.mark.django_db
def test_create_without_project_gives_null(users, projects):
    body = client_for(users["agent"]).post("/api/v1/orders", NEW, format="json").json()
    assert body["property_project"] is None


@pytest.mark.django_db
def test_unknown_project_is_a_stable_error_and_nothing_is_written(users, projects):
    response = client_for(users["agent"]).post("/api/v1/orders", {**NEW, "property_project": 999999}, format="json")
    body = assert_error(response, 400, "property_project_not_found")
    assert "物业项目" in body["message"]
    assert not WorkOrder.objects.exists() and not WorkOrderEvent.objects.exists()


@pytest.mark.django_db
def test_set_property_action_corrects_and_clears(users, projects):
    client = client_for(users["agent"])
    order_id = client.post("/api/v1/orders", {**NEW, "address": "阳光花园"}, format="json").json()["id"]
    dispatcher = client_for(users["dispatcher"])
    body = dispatcher.post(
        f"/api/v1/orders/{order_id}/actions/set_property",
        {"property_project": projects["moon"].pk, "reason": "核实为月亮湾"},
        format="json",
    )
    assert body.status_code == 200, body.content
    assert body.json()["property_project"]["name"] == "月亮湾小区"
    cleared = dispatcher.post(
        f"/api/v1/orders/{order_id}/actions/set_property", {"property_project": None}, format="json"
    ).json()
    assert cleared["property_project"] is None
    assert_error(
        dispatcher.post(f"/api/v1/orders/{order_id}/actions/set_property", {"property_project": 999999}, format="json"),
        400,
        "property_project_not_found",
    )
