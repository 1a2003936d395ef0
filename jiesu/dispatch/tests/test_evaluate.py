"""`manage.py evaluate_dispatch` on small labelled files: report, last line, skipped rows, bad files."""

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook
from sklearn.metrics import accuracy_score, f1_score

from jiesu.dispatch.classifier.model import load
from jiesu.dispatch.classifier.testing import tiny_model

FIXTURE = Path(__file__).parent / "fixtures" / "labelled_small.csv"
LAST_LINE = re.compile(r"^macro_f1=(\d\.\d{4}) accuracy=(\d\.\d{4}) n=(\d+) skipped=(\d+)$")


@pytest.fixture(scope="module")
def model_path():
    return tiny_model()["path"]


def run(path, model_path, text_cols="title,content", label_col="label") -> list[str]:
    out = io.StringIO()
    call_command("evaluate_dispatch", data=str(path), text_cols=text_cols, label_col=label_col,
                 model=model_path, stdout=out)
    return out.getvalue().rstrip("\n").split("\n")


def fixture_rows() -> list[dict]:
    with FIXTURE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def expected_scores(model_path) -> tuple[float, float, int]:
    """What the figures must be: the model's own predictions on the usable rows, scored by scikit-learn."""
    clf = load(Path(model_path))
    usable = [r for r in fixture_rows() if (r["title"] or r["content"]) and r["label"] in clf.labels]
    pred = clf.predict([f"{r['title']}\n{r['content']}" for r in usable])
    truth = [r["label"] for r in usable]
    return f1_score(truth, pred, average="macro"), accuracy_score(truth, pred), len(usable)


def test_csv_report_and_last_line(model_path):
    lines = run(FIXTURE, model_path)
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    macro_f1, accuracy, n = expected_scores(model_path)
    assert float(match[1]) == pytest.approx(macro_f1, abs=5e-5)
    assert float(match[2]) == pytest.approx(accuracy, abs=5e-5)
    assert int(match[3]) == n == 21
    assert int(match[4]) == len(fixture_rows()) - n == 4
    text = "\n".join(lines)
    assert "跳过 4 行" in text and "标签不在模型标签集内 2 行" in text and "文本为空 1 行" in text
    assert "标签为空 1 行" in text and "纪检监察" in text
    assert "混淆矩阵" in text and "精确率" in text
    for label in load(Path(model_path)).labels:
        assert label in text


def test_xlsx_and_gb18030_csv_give_the_same_figures(model_path, tmp_path):
    rows = fixture_rows()
    book = Workbook()
    sheet = book.active
    sheet.append(["title", "content", "label"])
    for r in rows:
        sheet.append([r["title"] or None, r["content"] or None, r["label"] or None])
    book.save(tmp_path / "small.xlsx")
    gbk = tmp_path / "small-gb.csv"
    gbk.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("gb18030"))
    reference = run(FIXTURE, model_path)[-1]
    assert run(tmp_path / "small.xlsx", model_path)[-1] == reference
    gb_lines = run(gbk, model_path)
    assert gb_lines[-1] == reference and "编码 gb18030" in gb_lines[0]


def test_single_text_column_with_truncated_messages_from_another_board(model_path, tmp_path):
    """Other cities' boards: one text column, Chinese header, short and truncated messages."""
    path = tmp_path / "other-board.csv"
    path.write_text("留言,类别\n噪音扰民晚上,环境保护\n公交车改线后,交通运输\n拖欠工资,劳动和社会保障\n", encoding="utf-8")
    match = LAST_LINE.match(run(path, model_path, text_cols="留言", label_col="类别")[-1])
    assert match and match[3] == "3" and match[4] == "0"


def test_missing_column_is_a_clear_error(model_path):
    with pytest.raises(CommandError, match="找不到列：正文.*文件中的列：title、content、label"):
        run(FIXTURE, model_path, text_cols="title,正文")


@pytest.mark.parametrize("content, message", [
    ("title,label\n".encode("utf-16"), "空字节"),
    (b"title,label\n\x80\x80\xff,\xfe\xff\n", "无法识别文件编码"),
    (b"PK\x03\x04 not really a workbook", "无法读取 Excel"),
    (b"\xd0\xcf\x11\xe0 old excel", "旧版 Excel"),
    (b"", "文件为空"),
])
def test_unreadable_files_are_clear_errors(model_path, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(path, model_path)


def test_missing_file_and_model(model_path, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run(tmp_path / "none.csv", model_path)
    with pytest.raises(CommandError, match="无法加载分类模型"):
        run(FIXTURE, str(tmp_path / "none.joblib"))
    broken = tmp_path / "broken.joblib"
    shutil.copy(FIXTURE, broken)
    with pytest.raises(CommandError, match="无法加载分类模型"):
        run(FIXTURE, str(broken))


def test_no_usable_rows_says_why(model_path, tmp_path):
    path = tmp_path / "unknown-labels.csv"
    path.write_text("title,content,label\n村干部贪污,侵占集体资金,纪检监察\n", encoding="utf-8")
    with pytest.raises(CommandError, match="没有可评估的行（跳过 1 行）"):
        run(path, model_path)
