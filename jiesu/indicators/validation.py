"""The one validation layer for indicator values, whoever brings them: a CSV/XLSX file (command or
admin upload), a system pushing through the API, the demo loader. A row is (indicator, unit, month,
value[, source, participants]); each problem is a stable code and a Chinese reason.

Checks, in order: month (readable, not in the future), indicator (code or name in the catalogue in
force that month; not one the platform computes), unit (code, full or short name; of a kind the
indicator is reported for), value (a number; whole for counts and places; within the indicator's
range), then the rows among themselves: the same indicator, unit and month twice with different
values are all refused (which one is right cannot be told), twice with the same value are one row."""

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from django.utils import timezone

from jiesu.indicators.catalogue import Catalogue, IndicatorSpec
from jiesu.org.models import LOCAL_KINDS, Unit, UnitKind

KIND_UNITS = {"street": set(LOCAL_KINDS), "department": {UnitKind.DEPARTMENT}, "district": {UnitKind.DISTRICT}}
_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:月)?(?:\s*[-/.]?\s*(\d{1,2})\s*日?)?\s*$")
_EPS = 1e-9


@dataclass(frozen=True)
class RawRow:
    number: int  # line in the file (header = 1) or position in the pushed list (from 1)
    indicator: object
    unit: object
    month: object
    value: object
    source: object = ""
    participants: object = None
    raw: dict = field(default_factory=dict)  # the original columns, for the reject file


@dataclass(frozen=True)
class CleanRow:
    number: int
    spec: IndicatorSpec
    unit_id: int
    month: dt.date
    value: float
    source: str
    participants: int | None

    @property
    def key(self) -> tuple[str, int, dt.date]:
        return self.spec.code, self.unit_id, self.month


@dataclass(frozen=True)
class Problem:
    number: int
    code: str
    message: str
    raw: dict = field(default_factory=dict)


class RowError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def parse_month_cell(value, *, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        month = value.date().replace(day=1)
    elif isinstance(value, dt.date):
        month = value.replace(day=1)
    else:
        text = "" if value is None else str(value).strip()
        match = _MONTH.match(text)
        if not text:
            raise RowError("missing_month", "缺少月份")
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise RowError("bad_month", f"月份“{text}”无法识别，应为 YYYY-MM（如 2026-10）")
        month = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if month > today.replace(day=1):
        raise RowError("future_month", f"月份 {month:%Y-%m} 在未来（当前为 {today:%Y-%m}），不能录入")
    return month


def parse_number(value, *, spec: IndicatorSpec) -> float:
    if isinstance(value, bool):
        raise RowError("bad_value", f"数值“{value}”不是数字")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = "" if value is None else str(value).strip().replace(",", "").replace("，", "")
        if not text:
            raise RowError("missing_value", "缺少数值")
        if text.endswith("%") and spec.unit == "%":
            text = text[:-1].strip()
        try:
            number = float(text)
        except ValueError:
            raise RowError("bad_value", f"数值“{value}”不是数字") from None
    if math.isnan(number) or math.isinf(number):
        raise RowError("bad_value", f"数值“{value}”不是有效数字")
    if spec.integer and abs(number - round(number)) > _EPS:
        what = "名次" if spec.measure == "rank" else f"以“{spec.unit}”计的数"
        raise RowError("not_integer", f"数值 {value} 不是整数（{spec.name}是{what}）")
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low - _EPS) or (high is not None and number > high + _EPS):
        span = f"{'' if low is None else f'{low:g}'}～{'' if high is None else f'{high:g}'}"
        raise RowError("out_of_range", f"数值 {number:g} 超出{spec.name}的合理范围（{span}{spec.unit}）")
    return round(number) if spec.integer else number


