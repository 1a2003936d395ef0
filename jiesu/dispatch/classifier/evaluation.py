"""Read any labelled file (CSV/TSV or XLSX) and score the classifier on it.

Everything that can go wrong with a user's file becomes an `InvalidInput` with a Chinese message:
unreadable file, unknown encoding, missing column, no usable row."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from jiesu.common.errors import InvalidInput

ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig reads plain UTF-8 too
SKIP_EMPTY_TEXT = "文本为空"
SKIP_EMPTY_LABEL = "标签为空"
SKIP_UNKNOWN_LABEL = "标签不在模型标签集内"


@dataclass
class LabelledRows:
    texts: list[str]
    labels: list[str]
    skipped: Counter = field(default_factory=Counter)  # reason → count
    unknown_labels: Counter = field(default_factory=Counter)
    encoding: str | None = None


def _read_table(path: Path) -> tuple[list[str], list[list[str]], str | None]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InvalidInput(f"找不到文件：{path}", code="file_not_found") from exc
    except OSError as exc:
        raise InvalidInput(f"无法读取文件 {path}：{exc.strerror}", code="file_unreadable") from exc
    if raw[:4] == b"PK\x03\x04":
        return (*_read_xlsx(raw, path), None)
    if raw[:4] == b"\xd0\xcf\x11\xe0":
        raise InvalidInput("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 UTF-8 CSV", code="file_format")
    if b"\x00" in raw[:4096]:
        raise InvalidInput("文件含有空字节，可能是 UTF-16 编码或二进制文件，请另存为 UTF-8 CSV", code="file_encoding")
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (*_read_csv(text), "utf-8" if encoding == "utf-8-sig" else encoding)
    raise InvalidInput("无法识别文件编码（已尝试 utf-8、utf-8-sig、gb18030），请另存为 UTF-8 CSV",
                       code="file_encoding")


def _read_csv(text: str) -> tuple[list[str], list[list[str]]]:
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


def _read_xlsx(raw: bytes, path: Path) -> tuple[list[str], list[list[str]]]:
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


def _cell(row: list[str], i: int) -> str:
    return row[i].strip() if i < len(row) and row[i] else ""  # ragged CSV rows may be short


def read_labelled(path: Path, *, text_cols: list[str], label_col: str, known_labels: list[str]) -> LabelledRows:
    """Rows with joined text and a label from `known_labels`; the rest are counted by reason."""
    header, rows, encoding = _read_table(Path(path))
    missing = [c for c in [*text_cols, label_col] if c not in header]
    if missing:
        raise InvalidInput(f"找不到列：{'、'.join(missing)}（文件中的列：{'、'.join(h for h in header if h) or '无'}）",
                           code="missing_column")
    text_at, label_at = [header.index(c) for c in text_cols], header.index(label_col)
    known = set(known_labels)
    out = LabelledRows(texts=[], labels=[], encoding=encoding)
    for row in rows:
        text = "\n".join(t for t in (_cell(row, i) for i in text_at) if t)
        label = _cell(row, label_at)
        if not text:
            out.skipped[SKIP_EMPTY_TEXT] += 1
        elif not label:
            out.skipped[SKIP_EMPTY_LABEL] += 1
        elif label not in known:
            out.skipped[SKIP_UNKNOWN_LABEL] += 1
            out.unknown_labels[label] += 1
        else:
            out.texts.append(text)
            out.labels.append(label)
    return out


@dataclass
class Scores:
    labels: list[str]
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion: np.ndarray  # rows: true label, columns: predicted label (in `labels` order)
    macro_f1: float
    accuracy: float
    n: int


def score(*, truth: list[str], pred: list[str], labels: list[str]) -> Scores:
    """Per-class figures over the model's labels; macro-F1 over the labels that occur in the file
    (true or predicted), as scikit-learn defines it."""
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    return Scores(labels=labels, precision=p, recall=r, f1=f, support=s,
                  confusion=confusion_matrix(truth, pred, labels=labels),
                  macro_f1=float(f1_score(truth, pred, average="macro", zero_division=0)),
                  accuracy=float(accuracy_score(truth, pred)), n=len(truth))


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(s))
    return gap + s if right else s + gap


def format_report(scores: Scores) -> list[str]:
    name_w = max(_width(x) for x in [*scores.labels, "类别"]) + 2
    lines = ["各类别指标：", _pad("类别", name_w) + "   精确率   召回率     F1   样本数"]
    for i, label in enumerate(scores.labels):
        lines.append(_pad(label, name_w) + f"{scores.precision[i]:>9.4f}{scores.recall[i]:>9.4f}"
                     f"{scores.f1[i]:>7.4f}{int(scores.support[i]):>9d}")
    lines += ["", "混淆矩阵（行：真实标签，列：预测标签）："]
    col_w = max(_width(x) for x in scores.labels) + 1
    lines.append(_pad("", name_w) + "".join(_pad(x, col_w, right=True) for x in scores.labels))
    for i, label in enumerate(scores.labels):
        lines.append(_pad(label, name_w) + "".join(_pad(str(v), col_w, right=True) for v in scores.confusion[i]))
    return lines


def summary_line(scores: Scores, skipped: int) -> str:
    return f"macro_f1={scores.macro_f1:.4f} accuracy={scores.accuracy:.4f} n={scores.n} skipped={skipped}"
