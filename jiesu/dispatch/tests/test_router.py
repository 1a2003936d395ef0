"""Router: the responsibility list decides the lead; specific beats general; 属地 needs a place."""

import pytest

from jiesu.dispatch import router
from jiesu.org.models import ResponsibilityRule
from jiesu.workorders.models import Category

FANGZHUANG, YOUANMEN = "110106013", "110106001"
FANGGUANJU, ZHUJIANWEI, CHENGGUANWEI = "110106-D03", "110106-D01", "110106-D02"


@pytest.fixture(autouse=True)
def fresh_cache():
    router.cache.clear()
    yield
    router.cache.clear()


def cat(path):
    return Category.objects.get(path=path)


def names(route):
    return [router.unit_label(c.unit_id)[1] for c in route.candidates]


def test_property_service_goes_to_the_local_street_with_housing_bureau_assisting(units):
    result = router.route(category=cat("城乡建设/住房保障与房地产/物业服务"), street=units[FANGZHUANG])
    top = result.candidates[0]
    assert top.unit_id == units[FANGZHUANG].pk
    assert units[FANGGUANJU].pk in top.assisting
    assert any("属地街镇（方庄街道）" in r and "住房保障与房地产" in r for r in top.reasons)
    assert top.confidence > 0.8
    assert len(result.candidates) >= 3  # alternatives for the dispatcher


def test_sector_rule_names_the_department_wherever_the_place(units):
    for street in (FANGZHUANG, YOUANMEN, None):
        result = router.route(category=cat("城乡建设/建筑市场"), street=units[street] if street else None)
        assert result.candidates[0].unit_id == units[ZHUJIANWEI].pk
    # The local street is still offered as an alternative, with its reason.
    result = router.route(category=cat("城乡建设/建筑市场"), street=units[YOUANMEN])
    local = next(c for c in result.candidates if c.unit_id == units[YOUANMEN].pk)
    assert any("属地管理" in r for r in local.reasons)


def test_local_street_assists_a_department_when_the_rule_says_so(units):
    # 环境保护/环境污染 → 区生态环境局, assisted by 属地 (responsibility.yaml).
    top = router.route(category=cat("环境保护/环境污染"), street=units[YOUANMEN]).candidates[0]
    assert top.unit_id == units["110106-D05"].pk
    assert units[YOUANMEN].pk in top.assisting
    assert router.route(category=cat("环境保护/环境污染"), street=None).candidates[0].assisting == ()


def test_street_specific_rule_beats_the_general_one_only_in_that_street(units):
    rule = ResponsibilityRule.objects.create(
        category_code=cat("城乡建设/住房保障与房地产").code, street=units[FANGZHUANG], lead_unit=units[FANGGUANJU],
        basis="方庄试点：物业纠纷由房管局牵头",
    )
    property_service = cat("城乡建设/住房保障与房地产/物业服务")
    top = router.route(category=property_service, street=units[FANGZHUANG]).candidates[0]
    assert top.unit_id == units[FANGGUANJU].pk
    assert any("方庄街道专属规则" in r and "方庄试点" in r for r in top.reasons)
    assert router.route(category=property_service, street=units[YOUANMEN]).candidates[0].unit_id == units[YOUANMEN].pk
    # Edited in admin (deactivated): the cache follows at once.
    rule.is_active = False
    rule.save()
    assert router.route(category=property_service, street=units[FANGZHUANG]).candidates[0].unit_id == units[FANGZHUANG].pk


def test_more_specific_category_beats_a_street_rule_on_a_broader_category(units):
    ResponsibilityRule.objects.create(category_code=cat("城乡建设").code, street=units[FANGZHUANG], lead_unit=units[CHENGGUANWEI])
    # 住房保障与房地产 has its own (general) rule, deeper than the street rule on 城乡建设.
    top = router.route(category=cat("城乡建设/住房保障与房地产"), street=units[FANGZHUANG]).candidates[0]
    assert top.unit_id == units[FANGZHUANG].pk
    # A category with no deeper rule (村镇建设) falls to the street rule in 方庄 only.
    top = router.route(category=cat("城乡建设/村镇建设"), street=units[FANGZHUANG]).candidates[0]
    assert top.unit_id == units[CHENGGUANWEI].pk
    top = router.route(category=cat("城乡建设/村镇建设"), street=units[YOUANMEN]).candidates[0]
    assert top.unit_id == units[YOUANMEN].pk


def test_local_rule_without_a_place_says_so_and_is_not_confident(units):
    result = router.route(category=cat("城乡建设/住房保障与房地产/物业服务"), street=None)
    assert result.notes and "未能定位街镇" in result.notes[0]
    assert all(c.unit_id not in (units[FANGZHUANG].pk, units[YOUANMEN].pk) for c in result.candidates)
    assert result.candidates[0].confidence < 0.5


def test_matching_rules_order():
    rules = [
        router.RuleRow(1, "01", None, 10, (), 0, ""),
        router.RuleRow(2, "01.03", None, 11, (), 10, ""),
        router.RuleRow(3, "01.03", 99, 12, (), 10, ""),
        router.RuleRow(4, "01.03", 98, 13, (), 10, ""),  # another street: never applies
        router.RuleRow(5, "02", None, 14, (), 0, ""),
    ]
    found = router.matching_rules(category_code="01.03.07", street_id=99, rules=rules)
    assert [r.pk for r in found] == [3, 2, 1]
    assert [r.pk for r in router.matching_rules(category_code="01.030", street_id=None, rules=rules)] == [1]


def test_building_the_routing_data_may_create_the_settings_row(db):
    """Creating the settings row while building fires a signal that clears this very cache: it must
    not deadlock, and the data must still come back."""
    from jiesu.dispatch.models import DispatchSettings

    DispatchSettings.objects.all().delete()
    router.cache.clear()
    data = router.cache.get()
    assert data.settings.pk == 1 and DispatchSettings.objects.count() == 1
