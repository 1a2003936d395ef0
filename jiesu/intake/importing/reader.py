"""Reading a CSV or XLSX export: the whole file is checked (encoding, header, readable dates)
before anything is written, so a malformed file aborts with one clear message and no batch."""

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from jiesu.intake.importing.mapping import FIELDS, Mapping

_CHUNK = 1 << 20


class FileProblem(ValueError):
    """A problem with the file as a whole: nothing is imported."""


def _check_encoding(path: Path, encoding: str) -> None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise FileProblem(f"不支持的文件编码“{encoding}”") from None
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise FileProblem(
                    f"文件不是 {encoding} 编码：第 {offset + error.start + 1} 字节附近无法解码。"
                    "请另存为 UTF-8 编码的 CSV，或在映射中设置 encoding（如 gbk）。"
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileProblem(f"文件不是 {encoding} 编码：文件末尾的字符不完整。") from None


def _is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _csv_rows(path: Path, encoding: str) -> Iterator[list[str]]:
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    with path.open(encoding=enc, newline="") as fh:
        yield from csv.reader(fh)


def _xlsx_rows(path: Path) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileProblem(f"无法打开 Excel 文件：{error}") from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            if row is not None and any(cell not in (None, "") for cell in row):
                yield ["" if cell is None else cell for cell in row]
    finally:
        book.close()


def raw_rows(path: Path, mapping: Mapping) -> Iterator[list]:
    if _is_xlsx(path):
        return _xlsx_rows(path)
    return _csv_rows(path, mapping.encoding)


def check_file(path: Path, mapping: Mapping) -> tuple[list[str], int]:
    """Check the file before any write. Returns (header, number of data rows)."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"文件不存在：{path}")
    if not _is_xlsx(path):
        if path.suffix.lower() not in (".csv", ".txt"):
            raise FileProblem("只支持 CSV（.csv）或 Excel（.xlsx）文件")
        _check_encoding(path, mapping.encoding)
    rows = raw_rows(path, mapping)
    try:
        header = [str(cell).strip() for cell in next(rows)]
    except StopIteration:
        raise FileProblem("文件是空的：没有表头") from None
    except csv.Error as error:
        raise FileProblem(f"CSV 格式错误：{error}") from None
    missing = [f"{column}（{FIELDS[name]}）" for name, column in mapping.columns.items() if column not in header]
    if missing:
        raise FileProblem(f"文件缺少映射所需的列：{'、'.join(missing)}。文件的列为：{'、'.join(header)}")
    count = 0
    try:
        for _ in rows:
            count += 1
    except csv.Error as error:
        raise FileProblem(f"CSV 格式错误（第 {count + 2} 行附近）：{error}") from None
    return header, count


def records(path: Path, mapping: Mapping) -> Iterator[tuple[int, dict]]:
    """(line number in the file, {column: value}) for every data row; line 1 is the header."""
    rows = raw_rows(Path(path), mapping)
    header = [str(cell).strip() for cell in next(rows)]
    for number, row in enumerate(rows, start=2):
        if not any(str(cell).strip() for cell in row):
            continue
        yield number, dict(zip(header, row, strict=False))


def parse_datetime(value, formats: list[str], tz: dt.tzinfo) -> dt.datetime | None:
    """ISO 8601 first, then the mapping's formats; naive times are Beijing time. None if empty;
    ValueError if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time.min)
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in formats:
                try:
                    parsed = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(text) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
