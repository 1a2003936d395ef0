"""Red/black list of property companies, the ranking API and rule validation."""

import pytest
from rest_framework.test import APIClient

from jiesu.assessment import selectors
from jiesu.assessment.rules import parse_month, parse_rules
from jiesu.assessment.services import load_rule_file, save_rule_version
from jiesu.assessment.tests.flows import at, handled
from jiesu.common.errors import InvalidInput
from jiesu.dispatch import locator
from jiesu.org.models import PropertyCompany, PropertyProject
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrderEvent

FZ, YAM = "110106013", "110106001"


def link(order, project):
    # A correction after the fact, as a dispatcher would make it (the order is closed by now).
    services.set_property_project(user=None, order_id=order.pk, property_project=project)


@pytest.fixture
def projects(units):
    fz = units[FZ]
    made = {}
    for code, company, project in [
        ("A", "阳光物业", "阳光花园"),
        ("B", "翠林物业", "翠林小区"),
        ("C", "芳城物业", "芳城园"),
    ]:
        c = PropertyCompany.objects.create(credit_code=f"91110106TEST000{code}", name=company)
        made[code] = PropertyProject.objects.create(company=c, name=project, street=fz)
    locator.cache.clear()  # the matcher's names must include these projects
    yield made
    locator.cache.clear()


def rb_rule(rules, name, **red_black):
    doc = {**rules["huairou-2021"].rules}
    doc["red_black"] = {"min_orders": 2, "top_n": 1, "red_min_score": 90, "black_max_score": 80, **red_black}
    return save_rule_version(version=name, name=name, effective_from="2099-01", rules=doc).version


@pytest.mark.django_db
def test_red_and_black_lists_by_company_and_project(rules, units, projects):
    fz = units[FZ]
    for day in (3, 4, 5):
        link(handled(fz, when=at(day)), projects["A"])  # all solved, 非常满意
    for day in (3, 4):
        link(handled(fz, when=at(day), solved=False, satisfaction=1), projects["B"])
    link(handled(fz, when=at(6)), projects["C"])  # one order: under the minimum volume
    board = selectors.red_black_list(month="2025-03", rule_version=rb_rule(rules, "rb-test"))
    assert [(r.name, r.received, r.score) for r in board.companies.red] == [("阳光物业", 3, 100.0)]
    assert [(r.name, r.received, r.score) for r in board.companies.black] == [("翠林物业", 2, 0.0)]
    assert [r.name for r in board.companies.all] == ["阳光物业", "翠林物业"]
    assert [(r.name, r.company_name) for r in board.projects.red] == [("阳光花园", "阳光物业")]
    assert board.projects.black[0].resolution_rate == 0.0
    # With the default minimum (5 orders) nobody qualifies.
    default = selectors.red_black_list(month="2025-03")
    assert default.companies.red == [] and default.companies.black == []


@pytest.mark.django_db
def test_orders_without_link_can_be_matched_by_project_name(rules, units, projects):
    fz = units[FZ]
    link(handled(fz, when=at(3), solved=False, satisfaction=1), projects["B"])
    # An order whose link was refused at intake (the clerk cleared the proposal): only the
    # rule's name matching counts it.
    handled(fz, when=at(4), solved=False, satisfaction=2, address="丰台区翠林小区3号楼", match_property_project=False)
    plain = selectors.red_black_list(month="2025-03", rule_version=rb_rule(rules, "rb-fk"))
    assert plain.companies.all == []  # one linked order < minimum 2
    matched = selectors.red_black_list(month="2025-03", rule_version=rb_rule(rules, "rb-names", match_names=True))
    assert [(r.name, r.received) for r in matched.companies.black] == [("翠林物业", 2)]


@pytest.mark.django_db
def test_red_black_list_fed_by_intake(rules, units, projects):
    """Orders created through the service: linked by the clerk's choice or by the address."""
    fz = units[FZ]
    handled(fz, when=at(3), address="方庄阳光花园2号楼")  # matched from the address
    handled(fz, when=at(4), title="阳光花园电梯停运", address="")  # matched from the text
    handled(fz, when=at(5), property_project=projects["A"].pk)  # chosen by the clerk
    for day in (6, 7):
        handled(fz, when=at(day), solved=False, satisfaction=1, address="翠林小区门口")
    handled(fz, when=at(8), address="方庄路")  # names no project: not on the list
    by = sorted(
        WorkOrderEvent.objects.filter(action="create", order__property_project__isnull=False).values_list(
            "payload__property_project_by", flat=True
        )
    )
    assert by == ["address_match"] * 4 + ["clerk"]
    board = selectors.red_black_list(month="2025-03", rule_version=rb_rule(rules, "rb-intake"))
    assert [(r.name, r.received, r.score) for r in board.companies.red] == [("阳光物业", 3, 100.0)]
    assert [(r.name, r.received, r.score) for r in board.projects.black] == [("翠林小区", 2, 0.0)]


