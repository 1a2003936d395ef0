"""One validation layer for every input: text lengths per kind of field, numeric ranges, a sane
time window, Beijing's bounding box, no NUL or control characters, bounded JSON nesting.

The limits are data (data/rules/input_limits.yaml). Services call these helpers on what they are
given; the API's StrictInputSerializer, the web forms and the request guard call the same ones, so
a limit has one definition. Failures raise InvalidInput: a stable code and a Chinese message."""

import datetime as dt
import functools
import math
import re
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils import timezone

from jiesu.common.errors import InvalidInput

LIMITS_FILE = Path(__file__).resolve().parents[2] / "data" / "rules" / "input_limits.yaml"

# C0 controls and DEL except tab/newline/carriage return (NUL included); single-line fields refuse those too.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")


@functools.cache
def limits() -> dict:
    path = Path(getattr(settings, "JIESU_INPUT_LIMITS_FILE", LIMITS_FILE))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def max_length(kind: str) -> int:
    table = limits()["text"]
    return int(table.get(kind, table["default"]))


def _fail(message: str, *, code: str, field: str) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field} if field else None)


def has_control_chars(value: str, *, multiline: bool = True) -> bool:
    return bool((_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(value))


def without_control_chars(value: str, *, multiline: bool = True) -> str:
    """`value` with each control character (newlines too, for a single-line field) made a space: for
    texts the platform takes from source data itself (the demo), where refusing is not an option."""
    return (_CONTROL if multiline else _CONTROL_SINGLE_LINE).sub(" ", value)


def clean_text(
    value: Any,
    *,
    kind: str = "default",
    field: str = "",
    label: str = "",
    required: bool = False,
    multiline: bool = True,
) -> str:
    """The stripped text, or InvalidInput: missing when required, longer than the kind allows,
    or holding NUL/control characters (a single-line field refuses newlines too)."""
    label = label or field or "输入"
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(f"{label}须为文本", code="invalid_text", field=field)
    text = value.strip()
    if has_control_chars(text, multiline=multiline):
        raise _fail(f"{label}含有不可见的控制字符（如 NUL），请删除后重试", code="control_characters", field=field)
    if required and not text:
        raise _fail(f"请填写{label}", code="required", field=field)
    limit = max_length(kind)
    if len(text) > limit:
        raise _fail(f"{label}不能超过{limit}字（当前{len(text)}字）", code="too_long", field=field)
    return text


def clean_number(
    value: Any, *, kind: str, field: str = "", label: str = "", integer: bool = False
) -> float | int | None:
    """A number within the range of its kind; None for an empty value."""
    label = label or field or "数值"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _fail(f"{label}须为数字", code="invalid_number", field=field)
    try:
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 40:  # a 5,000-digit "number" is refused before int() spends time on it
                raise ValueError
            number = int(text) if integer else float(text)
        else:
            number = int(value) if integer else float(value)
            if integer and number != value:
                raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise _fail(f"{label}须为{'整数' if integer else '数字'}", code="invalid_number", field=field) from None
    if isinstance(number, float) and not math.isfinite(number):
        raise _fail(f"{label}须为有限的数字", code="invalid_number", field=field)
    low, high = limits()["numbers"][kind]
    if not low <= number <= high:
        raise _fail(f"{label}须在 {low} 到 {high} 之间", code="out_of_range", field=field)
    return number


def time_window(*, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    spec = limits()["time"]
    tz = timezone.get_current_timezone()
    earliest = dt.datetime.combine(dt.date.fromisoformat(str(spec["earliest"])), dt.time.min, tzinfo=tz)
    latest = (now or timezone.now()) + dt.timedelta(days=int(spec["future_days"]))
    return earliest, latest


def _window_message(label: str, earliest: dt.datetime, latest: dt.datetime) -> str:
    return f"{label}须在 {earliest:%Y-%m-%d} 至 {timezone.localtime(latest):%Y-%m-%d} 之间"


def clean_datetime(value: dt.datetime | None, *, field: str = "", label: str = "时间") -> dt.datetime | None:
    """An aware datetime inside the time window (naive ones are refused, never guessed)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        raise _fail(f"{label}必须带时区", code="naive_datetime", field=field)
    earliest, latest = time_window()
    if not earliest <= value <= latest:
        raise _fail(_window_message(label, earliest, latest), code="out_of_range", field=field)
    return value


def clean_date(value: dt.date | None, *, field: str = "", label: str = "日期") -> dt.date | None:
    if value is None:
        return None
    earliest, latest = time_window()
    if not earliest.date() <= value <= timezone.localtime(latest).date():
        raise _fail(_window_message(label, earliest, latest), code="out_of_range", field=field)
    return value


def parse_date(value: str | None, *, field: str = "", label: str = "日期") -> dt.date | None:
    """YYYY-MM-DD text inside the window; None when empty."""
    text = clean_text(value, kind="query", field=field, label=label, multiline=False)
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{label}须为 YYYY-MM-DD 格式的日期", code="invalid_date", field=field) from None
    return clean_date(day, field=field, label=label)


def parse_month(value: str | None, *, field: str = "month", label: str = "月份") -> dt.date | None:
    """YYYY-MM inside the window, as the month's first day; None when empty."""
    text = clean_text(value, kind="query", field=field, label=label, multiline=False)
    if not text:
        return None
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise _fail(f"{label}须为 YYYY-MM 格式", code="invalid_month", field=field) from None
    earliest, latest = time_window()
    if not earliest.date().replace(day=1) <= first <= timezone.localtime(latest).date():
        raise _fail(_window_message(label, earliest, latest), code="out_of_range", field=field)
    return first


def clean_point(lat: Any, lng: Any, *, field: str = "lat") -> tuple[float | None, float | None]:
    """Both coordinates or neither; inside the configured bounding box (Beijing)."""
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, "") or lng in (None, ""):
        raise _fail("经纬度须同时填写", code="invalid_location", field=field)
    box = limits()["coordinates"]
    values = []
    for raw, name in ((lat, "纬度"), (lng, "经度")):
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise _fail(f"{name}须为数字", code="invalid_location", field=field) from None
        if not math.isfinite(number):
            raise _fail(f"{name}须为有限的数字", code="invalid_location", field=field)
        values.append(number)
    (lat_low, lat_high), (lng_low, lng_high) = box["lat"], box["lng"]
    if not (lat_low <= values[0] <= lat_high and lng_low <= values[1] <= lng_high):
        raise _fail(
            f"位置不在{box.get('name', '服务区域')}范围内（纬度 {lat_low}–{lat_high}，经度 {lng_low}–{lng_high}）",
            code="invalid_location",
            field=field,
        )
    return values[0], values[1]


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def clean_json(value: Any, *, field: str = "", label: str = "JSON 数据") -> Any:
    """Parsed JSON no deeper than the limit and without NUL in any string or key."""
    limit = int(limits()["request"]["json_max_depth"])
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list) and depth > limit:
            raise _fail(f"{label}嵌套层数不能超过{limit}层", code="too_deep", field=field)
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and "\x00" in key:
                    raise _fail(f"{label}含有 NUL 字符", code="control_characters", field=field)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and "\x00" in item:
            raise _fail(f"{label}含有 NUL 字符", code="control_characters", field=field)
    return value


def request_limit(name: str) -> int:
    return int(limits()["request"][name])
