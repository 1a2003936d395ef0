"""Platform-computed indicators from orders played through the closed loop: 七有/五性 scores (from
the category's dimension fields, counted like the assessment), the assessment's composite, 每月一题
progress, and providers plugged in by code.

October 2026, rule huairou-2021 (0.1 × 响应 + 0.5 × 解决 + 0.4 × 满意; 基本满意 0.9), 方庄街道:
    A  住有所居 / 宜居性   in time, solved, 非常满意      → 1, 1, 1
    B  住有所居 / 宜居性   late (30 h), solved, 基本满意 → 0, 1, 0.9
    C  学有所教 / 公正性   in time, unsolved, 不满意     → 1, 0, 0
    D  —       / 便利性   in time, solved, 满意         → 1, 1, 1
    E  no dimension        in time, solved, 满意         → 1, 1, 1
    七有 pooled (A, B, C): 100 × (0.1 × 2/3 + 0.5 × 2/3 + 0.4 × 1.9/3) = 65.33
    五性 pooled (A–D):     100 × (0.1 × 3/4 + 0.5 × 3/4 + 0.4 × 2.9/4) = 74.00
    五性 mean of dimensions: 宜居性 93.00, 公正性 10.00, 便利性 100.00 → 67.67
    composite (A–E):       100 × (0.1 × 4/5 + 0.5 × 4/5 + 0.4 × 3.9/5) = 79.20
大红门街道 has one 七有 order: below min_callbacks 3, no score ("样本不足")."""

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings

from jiesu.assessment.rules import TZ
from jiesu.assessment.services import load_rule_file
from jiesu.assessment.tests.flows import with_minimum_sample
from jiesu.indicators import dimensions, providers, selectors
from jiesu.indicators.models import IndicatorValue, Origin, ValueRevision
from jiesu.indicators.providers import Provided
from jiesu.indicators.services import refresh_platform_values
from jiesu.insights.models import MonthlyTopic
from jiesu.workorders import services
from jiesu.workorders.models import Category

H = dt.timedelta(hours=1)
OCT = dt.date(2026, 10, 1)


def handled(unit, *, when, category=None, respond_after=H, solved=True, satisfaction=5):
    order, _ = services.create_order(
        user=None, content="小区门口路灯不亮，晚上出行不便", category=category, street=unit, at=when
    )
    start = when + dt.timedelta(minutes=10)
    services.dispatch(user=None, order_id=order.pk, lead_unit=unit, at=start)
    services.acknowledge(user=None, order_id=order.pk, at=start + dt.timedelta(minutes=5))
    services.respond(user=None, order_id=order.pk, at=start + respond_after)
    services.resolve(user=None, order_id=order.pk, reply="已处理", at=start + respond_after + H)
    services.callback(user=None, order_id=order.pk, solved=solved, satisfaction=satisfaction,
                      at=start + respond_after + 30 * H)  # fmt: skip
    return order


def oct_day(day):
    return dt.datetime(2026, 10, day, 9, tzinfo=TZ)


@pytest.fixture
def dimension_categories(reference):
    Category.objects.update(qiyou="", wuxing="")
    c1, c2, c3, c4 = Category.objects.filter(level=2).order_by("code")[:4]
    Category.objects.filter(pk=c1.pk).update(qiyou="住有所居", wuxing="宜居性")
    Category.objects.filter(pk=c2.pk).update(qiyou="学有所教", wuxing="公正性")
    Category.objects.filter(pk=c3.pk).update(qiyou="", wuxing="便利性")
    return [Category.objects.get(pk=c.pk) for c in (c1, c2, c3, c4)]


@pytest.fixture
def october(units, shipped_catalogue, dimension_categories):
    # A handful of callbacks: the minimum sample at 1 (test_samples.py tests a unit under it).
    with_minimum_sample(
        load_rule_file(path=Path(settings.BASE_DIR) / "data" / "assessment" / "rules-huairou-2021.yaml"), 1
    )
    c1, c2, c3, c4 = dimension_categories
    fz, dhm = units["110106013"], units["110106004"]
    handled(fz, when=oct_day(5), category=c1)
    handled(fz, when=oct_day(6), category=c1, respond_after=30 * H, satisfaction=3)
    handled(fz, when=oct_day(7), category=c2, solved=False, satisfaction=2)
    handled(fz, when=oct_day(8), category=c3, satisfaction=4)
    handled(fz, when=oct_day(9), category=c4, satisfaction=4)
    handled(dhm, when=oct_day(9), category=c1)
    return {"fz": fz, "dhm": dhm, "categories": dimension_categories}


def value(code, unit, month=OCT):
    return IndicatorValue.objects.get(indicator=code, unit=unit, month=month)


