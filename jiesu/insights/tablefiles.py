"""Reading the user's file for `find_hotspots` and `backtest_forecast`: named columns, times that
parse, enough rows — or one Chinese error naming the column or the rows, before any work."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from jiesu.common.errors import InvalidInput
from jiesu.common.tables import cell, read_table

TZ = ZoneInfo("Asia/Shanghai")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?\s*(?:(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}))?)?")
_SEPARATED = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?)?")
# How many bad rows an error message lists.
SHOWN = 5


@dataclass
class Table:
    path: Path
    header: list[str]
    rows: list[list[str]]
    encoding: str | None

    def index(self, column: str) -> int:
        return self.header.index(column)

    def values(self, column: str) -> list[str]:
        i = self.index(column)
        return [cell(row, i) for row in self.rows]


def parse_time(value: str) -> dt.datetime | None:
    """A date or date-time in the forms exports use (ISO 8601 with or without offset, 2019/2/28 11:25:05,
    20180101, 2019年2月28日); naive values are Beijing time. None when it is not a time."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for pattern in (_SEPARATED, _COMPACT_DATE, _CN_DATE):
            m = pattern.match(text)
            if m:
                parts = [int(p) if p else 0 for p in m.groups()]
                try:
                    parsed = dt.datetime(*parts[:3], *parts[3:6])
                except ValueError:
                    return None
                break
        if parsed is None:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)


def read(path: str | Path, *, required: Iterable[str], optional: Iterable[str] = (), min_rows: int = 2) -> Table:
    """The table with its columns checked: every required (and every given optional) column exists,
    and at least `min_rows` data rows."""
    header, rows, encoding = read_table(Path(path))
    rows = [r for r in rows if any((c or "").strip() for c in r)]
    wanted = [c for c in [*required, *optional] if c]
    missing = [c for c in wanted if c not in header]
    if missing:
        present = "、".join(h for h in header if h) or "无"
        raise InvalidInput(f"找不到列：{'、'.join(missing)}（文件中的列：{present}）", code="missing_column")
    if len(rows) < min_rows:
        raise InvalidInput(f"文件只有 {len(rows)} 行数据，至少需要 {min_rows} 行（第1行为表头）", code="too_few_rows")
    return Table(path=Path(path), header=header, rows=rows, encoding=encoding)


def times(table: Table, column: str) -> list[dt.datetime]:
    """Every row's time; an error listing the rows (file line numbers) whose value is not a time."""
    out: list[dt.datetime] = []
    bad: list[str] = []
    for line, value in enumerate(table.values(column), start=2):
        parsed = parse_time(value)
        if parsed is None:
            bad.append(f"第{line}行“{value[:30]}”" if value else f"第{line}行（空）")
        else:
            out.append(parsed)
    if bad:
        shown = "、".join(bad[:SHOWN]) + (f" 等共 {len(bad)} 行" if len(bad) > SHOWN else "")
        raise InvalidInput(f"列“{column}”中有无法识别的时间：{shown}", code="bad_time")
    return out


def numbers(table: Table, column: str) -> list[float]:
    """A numeric column (likes, weights); empty cells are 0, anything else that is not a number is
    an error naming the rows."""
    out: list[float] = []
    bad: list[str] = []
    for line, value in enumerate(table.values(column), start=2):
        try:
            number = float(value) if value else 0.0
        except ValueError:
            bad.append(f"第{line}行“{value[:20]}”")
            continue
        if number < 0 or number != number:
            bad.append(f"第{line}行“{value[:20]}”")
            continue
        out.append(number)
    if bad:
        shown = "、".join(bad[:SHOWN]) + (f" 等共 {len(bad)} 行" if len(bad) > SHOWN else "")
        raise InvalidInput(f"列“{column}”应为非负数：{shown}", code="bad_number")
    return out


def guess_column(header: list[str], hints: Iterable[str]) -> str | None:
    """The first column whose name contains one of the hints (e.g. 点赞 for likes)."""
    for hint in hints:
        for name in header:
            if hint.lower() in name.lower():
                return name
    return None
