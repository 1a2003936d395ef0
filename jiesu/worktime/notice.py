"""Reading a State Council holiday notice typed as a table (CSV or XLSX): one row per day that
differs from Monday–Friday work, columns 日期, 类型 (放假 / 上班), 名称.

The whole file is checked before anything is written; every problem is reported with its row
number in Chinese (`NoticeError.problems`)."""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from jiesu.common.errors import InvalidInput

MAX_ROWS = 400
_DATE_HEADERS = ("日期", "date")
_KIND_HEADERS = ("类型", "kind", "type")
_NAME_HEADERS = ("名称", "name", "说明")
_REST = {"放假", "休", "休息", "假", "holiday", "off", "rest"}
_WORK = {"上班", "班", "调休上班", "workday", "work"}


class NoticeError(InvalidInput):
    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "；".join(problems[:5]) + (f"；另有 {len(problems) - 5} 处" if len(problems) > 5 else "")
        super().__init__(f"节假日安排文件有误，未写入任何内容：{shown}", code="invalid_calendar_file")


@dataclass
class Notice:
    holidays: list[tuple[dt.date, str]] = field(default_factory=list)
    makeup_workdays: list[tuple[dt.date, str]] = field(default_factory=list)


def read_notice(*, content: bytes, filename: str) -> Notice:
    rows = _rows_xlsx(content) if filename.lower().endswith(".xlsx") else _rows_csv(content)
    if not rows:
        raise NoticeError(["文件为空"])
    header = [str(c or "").strip().lower() for c in rows[0]]
    columns = {}
    for key, names in (("date", _DATE_HEADERS), ("kind", _KIND_HEADERS), ("name", _NAME_HEADERS)):
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            columns[key] = found[0]
    missing = [label for key, label in (("date", "日期"), ("kind", "类型")) if key not in columns]
    if missing:
        raise NoticeError([f"缺少列：{'、'.join(missing)}（表头须含 日期、类型，可选 名称）"])
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise NoticeError([f"行数过多（{len(body)} 行，最多 {MAX_ROWS} 行）"])
    notice, problems, seen = Notice(), [], {}
    for number, row in enumerate(body, start=2):
        cells = list(row) + [None] * 3
        raw_date, raw_kind = cells[columns["date"]], cells[columns["kind"]]
        name = str(cells[columns["name"]] or "").strip()[:32] if "name" in columns else ""
        if all(c in (None, "") for c in row):
            continue
        day = _date(raw_date)
        if day is None:
            problems.append(f"第{number}行：日期“{raw_date}”无法识别（应为 2027-01-01）")
            continue
        kind = str(raw_kind or "").strip().lower()
        if kind not in _REST and kind not in _WORK:
            problems.append(f"第{number}行：类型“{raw_kind}”无法识别（应为 放假 或 上班）")
            continue
        if day in seen:
            problems.append(f"第{number}行：{day} 与第{seen[day]}行重复")
            continue
        seen[day] = number
        (notice.holidays if kind in _REST else notice.makeup_workdays).append((day, name))
    if problems:
        raise NoticeError(problems)
    if not seen:
        raise NoticeError(["没有任何日期行"])
    return notice


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _rows_csv(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise NoticeError(["文件编码无法识别（请存为 UTF-8 或 GB18030 的 CSV）"])
    if "\x00" in text:
        raise NoticeError(["文件含有非法字符（NUL），不是文本表格"])
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise NoticeError(["不是有效的 XLSX 文件"]) from None
    return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