def test_dimension_of_reads_the_category_fields(dimension_categories):
    c1, _, c3, c4 = dimension_categories
    assert dimensions.dimension_of(c1) == {"qiyou": "住有所居", "wuxing": "宜居性"}
    assert dimensions.dimension_of(c3) == {"qiyou": "", "wuxing": "便利性"}
    assert dimensions.dimension_of(None) == {"qiyou": "", "wuxing": ""}
    assert set(dimensions.categories_by_dimension("wuxing")) == {"宜居性", "公正性", "便利性"}
    assert c4.pk not in sum(dimensions.categories_by_dimension("qiyou").values(), [])


def test_qiyou_wuxing_and_composite_from_the_orders(october):
    stored = refresh_platform_values(month=OCT)
    fz, dhm = october["fz"], october["dhm"]
    assert value("qiyou_score", fz).value == pytest.approx(65.33)
    assert value("wuxing_score", fz).value == pytest.approx(74.0)
    assert value("jiesu_composite", fz).value == pytest.approx(79.2)
    assert value("jiesu_response", fz).value == pytest.approx(80.0)
    detail = value("qiyou_score", fz).detail
    assert detail["callbacks"] == 3 and set(detail["dimensions"]) == {"住有所居", "学有所教"}
    small = value("qiyou_score", dhm)
    assert small.value is None and "样本不足" in small.detail["reason"]
    assert value("qiyou_score", fz).origin == Origin.PLATFORM and stored["qiyou_score"] >= 2
    # A second run updates in place.
    refresh_platform_values(month=OCT)
    assert IndicatorValue.objects.filter(indicator="qiyou_score", unit=fz, month=OCT).count() == 1


def test_mean_pooling_and_own_weights(october):
    spec = selectors.catalogue_for(OCT).get("wuxing_score")
    mean = replace(spec, params={**spec.params, "pooling": "mean", "min_callbacks": 1})
    assert dimensions.dimension_scores(month=OCT, kind="street", spec=mean)[october["fz"].pk].value == pytest.approx(
        67.67
    )
    even = replace(spec, params={**spec.params, "weights": {"response": 0, "resolution": 1, "satisfaction": 0}})
    assert dimensions.dimension_scores(month=OCT, kind="street", spec=even)[october["fz"].pk].value == pytest.approx(
        75.0
    )


def test_topic_progress_is_the_fall_of_last_months_topic(october, units):
    c1 = october["categories"][0]
    MonthlyTopic.objects.create(
        month=dt.date(2026, 9, 1), basis="absolute", rank=1, category=c1, volume=9, previous_volume=2, growth=7,
        streets=[{"code": "110106013", "name": "方庄街道", "volume": 8, "previous": 1},
                 {"code": "110106004", "name": "大红门街道", "volume": 1, "previous": 1}],
        params={"level": 2},
    )  # fmt: skip
    refresh_platform_values(month=OCT)
    assert value("topic_progress", october["fz"]).value == pytest.approx(100 * (8 - 2) / 8)  # 2 in October
    small = value("topic_progress", october["dhm"])
    assert small.value is None and "少于3件" in small.detail["reason"]


def test_a_provider_plugged_in_by_code_is_used_and_replaces_imported_values(october, units):
    providers.unregister("project_pool_completion")  # as if the 督办 app were not installed
    fz = october["fz"]
    IndicatorValue.objects.create(indicator="project_pool_completion", unit=fz, month=OCT, value=40,
                                  origin=Origin.IMPORT, source="导入")  # fmt: skip
    providers.register("project_pool_completion", lambda *, month, kind, spec: {fz.pk: Provided(55.0, {"n": 21})})
    try:
        refresh_platform_values(month=OCT)
    finally:
        providers.unregister("project_pool_completion")
    stored = value("project_pool_completion", fz)
    assert (stored.value, stored.origin, stored.source) == (55.0, Origin.PLATFORM, "督办（民生项目池）")
    assert ValueRevision.objects.get(indicator="project_pool_completion").old_value == 40
    status = {s["spec"].code: s["state"] for s in selectors.platform_status(month=OCT)}
    assert status["project_pool_completion"] == "waiting" and status["qiyou_score"] == "builtin"


def test_compute_command_over_months(october, capsys):
    from django.core.management import CommandError, call_command

    call_command("compute_indicators", "--from", "2026-09", "--to", "2026-10")
    out = capsys.readouterr().out
    assert "2026-09" in out and "2026-10" in out
    with pytest.raises(CommandError, match="结束月份早于起始月份"):
        call_command("compute_indicators", "--from", "2026-10", "--to", "2026-09")
    with pytest.raises(CommandError, match="--month"):
        call_command("compute_indicators")
