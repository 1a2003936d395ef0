"""Leader pages tell the truth: the review text never names a unit among both the best and the
worst, never names a unit whose rates rest on a handful of callbacks, says so when nobody is
ranked, shows n beside the rates and a neutral rule name — each case built by hand."""

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from jiesu.reports import scorecard
from jiesu.reports.figures import UnitRow
from jiesu.reports.review import _ranking_line, best_and_worst, build_review
from jiesu.reports.services import generate_review_pack


def row(name: str, composite: float | None, *, callbacks: int = 100, rank: int | None = None, minimum: int = 30):
    return UnitRow(
        code=name,
        name=name,
        kind="department",
        received=callbacks,
        response_rate=composite,
        resolution_rate=composite,
        satisfaction_rate=composite,
        composite=composite,
        rank=rank,
        callbacks=callbacks if composite is not None else 0,
        min_callbacks=minimum,
    )


def ranked(*scores, callbacks=None):
    """Rows ranked by score (competition ranking), named A, B, C … in the given order, returned in
    ranking order as the assessment hands them over."""
    callbacks = callbacks or [100] * len(scores)
    ordered = sorted(scores, reverse=True)
    rows = [
        row(chr(65 + i), s, callbacks=n, rank=ordered.index(s) + 1)
        for i, (s, n) in enumerate(zip(scores, callbacks, strict=True))
    ]
    return sorted(rows, key=lambda r: r.rank)


def test_four_departments_are_never_both_best_and_worst():
    # The old text took the first three and the last two of four: the third was both.
    rows = ranked(99.0, 95.0, 90.0, 80.0)
    top, bottom = best_and_worst(rows)
    assert {r.name for r in top} & {r.name for r in bottom} == set()
    assert [r.name for r in top] == ["A", "B"] and [r.name for r in bottom] == ["D", "C"]
    line = _ranking_line(rows, group="区直部门", what="区直部门", minimum=30)
    assert line == "区直部门排名前列的是A、B；排名靠后的是D、C。"


def test_a_tie_across_the_line_names_neither_side_of_it():
    rows = ranked(100.0, 90.0, 90.0, 80.0)
    top, bottom = best_and_worst(rows)
    assert [r.name for r in top] == ["A"] and [r.name for r in bottom] == ["D"]
    same = ranked(95.0, 95.0, 95.0)
    assert best_and_worst(same) == ([], [])
    assert "得分相同" in _ranking_line(same, group="区直部门", what="区直部门", minimum=30)


def test_small_samples_are_not_named_and_are_counted_in_the_text():
    # C scores 100 on 2 callbacks: not "the best"; the text says one unit is below the minimum.
    rows = ranked(97.0, 93.0, 100.0, 85.0, 88.0, callbacks=[200, 150, 2, 120, 90])
    top, bottom = best_and_worst(rows)
    assert "C" not in {r.name for r in top + bottom}
    line = _ranking_line(rows, group="街镇", what="街镇综合得分", minimum=30, speak=True)
    assert line.startswith("街镇综合得分排名前列的是A、B；排名靠后的是D、E，需在点评会上作表态发言")
    assert "1个街镇有效回访不足30件，样本不足，不参与排名：C（n=2）" in line


def test_a_top_three_place_is_never_called_weak():
    # Seen on the demo: 3rd on every rate was both "位居前列" and "相对薄弱".
    rows = [
        UnitRow("A", "A", "street", 100, 99.0, 99.0, 97.0, 98.5, 1, callbacks=100, min_callbacks=30),
        UnitRow("B", "B", "street", 100, 98.0, 98.5, 99.0, 98.0, 2, callbacks=100, min_callbacks=30),
        UnitRow("C", "C", "street", 100, 97.0, 98.0, 98.0, 97.5, 3, callbacks=100, min_callbacks=30),
        UnitRow("D", "D", "street", 100, 90.0, 90.0, 90.0, 90.0, 4, callbacks=100, min_callbacks=30),
        UnitRow("E", "E", "street", 100, 80.0, 80.0, 80.0, 80.0, 5, callbacks=100, min_callbacks=30),
        UnitRow("F", "F", "street", 100, 70.0, 70.0, 70.0, 70.0, 6, callbacks=100, min_callbacks=30),
        UnitRow("G", "G", "street", 100, 60.0, 60.0, 60.0, 60.0, 7, callbacks=100, min_callbacks=30),
    ]
    for card in scorecard.draft(rows):
        praised = {s.split("，")[0].rstrip("0123456789.%") for s in card.strengths}
        for weak in card.weaknesses:
            assert not any(label and label in weak for label in praised), (card.row.name, card.strengths, weak)
    a = next(c for c in scorecard.draft(rows) if c.row.name == "A")
    assert a.weaknesses == []  # 3rd on satisfaction is within the first three