@pytest.mark.django_db
def test_api_ranking_with_rule_version(rules, units, users):
    handled(units[FZ], when=at(3))
    handled(units[YAM], when=at(3), solved=False)
    client = APIClient()
    client.force_authenticate(users["district_leader"])
    body = client.get("/api/v1/assessment/2025-03?kind=street").json()
    assert body["rule"]["version"] == "huairou-2021"
    assert body["published"] is False
    assert [(r["unit_code"], r["rank"]) for r in body["results"][:2]] == [(FZ, 1), (YAM, 2)]
    assert body["results"][0]["composite"] == 100.0
    other = client.get("/api/v1/assessment/2025-03?kind=street&rule=weighted-2025").json()
    assert other["rule"]["version"] == "weighted-2025"
    dept = client.get("/api/v1/assessment/2025-03?kind=department").json()
    assert all(r["unit_kind"] == "department" for r in dept["results"])


@pytest.mark.django_db
def test_api_errors(rules, users):
    client = APIClient()
    assert client.get("/api/v1/assessment/2025-03").status_code in (401, 403)
    client.force_authenticate(users["district_leader"])
    cases = [
        ("/api/v1/assessment/2025-13", 400, "bad_month"),
        ("/api/v1/assessment/202503", 400, "bad_month"),
        ("/api/v1/assessment/2025-03?kind=grid", 400, "bad_kind"),
        ("/api/v1/assessment/2025-03?rule=v999", 404, "rule_not_found"),
    ]
    for url, status, code in cases:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.json()["code"] == code
        assert response.json()["message"]


@pytest.mark.django_db
def test_a_unit_user_sees_the_whole_ranking(rules, units, users):
    handled(units[FZ], when=at(3))
    handled(units[YAM], when=at(3))
    client = APIClient()
    client.force_authenticate(users["handler"])  # 方庄街道
    body = client.get("/api/v1/assessment/2025-03").json()
    assert {FZ, YAM} <= {r["unit_code"] for r in body["results"] if r["rank"]}


def test_rule_documents_are_validated():
    month = parse_month("2025-01")
    bad_docs = [
        {"weights": {"response": 0.5, "resolution": 0.5, "satisfaction": 0.5}},
        {"satisfaction_weights": {6: 1}},
        {"satisfaction_weights": {3: 1.5}},
        {"response": {"numerator": "sometimes"}},
        {"cycle": {"boundary_day": 31}},
        {"unknown_item": 1},
        {"watch_list": {"kinds": ["grid"]}},
    ]
    for doc in bad_docs:
        with pytest.raises(InvalidInput) as err:
            parse_rules(version="x", effective_from=month, doc=doc)
        assert err.value.code == "invalid_rule", doc
    rules = parse_rules(version="x", effective_from=month, doc={})
    assert rules.weights == {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}
    assert rules.satisfaction_weights[3] == 0.9


def test_cycle_windows():
    rules = parse_rules(
        version="x", effective_from=parse_month("2025-01"), doc={"cycle": {"boundary_day": 18, "boundary_hour": 12}}
    )
    start, end = rules.cycle.window(parse_month("2025-01"))
    assert (start.year, start.month, start.day, start.hour) == (2024, 12, 18, 12)
    assert (end.month, end.day, end.hour) == (1, 18, 12)
    calendar = parse_rules(version="y", effective_from=parse_month("2025-01"), doc={})
    start, end = calendar.cycle.window(parse_month("2025-12"))
    assert (start.month, start.day, end.year, end.month, end.day) == (12, 1, 2026, 1, 1)


@pytest.mark.django_db
def test_a_rule_file_without_rules_is_refused(reference, tmp_path):
    bad = tmp_path / "rules-bad.yaml"
    bad.write_text("version: bad\nname: x\n", encoding="utf-8")
    with pytest.raises(InvalidInput):
        load_rule_file(path=bad)


@pytest.mark.django_db
def test_admin_validates_a_rule_version(reference):
    from django.core.exceptions import ValidationError

    from jiesu.assessment.models import RuleVersion

    bad = RuleVersion(
        version="bad",
        name="坏规则",
        effective_from=parse_month("2025-01"),
        rules={"weights": {"response": 0.9, "resolution": 0.5, "satisfaction": 0.4}},
    )
    with pytest.raises(ValidationError) as err:
        bad.full_clean()
    assert "权重之和须为 1" in str(err.value)
    mid_month = RuleVersion(version="mid", name="月中", effective_from=parse_month("2025-01").replace(day=15), rules={})
    with pytest.raises(ValidationError):
        mid_month.full_clean()