class Checker:
    """Validates rows against the catalogues in force and the units; caches both."""

    def __init__(self, *, catalogue_for, has_provider, today: dt.date | None = None):
        self._catalogue_for = catalogue_for  # month -> Catalogue (raises DomainError when none)
        self._has_provider = has_provider  # spec -> bool
        self._catalogues: dict[dt.date, Catalogue] = {}
        self.today = today or timezone.localdate()
        self._raw_by_line: dict[int, dict] = {}  # the original columns of accepted rows (for conflicts)
        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.filter(is_active=True).only("id", "code", "name", "short_name", "kind"):
            for key in (unit.code, unit.name, unit.short_name):
                if key:
                    self.units.setdefault(key, unit)

    def catalogue(self, month: dt.date) -> Catalogue:
        if month not in self._catalogues:
            self._catalogues[month] = self._catalogue_for(month)
        return self._catalogues[month]

    def _spec(self, text, month: dt.date) -> IndicatorSpec:
        name = "" if text is None else str(text).strip()
        if not name:
            raise RowError("missing_indicator", "缺少指标")
        catalogue = self.catalogue(month)
        spec = catalogue.lookup(name)
        if spec is None:
            raise RowError(
                "unknown_indicator", f"未知指标“{name}”（{month:%Y-%m}适用的指标体系 {catalogue.version} 中没有）"
            )
        if self._has_provider(spec):
            raise RowError(
                "computed_indicator", f"指标“{spec.name}”由平台计算（{spec.provider or '平台'}），不接受导入"
            )
        return spec

    def _unit(self, text, spec: IndicatorSpec) -> Unit:
        name = "" if text is None else str(text).strip()
        if not name:
            raise RowError("missing_unit", "缺少单位")
        unit = self.units.get(name)
        if unit is None:
            raise RowError("unknown_unit", f"未知单位“{name}”（可填单位编码、全称或简称）")
        allowed = set().union(*(KIND_UNITS[k] for k in spec.kinds))
        if unit.kind not in allowed:
            kinds = "、".join({"street": "街镇", "department": "区直部门", "district": "全区"}[k] for k in spec.kinds)
            raise RowError("wrong_unit_kind", f"单位“{unit.name}”不适用：指标“{spec.name}”只用于{kinds}")
        return unit

    def _participants(self, value, spec: IndicatorSpec, rank: float) -> int | None:
        if spec.measure != "rank":
            if value not in (None, ""):
                raise RowError("bad_participants", f"指标“{spec.name}”不是排名类指标，不应填写参评数")
            return None
        if value in (None, ""):
            count = spec.participants
        else:
            try:
                count = int(str(value).strip())
            except ValueError:
                raise RowError("bad_participants", f"参评数“{value}”不是整数") from None
        if count is None or count < 2:
            raise RowError("bad_participants", "参评数须为不小于2的整数")
        if rank > count:
            raise RowError("out_of_range", f"名次 {rank:g} 大于参评数 {count}")
        return count

    def row(self, raw: RawRow, *, default_source: str) -> CleanRow:
        month = parse_month_cell(raw.month, today=self.today)
        spec = self._spec(raw.indicator, month)
        unit = self._unit(raw.unit, spec)
        value = parse_number(raw.value, spec=spec)
        participants = self._participants(raw.participants, spec, value)
        source = ("" if raw.source is None else str(raw.source).strip()) or default_source
        if len(source) > 200:
            raise RowError("bad_source", "来源说明不能超过200个字")
        return CleanRow(raw.number, spec, unit.pk, month, value, source, participants)

    def check(self, rows, *, default_source: str) -> tuple[list[CleanRow], list[Problem], int]:
        """(clean rows with duplicates merged, problems, number of identical duplicates merged)."""
        from jiesu.common.errors import DomainError

        clean: dict[tuple, CleanRow] = {}
        conflicted: dict[tuple, list[tuple[int, dict]]] = {}
        problems: list[Problem] = []
        merged = 0
        for raw in rows:
            try:
                row = self.row(raw, default_source=default_source)
            except RowError as error:
                problems.append(Problem(raw.number, error.code, error.message, raw.raw))
                continue
            except DomainError as error:  # e.g. no catalogue version for that month
                problems.append(Problem(raw.number, error.code, error.message, raw.raw))
                continue
            key = row.key
            if key in conflicted:
                conflicted[key].append((row.number, raw.raw))
            elif key in clean:
                if abs(clean[key].value - row.value) <= _EPS and clean[key].participants == row.participants:
                    merged += 1
                    continue
                earlier = clean.pop(key)
                conflicted[key] = [(earlier.number, self._raw_by_line.get(earlier.number, {})), (row.number, raw.raw)]
            else:
                clean[key] = row
                self._raw_by_line[row.number] = raw.raw
        for key, entries in conflicted.items():
            lines = "、".join(str(n) for n, _ in entries)
            spec = self.catalogue(key[2]).get(key[0])
            for number, raw in entries:
                problems.append(
                    Problem(
                        number,
                        "conflicting_duplicate",
                        f"同一指标、单位、月份（{spec.name if spec else key[0]}，{key[2]:%Y-%m}）出现多次且数值不同"
                        f"（第 {lines} 行），均未导入",
                        raw,
                    )
                )
        problems.sort(key=lambda p: p.number)
        return list(clean.values()), problems, merged