def test_nobody_ranked_or_nobody_with_enough_callbacks():
    nobody = [row("A", None), row("B", None)]
    assert (
        _ranking_line(nobody, group="街镇", what="街镇综合得分", minimum=30) == "本月各街镇均无有效回访，不作排名点评。"
    )
    few = ranked(100.0, 90.0, 80.0, callbacks=[3, 2, 1])
    line = _ranking_line(few, group="街镇", what="街镇综合得分", minimum=30)
    assert line == "本月各街镇有效回访均不足30件，不作排名点评。"
    assert "排名前列的是" not in line


def test_cards_leave_small_samples_out_of_the_standings():
    rows = ranked(97.0, 93.0, 100.0, 85.0, callbacks=[200, 150, 2, 120]) + [row("Z", None)]
    cards = {c.row.name: c for c in scorecard.draft(rows, group_label="各部门")}
    assert cards["C"].strengths == [] and cards["C"].weaknesses == [] and not cards["C"].pooled
    assert "有效回访仅2件（少于30件）" in cards["C"].sample_note
    assert any("首位" in s for s in cards["A"].strengths)  # A is first among the units that count
    assert cards["Z"].sample_note == "本月无有效回访，未参与排名，不作点评"
    assert cards["Z"].strengths == [] and cards["Z"].weaknesses == []


@pytest.mark.django_db
def test_review_page_reads_true(client, users, month_of_orders):
    """On the hand-built October (every unit under 30 callbacks): n beside the rates, the warning,
    no "排名前列 —。", one "no topic" at most, no rule provenance in the document."""
    client.force_login(users["district_leader"])
    html = client.get(reverse("reports:review", args=["2026-10"])).content.decode()
    assert "有效回访（n）" in html and "样本不足" in html and "样本提示" in html
    assert "（n=4）" in html  # 方庄's card carries its sample size
    assert "—。" not in html and "排名前列</span>—" not in html
    assert "本月无有效回访，未参与排名，不作点评" in html  # an unranked street's card
    assert "huairou" not in html and "怀柔" not in html
    assert "默认口径" in html
    review = build_review(month="2026-10")
    assert any("有效回访均不足30件" in p for p in review.summary)
    # November has no topic: the document says so once.
    november = client.get(reverse("reports:review", args=["2026-11"])).content.decode()
    assert november.count("不设每月一题") == 1


@pytest.mark.django_db
def test_dashboard_shows_n_and_the_neutral_rule_name(client, users, month_of_orders):
    client.force_login(users["district_leader"])
    page = client.get(reverse("reports:dashboard"), {"month": "2026-10"})
    html = page.content.decode()
    data = page.context["data"]
    fangzhuang = next(u for u in data["units"] if u["name"] == "方庄街道")
    assert fangzhuang["callbacks"] == 4 and fangzhuang["small_sample"] is True
    assert data["min_callbacks"] == 30 and data["rule_name"].startswith("默认口径")
    assert "有效回访（n）" in html and "样本提示" in html
    # rule ids stay in form values and the chart data, never in the text
    shown = re.sub(r'value="[^"]*"|<script id="dashboard-data".*?</script>', "", html, flags=re.S)
    assert "huairou" not in shown and "怀柔" not in shown


@pytest.mark.django_db
def test_kpi_table_header_stays_with_its_table_in_the_pdf(month_of_orders, media):
    pack = generate_review_pack(month="2026-10")
    pdf = Path(media) / pack.pdf_path
    for page in range(1, pack.pdf_pages + 1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode()
        if "表1" in text:
            assert "纳入考评诉求量（件）" in text and "综合得分" in text  # caption, header and rows together
            break
    else:
        pytest.fail("KPI table caption not found")
    assert dt.date(2026, 10, 1) == pack.month
