"""Reading an indicator file (CSV or XLSX): columns 指标, 单位, 月份, 数值 [, 来源, 参评数] (or
indicator, unit, month, value [, source, participants]); the reject file. A problem with the file as
a whole (type, encoding, header) refuses it before anything is written."""

import csv
import io
from pathlib import Path

from jiesu.common.errors import InvalidInput
from jiesu.indicators.validation import Problem, RawRow

COLUMNS = {
    "indicator": ("指标", "指标名称", "指标编码", "indicator"),
    "unit": ("单位", "单位名称", "单位编码", "街镇", "unit"),
    "month": ("月份", "month"),
    "value": ("数值", "值", "value"),
    "source": ("来源", "数据来源", "source"),
    "participants": ("参评数", "participants"),
}
REQUIRED = ("indicator", "unit", "month", "value")
LABELS = {"indicator": "指标", "unit": "单位", "month": "月份", "value": "数值"}


def _bad(message: str) -> InvalidInput:
    return InvalidInput(f"文件无法导入，未写入任何数据：{message}", code="bad_file")


def _csv_rows(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _bad("文件编码无法识别，请存为 UTF-8 或 GBK 编码的 CSV")
    if "\x00" in text:
        raise _bad("文件含有非法字符（NUL），不是文本表格")
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise _bad(f"CSV 格式错误：{error}") from None


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise _bad("不是有效的 Excel（.xlsx）文件") from None
    try:
        return [["" if c is None else c for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def read_rows(*, name: str, content: bytes) -> list[RawRow]:
    """The data rows of the file, in order; line numbers as a spreadsheet shows them (header = 1)."""
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(content)
    elif suffix in (".csv", ".txt"):
        table = _csv_rows(content)
    else:
        raise _bad("只支持 CSV（.csv）或 Excel（.xlsx）文件")
    if not table or not any(str(c).strip() for c in table[0]):
        raise _bad("文件是空的：没有表头")
    header = [str(c).strip() for c in table[0]]
    positions = {}
    for key, names in COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if len(found) > 1:
            raise _bad(f"表头中“{LABELS.get(key, key)}”列出现了多次")
        if found:
            positions[key] = found[0]
    missing = [LABELS[k] for k in REQUIRED if k not in positions]
    if missing:
        raise _bad(
            f"缺少列：{'、'.join(missing)}。文件的列为：{'、'.join(header)}；需要 指标、单位、月份、数值（可选 来源、参评数）"
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(c).strip() for c in cells):
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        values = {key: cells[i] for key, i in positions.items()}
        rows.append(RawRow(number=number, raw=dict(zip(header, cells, strict=False)), **values))
    if not rows:
        raise _bad("文件只有表头，没有数据行")
    return rows


def reject_csv(problems: list[Problem], header: list[str]) -> bytes:
    """UTF-8 with BOM (opens in Excel): 行号, 原因, 错误代码, then the original columns — fix and re-import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["行号", "原因", "错误代码", *header])
    for p in problems:
        writer.writerow([p.number, p.message, p.code, *(p.raw.get(h, "") for h in header)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def header_of(rows: list[RawRow]) -> list[str]:
    return list(rows[0].raw) if rows else []
