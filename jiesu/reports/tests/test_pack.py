"""The monthly review pack: figures from the event log, the PDF renders Chinese text, the Excel
holds the ranking, the command writes all three files."""

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from PIL import Image

from jiesu.reports.models import ReviewPack
from jiesu.reports.review import build_review
from jiesu.reports.services import generate_review_pack
from jiesu.reports.tests.conftest import EXPECTED_STREETS

pytestmark = pytest.mark.django_db


def test_review_figures_come_from_the_event_log(ranked_month):
    review = build_review(month="2026-10")
    ranked = [(r.name, r.composite) for r in review.assessment.streets if r.rank is not None]
    assert ranked == EXPECTED_STREETS
    assert [r.rank for r in review.assessment.streets[:4]] == [1, 2, 3, 4]
    assert len(review.assessment.streets) == 26  # the unranked streets/towns are listed after
    depts = [(r.name, r.composite) for r in review.assessment.departments if r.rank is not None]
    assert depts == [
        ("北京市丰台区住房和城乡建设委员会", 100.0),
        ("北京市丰台区房屋管理局", 55.0),
        ("北京市丰台区城市管理委员会", 10.0),
    ]
    d = review.assessment.district
    # Pooled over 26 callbacks: 24 in time (太平桥's 2 late); 19 solved (右安门 1, 城管委 1, 芳城园 5
    # not); satisfaction points 4 + 2.7 + 2 + 3 + 2 + 0 + 5 + 0 = 18.7.
    assert (d.received, d.callbacks) == (26, 26)
    assert d.response_rate == pytest.approx(100 * 24 / 26, abs=0.01)
    assert d.resolution_rate == pytest.approx(100 * 19 / 26, abs=0.01)
    assert d.satisfaction_rate == pytest.approx(100 * 18.7 / 26, abs=0.01)
    listed = {(p.colour, p.level, p.name, p.score) for p in review.assessment.red_black}
    assert listed == {
        ("red", "project", "丰益花园", 100.0),
        ("red", "company", "北京丰益物业管理有限公司", 100.0),
        ("black", "project", "芳城园", 0.0),
        ("black", "company", "北京芳城物业服务有限公司", 0.0),
    }
    assert review.topic.category.path == "城乡建设/安全生产"
    assert review.topic.lead_unit.code == "110106-D12"
    assert review.trend[-2].received == 1 and len(review.trend) == 6
    assert review.categories == [("城乡建设", 3, 1)]  # only the safety orders carry a category


def test_scorecards_name_strongest_and_weakest_indicators(ranked_month):
    cards = {c.row.name: c for c in build_review(month="2026-10").street_cards}
    assert any(s.startswith("综合得分100.00") and "首位" in s for s in cards["方庄街道"].strengths)
    # 太平桥 answered late: its response rate is the weakest of the four ranked streets.
    assert any(w.startswith("响应率0.0%") and "仍存不足" in w for w in cards["太平桥街道"].weaknesses)
    assert any(w.startswith("满意率75.0%") for w in cards["右安门街道"].weaknesses)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()


def test_pdf_renders_chinese_and_is_not_blank(month_of_orders, media, tmp_path):
    pack = generate_review_pack(month="2026-10")
    pdf = Path(media) / pack.pdf_path
    assert pdf.read_bytes().startswith(b"%PDF") and pack.pdf_pages >= 4
    text = _pdf_text(pdf)
    for expected in (
        "2026年10月接诉即办工作点评",
        "街镇综合排名",
        "方庄街道",
        "排名前列",
        "仍存不足",
        "每月一题",
        "区应急管理局",
        "红榜",
        "丰益花园",
        "芳城园",
    ):
        assert expected in text, expected
    assert "13912345678" not in text  # sample orders are masked
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = sum(page.histogram()[:200])  # pixels darker than light grey
    assert dark > 0.01 * page.width * page.height  # text, tables and a chart: clearly not a blank page


def test_excel_holds_the_ranking_sheet(ranked_month, media):
    pack = generate_review_pack(month="2026-10")
    wb = load_workbook(BytesIO((Path(media) / pack.xlsx_path).read_bytes()))
    assert {"概况", "街镇排名", "部门排名", "街镇点评", "每月一题", "治理类街乡镇", "红黑榜", "走势"} <= set(
        wb.sheetnames
    )
    rows = list(wb["街镇排名"].iter_rows(values_only=True))
    assert rows[0][:2] == ("排名", "单位")
    assert len(rows) == 1 + 26
    assert [(r[0], r[1], r[7]) for r in rows[1:5]] == [(i + 1, n, s) for i, (n, s) in enumerate(EXPECTED_STREETS)]
    assert all(r[0] is None for r in rows[5:])
    board = [r[:4] for r in wb["红黑榜"].iter_rows(min_row=2, values_only=True)]
    assert ("红榜", "物业项目", 1, "丰益花园") in board and ("黑榜", "物业项目", 1, "芳城园") in board
    topic = list(wb["每月一题"].iter_rows(values_only=True))
    assert topic[1][2] == "城乡建设/安全生产" and topic[1][3:6] == (1, 3, 2)


def test_html_file_is_self_contained(month_of_orders, media):
    pack = generate_review_pack(month="2026-10")
    html = (Path(media) / pack.html_path).read_text(encoding="utf-8")
    assert "<style>" in html and "data:image/svg+xml;base64," in html and "/static/" not in html
    assert "方庄街道" in html


def test_command_writes_three_files(month_of_orders, media, capsys):
    call_command("monthly_review", "--month", "2026-10")
    pack = ReviewPack.objects.get()
    for fmt in ("html", "pdf", "xlsx"):
        assert (Path(media) / pack.file_path(fmt)).stat().st_size > 1000
    assert "月度工作点评" in capsys.readouterr().out


def test_command_rejects_a_bad_month(reference):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="月份格式"):
        call_command("monthly_review", "--month", "2026-13")
