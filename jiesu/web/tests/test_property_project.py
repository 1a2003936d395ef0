"""The 物业项目 field of the intake form: type-ahead, proposal from the address, clearing; the
correction on the order page."""

import pytest

from jiesu.dispatch import locator
from jiesu.org.models import PropertyCompany, PropertyProject
from jiesu.web.tests.test_pages import login
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent


@pytest.fixture
def projects(units):
    sun = PropertyCompany.objects.create(credit_code="91110106WEBTEST01", name="阳光物业")
    green = PropertyCompany.objects.create(credit_code="91110106WEBTEST02", name="翠林物业")
    made = {
        "sun": PropertyProject.objects.create(company=sun, name="阳光花园", street=units["110106013"]),
        "green": PropertyProject.objects.create(company=green, name="翠林小区", street=units["110106001"]),
    }
    locator.cache.clear()
    yield made
    locator.cache.clear()


def form(**extra):
    return {"content": "电梯停运两天了", "requester_phone": "13911112222", "urgency": "general", **extra}


@pytest.mark.django_db
def test_intake_page_has_the_field(client, users, projects):
    page = login(client, users["agent"]).get("/intake/").content.decode()
    assert 'id="project-search"' in page and 'name="property_project"' in page and "物业项目" in page


@pytest.mark.django_db
def test_type_ahead_searches_name_company_and_street(client, users, projects):
    client = login(client, users["agent"])
    by_name = client.get("/intake/projects/", {"property_project_label": "阳光"}).content.decode()
    assert "阳光花园 · 阳光物业 · 方庄街道" in by_name and f'data-id="{projects["sun"].pk}"' in by_name
    by_company = client.get("/intake/projects/", {"property_project_label": "翠林物业"}).content.decode()
    assert "翠林小区" in by_company and "阳光花园" not in by_company
    by_street = client.get("/intake/projects/", {"property_project_label": "右安门"}).content.decode()
    assert "翠林小区" in by_street and "阳光花园" not in by_street
    # The label of a chosen option finds that option again (the type-ahead re-asks on every key).
    label = "翠林小区 · 翠林物业 · 右安门街道"
    again = client.get("/intake/projects/", {"property_project_label": label}).content.decode()
    assert f'value="{label}"' in again and "阳光花园" not in again


@pytest.mark.django_db
def test_address_proposes_the_project_which_the_clerk_can_clear(client, users, projects):
    client = login(client, users["agent"])
    proposal = client.post("/intake/project-proposal/", form(address="方庄阳光花园3号楼")).content.decode()
    assert "根据地址匹配" in proposal and f'value="{projects["sun"].pk}"' in proposal
    assert 'name="property_project_by" id="project-by" value="address_match"' in proposal
    # A clerk who cleared the field (or chose another) is not overridden by a new proposal.
    kept = client.post(
        "/intake/project-proposal/", form(address="方庄阳光花园3号楼", property_project_by="cleared")
    ).content.decode()
    assert "根据地址匹配" not in kept and "已清除" in kept
    nothing = client.post("/intake/project-proposal/", form(address="方庄路")).content.decode()
    assert "根据地址匹配" not in nothing


@pytest.mark.django_db
def test_saving_keeps_the_proposal_or_the_clerks_choice_or_the_clearing(client, users, projects):
    client = login(client, users["agent"])
    sun, green = projects["sun"], projects["green"]
    client.post(
        "/intake/",
        form(address="阳光花园", property_project=sun.pk, property_project_by="address_match", client_ref="r1"),
    )
    client.post(
        "/intake/", form(address="阳光花园", property_project=green.pk, property_project_by="clerk", client_ref="r2")
    )
    client.post("/intake/", form(address="阳光花园", property_project_by="cleared", client_ref="r3"))
    by_ref = {o.client_ref: o for o in WorkOrder.objects.all()}
    assert by_ref["r1"].property_project == sun and by_ref["r2"].property_project == green
    assert by_ref["r3"].property_project is None
    how = {
        e.order.client_ref: e.payload.get("property_project_by")
        for e in WorkOrderEvent.objects.filter(action="create").select_related("order")
    }
    assert how == {"r1": "address_match", "r2": "clerk", "r3": None}


@pytest.mark.django_db
def test_typed_name_not_picked_from_the_list_is_refused(client, users, projects):
    response = login(client, users["agent"]).post(
        "/intake/", form(property_project_label="不存在的小区", property_project_by="clerk", client_ref="r4")
    )
    body = response.content.decode()
    assert response.status_code == 400 and "请从下拉列表中选择" in body and "不存在的小区" in body
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_unknown_project_id_is_refused_in_chinese(client, users, projects):
    response = login(client, users["agent"]).post("/intake/", form(property_project="999999", client_ref="r5"))
    assert response.status_code == 400 and "物业项目（编号 999999）不存在" in response.content.decode()
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_handler_corrects_on_the_order_page(client, users, units, projects):
    order, _ = services.create_order(user=users["agent"], content="电梯停运", address="阳光花园")
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])
    client = login(client, users["handler"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-action="set_property"' in page and "阳光花园" in page
    response = client.post(
        f"/orders/{order.pk}/act/set_property/",
        {"property_project_label": "翠林小区 · 翠林物业 · 右安门街道", "reason": "核实"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.property_project == projects["green"]
    bad = client.post(f"/orders/{order.pk}/act/set_property/", {"property_project_label": "没有这个"})
    assert bad.status_code == 400 and "请从下拉列表中选择" in bad.content.decode()
