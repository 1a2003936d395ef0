from pathlib import Path

import pytest
from django.conf import settings

from jiesu.org.models import ResponsibilityRule, Unit, UnitKind
from jiesu.org.selectors import local_units, responsible_units
from jiesu.org.services import load_org
from jiesu.workorders.models import Category

DATA = Path(settings.BASE_DIR) / "data" / "org"


@pytest.mark.django_db
def test_the_26_streets_and_towns_with_official_codes(reference):
    streets = list(local_units())
    assert len(streets) == 26
    codes = {u.code: u.name for u in streets}
    assert codes["110106001"] == "右安门街道" and codes["110106101"] == "王佐镇"
    assert "110106019" not in codes  # no such code in this NBS release
    assert {u.kind for u in streets} == {UnitKind.STREET, UnitKind.TOWN}
    assert Unit.objects.filter(kind=UnitKind.TOWN).count() == 2


@pytest.mark.django_db
def test_loading_twice_changes_nothing(reference):
    before = (Unit.objects.count(), ResponsibilityRule.objects.count())
    result = load_org(data_dir=DATA)
    assert (Unit.objects.count(), ResponsibilityRule.objects.count()) == before
    assert result.units == before[0]


@pytest.mark.django_db
def test_departments_named_in_the_domain_exist(reference):
    short_names = set(Unit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("short_name", flat=True))
    for name in [
        "区住建委",
        "区城管委",
        "区房管局",
        "区园林绿化局",
        "区生态环境局",
        "区水务局",
        "区民政局",
        "区教委",
        "区文旅局",
        "区市场监管局",
        "区交通支队",
        "区应急管理局",
        "南中轴地区管委会",
        "区规自分局",
        "区发展改革委",
    ]:
        assert name in short_names


@pytest.mark.django_db
def test_responsibility_most_specific_rule_wins(reference):
    street = Unit.objects.get(code="110106013")
    code = Category.objects.get(path="城乡建设/住房保障与房地产").code
    lead, assisting, basis = responsible_units(category_code=code + ".03", street=street)
    assert lead == street and [u.short_name for u in assisting] == ["区房管局"]
    pollution = Category.objects.get(path="环境保护/环境污染").code
    lead, assisting, _ = responsible_units(category_code=pollution, street=street)
    assert lead.short_name == "区生态环境局" and assisting == [street]  # 属地 assists
    lead, assisting, basis = responsible_units(category_code=None, street=street)
    assert (lead, assisting, basis) == (street, [], "属地管理")


@pytest.mark.django_db
def test_a_street_specific_rule_beats_the_general_one(reference):
    street = Unit.objects.get(code="110106013")
    other = Unit.objects.get(code="110106001")
    code = Category.objects.get(path="交通运输").code
    special = ResponsibilityRule.objects.create(
        category_code=code, street=street, lead_unit=Unit.objects.get(short_name="区交通支队")
    )
    assert responsible_units(category_code=code, street=street)[0] == special.lead_unit
    assert responsible_units(category_code=code, street=other)[0].short_name == "区交通委"


def test_unknown_category_in_the_list_is_an_error(tmp_path, django_db_blocker, db):
    (tmp_path / "responsibility.yaml").write_text(
        "version: x\nrules:\n  - {category: 不存在的类别, lead: 属地}\n", encoding="utf-8"
    )
    from jiesu.workorders.reference import load_responsibility_list

    with pytest.raises(ValueError, match="不存在的类别"):
        load_responsibility_list(path=tmp_path / "responsibility.yaml")


@pytest.mark.django_db
def test_district_boundary_is_stored(reference):
    district = Unit.objects.get(code="110106")
    assert district.boundary["type"] == "FeatureCollection"
    assert district.boundary["features"][0]["properties"]["adcode"] == 110106
