"""Replaying a month under two rule versions; published snapshots that do not drift; watch list."""

import pytest

from jiesu.assessment import selectors
from jiesu.assessment.models import AssessmentSnapshot, WatchListEntry
from jiesu.assessment.services import publish_month, save_rule_version
from jiesu.assessment.tests.flows import H, at, handled
from jiesu.common.errors import InvalidInput, NotFound

FZ, YAM, TPQ = "110106013", "110106001", "110106002"


def ranking(month="2025-03", rule=None):
    rows = selectors.monthly_results(month=month, kind="street", rule_version=rule)
    return [(r.unit_code, r.rank, r.composite) for r in rows if r.rank is not None]


def play_two_styles(units):
    # 方庄: prompt but half unsolved, 基本满意 twice.
    handled(units[FZ], when=at(3), satisfaction=3)
    handled(units[FZ], when=at(4), satisfaction=3, solved=False)
    # 右安门: late first contact on both, both solved, 非常满意 + 基本满意.
    handled(units[YAM], when=at(3), respond_after=30 * H, satisfaction=5)
    handled(units[YAM], when=at(4), respond_after=30 * H, satisfaction=3)


@pytest.mark.django_db
def test_same_month_two_rule_versions_give_different_rankings(rules, units):
    play_two_styles(units)
    # huairou-2021 (0.1/0.5/0.4, 基本满意 0.9): 方庄 0.1 + 0.25 + 0.36 = 71, 右安门 0 + 0.5 + 0.38 = 88.
    assert ranking() == [(YAM, 1, 88.0), (FZ, 2, 71.0)]
    # weighted-2025 (0.30/0.35/0.35, 基本满意 0.6): 方庄 0.3 + 0.175 + 0.21 = 68.5,
    # 右安门 0 + 0.35 + 0.35 × 0.8 = 63.
    assert ranking(rule="weighted-2025") == [(FZ, 1, 68.5), (YAM, 2, 63.0)]
    # Both reproducible: computing again gives the same figures.
    assert ranking() == ranking()
    assert ranking(rule="weighted-2025") == ranking(rule="weighted-2025")


@pytest.mark.django_db
def test_published_figures_do_not_drift(rules, units):
    play_two_styles(units)
    publish_month(month="2025-03")
    publish_month(month="2025-03", rule_version="weighted-2025")
    before = ranking(), ranking(rule="weighted-2025")
    # A late-arriving callback inside March would change a live computation …
    handled(units[TPQ], when=at(20))
    live = selectors.compute_month(
        month=selectors.parse_month("2025-03"), kind="street", rule=selectors.resolve_rule(month="2025-03")
    )
    assert any(r.unit_code == TPQ and r.rank == 1 for r in live)
    # … but the published month keeps its figures, under both versions.
    assert (ranking(), ranking(rule="weighted-2025")) == before
    rows = selectors.monthly_results(month="2025-03", kind="street")
    assert rows[0].source == "snapshot"
    # Publishing again is a no-op.
    count = AssessmentSnapshot.objects.count()
    publish_month(month="2025-03")
    assert AssessmentSnapshot.objects.count() == count


@pytest.mark.django_db
def test_a_published_rule_version_is_frozen(rules, units):
    handled(units[FZ], when=at(3))
    publish_month(month="2025-03")
    doc = {**rules["huairou-2021"].rules, "weights": {"response": 0.2, "resolution": 0.4, "satisfaction": 0.4}}
    with pytest.raises(InvalidInput) as err:
        save_rule_version(version="huairou-2021", name="改", effective_from="2021-09", rules=doc)
    assert err.value.code == "rule_frozen"
    # A new version effective from April is used for April onwards, March keeps its version.
    save_rule_version(version="huairou-2025-04", name="新口径", effective_from="2025-04", rules=doc)
    assert selectors.resolve_rule(month="2025-04").version == "huairou-2025-04"
    assert selectors.resolve_rule(month="2025-03").version == "huairou-2021"
    assert selectors.resolve_rule(month="2019-01").version == "huairou-2021"  # before every version


