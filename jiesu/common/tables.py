"""Reading a user's table (CSV/TSV or XLSX) for the commands that take `--data FILE`.

Everything that can go wrong with the file becomes an `InvalidInput` with a Chinese message:
missing or unreadable file, old .xls, unknown encoding, broken Excel, empty sheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from jiesu.common.errors import InvalidInput

ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig reads plain UTF-8 too


def read_table(path: Path) -> tuple[list[str], list[list[str]], str | None]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InvalidInput(f"找不到文件：{path}", code="file_not_found") from exc
    except OSError as exc:
        raise InvalidInput(f"无法读取文件 {path}：{exc.strerror}", code="file_unreadable") from exc
    if raw[:4] == b"PK\x03\x04":
        return (*read_xlsx(raw, path), None)
    if raw[:4] == b"\xd0\xcf\x11\xe0":
        raise InvalidInput("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 UTF-8 CSV", code="file_format")
    if b"\x00" in raw[:4096]:
        raise InvalidInput("文件含有空字节，可能是 UTF-16 编码或二进制文件，请另存为 UTF-8 CSV", code="file_encoding")
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (*read_csv(text), "utf-8" if encoding == "utf-8-sig" else encoding)
    raise InvalidInput("无法识别文件编码（已尝试 utf-8、utf-8-sig、gb18030），请另存为 UTF-8 CSV", code="file_encoding")


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    # standard quoting; only the delimiter varies (comma, tab or semicolon — whichever the header uses most)
    header_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=header_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput(f"CSV 格式有误：{exc}", code="file_format") from exc
    if not rows:
        raise InvalidInput("文件为空", code="file_empty")
    return [h.strip() for h in rows[0]], rows[1:]


def read_xlsx(raw: bytes, path: Path) -> tuple[list[str], list[list[str]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InvalidInput(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 .xlsx", code="file_format") from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InvalidInput("Excel 第一个工作表为空", code="file_empty")
    return [h.strip() for h in rows[0]], rows[1:]


def cell(row: list[str], i: int) -> str:
    return row[i].strip() if i < len(row) and row[i] else ""  # ragged CSV rows may be short
