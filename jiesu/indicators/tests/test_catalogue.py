"""The catalogue document: defaults, and every malformed entry refused with a Chinese reason."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from jiesu.common.errors import InvalidInput
from jiesu.indicators.catalogue import parse_catalogue
from jiesu.indicators.tests.factories import catalogue, spec_doc


def test_defaults_fill_an_entry():
    c = catalogue(spec_doc("a"))
    spec = c.get("a")
    assert (spec.direction, spec.kinds, spec.top_n, spec.bottom_n, spec.period, spec.judge) == (
        "higher",
        ("street",),
        3,
        3,
        "month",
        "month",
    )
    assert c.speakers.basis == "overall" and c.speakers.count == 4
    assert c.lookup("a") is spec and c.lookup("无此指标") is None


def test_rank_measure_defaults_to_lower_is_better_within_participants():
    c = catalogue(spec_doc("city", kinds=["district"], measure="rank", participants=17, unit="名"))
    spec = c.get("city")
    assert spec.direction == "lower" and spec.integer and (spec.minimum, spec.maximum) == (1, 17)


@pytest.mark.parametrize(
    "entry, words",
    [
        (spec_doc("Bad-Code"), "编码"),
        (spec_doc("a", direction="up"), "方向"),
        (spec_doc("a", kinds=["village"]), "单位类型"),
        (spec_doc("a", extra=1), "未知的项"),
        (spec_doc("a", kinds=["district"]), "市级排名"),
        (spec_doc("a", measure="rank"), "参评数"),
        (spec_doc("a", participants=17), "名次类"),
        (spec_doc("a", period="cumulative", ytd="sum"), "最近一月"),
        (spec_doc("a", minimum=10, maximum=5), "最小值大于最大值"),
        (spec_doc("a", params={"compute": "assessment"}), "平台计算"),
        (spec_doc("a", source="platform", params={"compute": "magic"}), "计算方式"),
        (spec_doc("a", source="platform", params={"compute": "assessment", "field": "speed"}), "考评字段"),
        (
            spec_doc(
                "a",
                source="platform",
                params={
                    "compute": "dimension_score",
                    "field": "qiyou",
                    "weights": {"response": 0.5, "resolution": 0.6, "satisfaction": 0},
                },
            ),
            "之和须为 1",
        ),
        (spec_doc("a", target="high"), "目标值须为数字"),
        ({"code": "a", "owner": "x", "unit": "%", "area": "y"}, "名称"),
    ],
)
def test_bad_entries_are_refused_in_chinese(entry, words):
    with pytest.raises(InvalidInput) as error:
        catalogue(entry)
    assert error.value.code == "invalid_catalogue"
    assert words in error.value.message


def test_duplicate_codes_and_names_are_refused():
    with pytest.raises(InvalidInput, match="编码“a”重复"):
        catalogue(spec_doc("a"), spec_doc("a", name="other"))
    with pytest.raises(InvalidInput, match="名称“同名”重复"):
        catalogue(spec_doc("a", name="同名"), spec_doc("b", name="同名"))


def test_speaker_basis_must_be_overall_or_an_indicator_of_that_kind():
    with pytest.raises(InvalidInput, match="发言依据"):
        catalogue(spec_doc("a"), speakers={"basis": "nothing"})
    with pytest.raises(InvalidInput, match="发言依据"):
        catalogue(spec_doc("a", kinds=["department"]), speakers={"basis": "a", "kind": "street"})
    assert catalogue(spec_doc("a"), speakers={"basis": "a", "count": 2}).speakers.count == 2


def test_shipped_catalogue_is_valid_and_names_the_seed_indicators():
    path = Path(settings.BASE_DIR) / "data" / "indicators" / "catalogue-fengtai-2024.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    c = parse_catalogue(version=spec["version"], effective_from=dt.date(2024, 1, 1), doc=spec["catalogue"])
    names = {i.name for i in c.indicators}
    for seed_name in ("拆违腾地销账率", "治乱完成率", "违规电动三四轮车治理综合得分", "粗颗粒物累计浓度", "新设企业数",
                      "创卫检查问题整改率", "生活垃圾分类处罚立案数", "垃圾分类立案诉求比", "火灾数",
                      "接诉即办综合成绩", "“七有”成绩", "“五性”成绩"):  # fmt: skip
        assert seed_name in names
    assert len(c.for_kind("street")) >= 20
    assert c.get("coarse_particles").direction == "lower"
    assert {i.code for i in c.for_kind("district")} == {"city_jiesu_rank", "city_ecology_rank"}