@pytest.mark.django_db
def test_unknown_rule_and_bad_month(rules):
    with pytest.raises(NotFound) as err:
        selectors.monthly_results(month="2025-03", kind="street", rule_version="nope")
    assert err.value.code == "rule_not_found"
    for bad in ("2025-13", "2025-3", "march", ""):
        with pytest.raises(InvalidInput) as err:
            selectors.monthly_results(month=bad, kind="street")
        assert err.value.code == "bad_month"
    with pytest.raises(InvalidInput) as err:
        selectors.monthly_results(month="2025-03", kind="enterprise")
    assert err.value.code == "bad_kind"


@pytest.mark.django_db
def test_watch_list_enter_and_exit_with_history(rules, units):
    doc = {
        **rules["huairou-2021"].rules,
        "watch_list": {"kinds": ["street"], "bottom_n": 1, "enter_months": 2, "exit_months": 1},
    }
    save_rule_version(version="watch-test", name="治理类测试", effective_from="2025-01", rules=doc)
    # 太平桥 is last in January and February, 右安门 last in March.
    for month in (1, 2, 3):
        handled(units[FZ], when=at(3, month=month))
        handled(units[YAM], when=at(3, month=month), satisfaction=5 if month < 3 else 1)
        handled(units[TPQ], when=at(3, month=month), solved=month == 3, satisfaction=5 if month == 3 else 2)
    publish_month(month="2025-01")
    assert selectors.watch_list(month="2025-01") == []  # one low month is not enough
    publish_month(month="2025-02")
    feb = selectors.watch_list(month="2025-02")
    assert [(w.unit_code, w.status) for w in feb] == [(TPQ, "new")]
    assert "连续2个月" in feb[0].reason
    publish_month(month="2025-03")
    march = selectors.watch_list(month="2025-03")
    assert [(w.unit_code, w.status, w.exited_month) for w in march] == [(TPQ, "exited", "2025-03")]
    assert selectors.watch_list(month="2025-04") == []
    # Publishing March again changes nothing; the history keeps the stay.
    publish_month(month="2025-03")
    stays = WatchListEntry.objects.filter(unit=units[TPQ])
    assert [(s.entered_month.month, s.exited_month.month) for s in stays] == [(2, 3)]
    assert not WatchListEntry.objects.filter(unit=units[YAM]).exists()  # low only one month


@pytest.mark.django_db
def test_commands_load_rules_and_publish(reference, units):
    from django.core.management import CommandError, call_command

    from jiesu.assessment.models import RuleVersion

    call_command("load_assessment_rules", verbosity=0)
    assert set(RuleVersion.objects.values_list("version", flat=True)) == {
        "huairou-2021",
        "weighted-2025",
        "huairou-cycle",
    }
    handled(units[FZ], when=at(3))
    call_command("publish_assessment", "2025-03", verbosity=0)
    # One callback under the shipped minimum of 30: published, with its n, but not ranked.
    snapshot = AssessmentSnapshot.objects.get(month="2025-03-01", unit=units[FZ])
    assert (snapshot.callbacks, snapshot.composite, snapshot.rank, snapshot.ranked_count) == (1, 100.0, None, 0)
    with pytest.raises(CommandError):
        call_command("publish_assessment", "2025/03", verbosity=0)


@pytest.mark.django_db
def test_memo_aggregates_a_window_once_and_only_inside_the_block(rules, units, django_assert_num_queries):
    from jiesu.assessment import engine

    handled(units[FZ], when=at(3))
    parsed = rules["huairou-2021"].parsed()
    start, end = parsed.cycle.window(selectors.parse_month("2025-03"))
    with engine.memo():
        first = engine.count(rules=parsed, start=start, end=end)
        with django_assert_num_queries(0):
            again = engine.count(rules=parsed, start=start, end=end)
    assert first == again and first[units[FZ].pk].callbacks == 1
    handled(units[FZ], when=at(4))
    assert engine.count(rules=parsed, start=start, end=end)[units[FZ].pk].callbacks == 2
