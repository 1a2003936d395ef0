"""The order's property project (物业项目): given at intake, proposed from the address, validated,
corrected later through an append-only event."""

import pytest

from jiesu.common.errors import Forbidden, InvalidInput
from jiesu.dispatch import locator
from jiesu.org.models import PropertyCompany, PropertyProject
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent

FZ, YAM = "110106013", "110106001"


@pytest.fixture
def projects(units):
    sun = PropertyCompany.objects.create(credit_code="91110106PPTEST001", name="阳光物业")
    green = PropertyCompany.objects.create(credit_code="91110106PPTEST002", name="翠林物业")
    made = {
        "sun": PropertyProject.objects.create(company=sun, name="阳光花园", street=units[FZ]),
        "green": PropertyProject.objects.create(company=green, name="翠林小区", street=units[FZ]),
        # The same compound name under two companies in two streets.
        "twin_fz": PropertyProject.objects.create(company=sun, name="和谐家园", street=units[FZ]),
        "twin_yam": PropertyProject.objects.create(company=green, name="和谐家园", street=units[YAM]),
    }
    locator.cache.clear()  # the gazetteer was built before these rows (or by another test)
    yield made
    locator.cache.clear()


def create_event(order):
    return WorkOrderEvent.objects.get(order=order, action="create")


@pytest.mark.django_db
def test_clerk_choice_is_stored_with_how_it_was_set(users, projects):
    order, created = services.create_order(
        user=users["agent"], content="楼道灯坏了", address="翠林小区3号楼", property_project=projects["sun"].pk
    )
    order.refresh_from_db()
    assert created and order.property_project == projects["sun"]  # the clerk's choice beats the address
    payload = create_event(order).payload
    assert payload["property_project"] == projects["sun"].pk and payload["property_project_by"] == "clerk"


@pytest.mark.django_db
def test_address_naming_a_project_links_it(users, projects):
    order, _ = services.create_order(user=users["agent"], content="电梯经常停运", address="丰台区方庄阳光花园5号楼")
    order.refresh_from_db()
    assert order.property_project == projects["sun"]
    payload = create_event(order).payload
    assert payload["property_project_by"] == "address_match"
    assert "阳光花园" in payload["property_match"]


@pytest.mark.django_db
def test_content_naming_a_project_links_it_when_no_address_does(users, projects):
    order, _ = services.create_order(user=users["agent"], content="翠林小区物业不清运垃圾", address="方庄路")
    order.refresh_from_db()
    assert order.property_project == projects["green"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "content"),
    [
        ("方庄路12号", "路灯不亮"),  # no project named
        ("阳光花园与翠林小区之间", "路面塌陷"),  # two projects: no guess
        ("和谐家园", "垃圾无人清运"),  # a name two companies share, street unknown
    ],
)
def test_no_link_without_a_single_confident_match(users, projects, address, content):
    order, _ = services.create_order(user=users["agent"], content=content, address=address)
    order.refresh_from_db()
    assert order.property_project is None
    assert "property_project" not in create_event(order).payload


@pytest.mark.django_db
def test_shared_name_is_told_apart_by_the_street(users, units, projects):
    order, _ = services.create_order(user=users["agent"], content="垃圾无人清运", address="和谐家园", street=units[YAM])
    order.refresh_from_db()
    assert order.property_project == projects["twin_yam"]


@pytest.mark.django_db
def test_project_of_another_street_is_not_proposed(users, units, projects):
    order, _ = services.create_order(user=users["agent"], content="噪音扰民", address="阳光花园", street=units[YAM])
    order.refresh_from_db()
    assert order.property_project is None


@pytest.mark.django_db
def test_clerk_who_cleared_the_proposal_gets_no_link(users, projects):
    order, _ = services.create_order(
        user=users["agent"], content="电梯停运", address="阳光花园5号楼", match_property_project=False
    )
    order.refresh_from_db()
    assert order.property_project is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "code"), [(987654, "property_project_not_found"), ("abc", "invalid_property_project")]
)
def test_unknown_project_is_refused_and_nothing_written(users, projects, value, code):
    with pytest.raises(InvalidInput) as refused:
        services.create_order(user=users["agent"], content="电梯停运", property_project=value)
    assert refused.value.code == code and "物业项目" in refused.value.message
    assert not WorkOrder.objects.exists() and not WorkOrderEvent.objects.exists()


@pytest.mark.django_db
def test_unknown_source_label_is_refused(users, projects):
    with pytest.raises(InvalidInput):
        services.create_order(
            user=users["agent"], content="电梯停运", property_project=projects["sun"], property_project_by="guess"
        )
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_handler_corrects_the_project_through_an_event(users, units, projects):
    order, _ = services.create_order(user=users["agent"], content="电梯停运", address="阳光花园5号楼")
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[FZ])
    version = WorkOrder.objects.get(pk=order.pk).version
    services.set_property_project(
        user=users["handler"], order_id=order.pk, property_project=projects["green"].pk, reason="现场核实为翠林小区"
    )
    order.refresh_from_db()
    assert order.property_project == projects["green"] and order.version == version + 1
    assert order.state == "dispatched"  # the state does not move
    event = order.events.get(action="set_property")
    assert event.payload["changed"]["property_project"] == [projects["sun"].pk, projects["green"].pk]
    assert event.payload["names"] == ["阳光花园", "翠林小区"] and event.reason == "现场核实为翠林小区"
    # Clearing is a correction too; the earlier events stay as they were.
    services.set_property_project(user=users["dispatcher"], order_id=order.pk, property_project=None)
    order.refresh_from_db()
    assert order.property_project is None
    assert list(order.events.filter(action="set_property").values_list("seq", flat=True)) == [3, 4]


@pytest.mark.django_db
def test_correction_refusals(users, units, projects):
    order, _ = services.create_order(user=users["agent"], content="电梯停运", address="阳光花园5号楼")
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[FZ])
    with pytest.raises(Forbidden):  # another unit's handler
        services.set_property_project(
            user=users["other_handler"], order_id=order.pk, property_project=projects["green"].pk
        )
    with pytest.raises(InvalidInput) as same:
        services.set_property_project(user=users["dispatcher"], order_id=order.pk, property_project=projects["sun"].pk)
    assert same.value.code == "no_change"
    with pytest.raises(InvalidInput) as unknown:
        services.set_property_project(user=users["dispatcher"], order_id=order.pk, property_project=999999)
    assert unknown.value.code == "property_project_not_found"
    assert not order.events.filter(action="set_property").exists()


def test_matcher_prefers_the_address_and_explains(db, projects):
    found = locator.match_project(address="方庄路", text="阳光花园的电梯坏了")
    assert found.project_id == projects["sun"].pk and found.source == "text" and found.confident
    found = locator.match_project(address="翠林小区", text="阳光花园的电梯坏了")
    assert found.project_id == projects["green"].pk and found.source == "address"
    assert not locator.match_project(address="方庄路").confident
