"""The one validation layer: limits from data/rules/input_limits.yaml, Chinese {code, message}."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.common import validation
from jiesu.common.errors import InvalidInput


def test_text_limits_come_from_the_data_file():
    assert validation.max_length("reason") == validation.limits()["text"]["reason"] == 500
    assert validation.clean_text("  好  ", kind="reason") == "好"
    with pytest.raises(InvalidInput) as error:
        validation.clean_text("字" * 501, kind="reason", field="reason", label="理由")
    assert (
        error.value.code == "too_long" and "500" in error.value.message and error.value.details == {"field": "reason"}
    )


@pytest.mark.parametrize("bad", ["a\x00b", "\x07铃", "x\x1by", "\x7f"])
def test_control_characters_are_refused(bad):
    with pytest.raises(InvalidInput) as error:
        validation.clean_text(bad, kind="content", label="诉求内容")
    assert error.value.code == "control_characters" and "控制字符" in error.value.message


def test_newlines_only_in_multiline_fields():
    assert validation.clean_text("第一行\n第二行\t", kind="content") == "第一行\n第二行"
    with pytest.raises(InvalidInput):
        validation.clean_text("FT1\nFT2", kind="code", multiline=False)


def test_required_and_non_text():
    with pytest.raises(InvalidInput) as error:
        validation.clean_text("   ", kind="reason", label="督办意见", required=True)
    assert error.value.code == "required" and "督办意见" in error.value.message
    with pytest.raises(InvalidInput):
        validation.clean_text(["列表"], kind="reason")


@pytest.mark.parametrize("value", ["abc", "1e999", "nan", "9" * 5000, True])
def test_numbers_must_be_finite_and_readable(value):
    with pytest.raises(InvalidInput) as error:
        validation.clean_number(value, kind="confidence", label="置信度")
    assert error.value.code == "invalid_number"


def test_number_ranges():
    assert validation.clean_number("0.5", kind="confidence") == 0.5
    assert validation.clean_number("", kind="confidence") is None
    with pytest.raises(InvalidInput) as error:
        validation.clean_number("0.999", kind="extension_days", integer=True)
    assert error.value.code == "invalid_number"
    with pytest.raises(InvalidInput) as error:
        validation.clean_number(31, kind="extension_days", integer=True)
    assert error.value.code == "out_of_range"


def test_time_window():
    now = timezone.now()
    assert validation.clean_datetime(now, field="at") == now
    for bad in (dt.datetime(1999, 12, 31, tzinfo=dt.UTC), now + dt.timedelta(days=400)):
        with pytest.raises(InvalidInput) as error:
            validation.clean_datetime(bad, field="at", label="发生时间")
        assert error.value.code == "out_of_range" and "2000-01-01" in error.value.message
    with pytest.raises(InvalidInput) as error:
        validation.clean_datetime(dt.datetime(2026, 1, 1), field="at")
    assert error.value.code == "naive_datetime"
    with pytest.raises(InvalidInput):
        validation.parse_date("9999-12-31")
    with pytest.raises(InvalidInput):
        validation.parse_month("9999-12")
    assert validation.parse_month("2026-03") == dt.date(2026, 3, 1)


def test_beijing_bounding_box():
    assert validation.clean_point("39.86", "116.39") == (39.86, 116.39)
    assert validation.clean_point(None, None) == (None, None)
    for lat, lng in ((0, 0), (20.02, 110.35), (39.86, None), ("abc", 116.3), (float("nan"), 116.3)):
        with pytest.raises(InvalidInput) as error:
            validation.clean_point(lat, lng)
        assert error.value.code == "invalid_location"
    with pytest.raises(InvalidInput) as error:
        validation.clean_point(0, 0)
    assert "北京市" in error.value.message


def test_json_depth_and_nul():
    assert validation.json_depth({"a": [{"b": 1}]}) == 3
    validation.clean_json({"a": [1, 2, {"b": "c"}]})
    deep: list = []
    node = deep
    for _ in range(100):
        node.append([])
        node = node[0]
    with pytest.raises(InvalidInput) as error:
        validation.clean_json(deep)
    assert error.value.code == "too_deep"
    with pytest.raises(InvalidInput):
        validation.clean_json({"k": "a\x00"})
    with pytest.raises(InvalidInput):
        validation.clean_json({"k\x00": "a"})
