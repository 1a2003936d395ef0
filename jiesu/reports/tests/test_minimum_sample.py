"""A unit under the rule's minimum sample is not ranked anywhere: the assessment, the API, the
dashboard, the review pack (table, cards, text) and its Excel list it after the ranked units as
样本不足，不参与排名 with its n. October under a minimum of 3 valid callbacks (see conftest.py):
方庄 n=4 (100.00), 大红门 n=3 (96.00), 右安门 n=4 (77.50) are ranked; 太平桥 n=2 (90.00) would be
third if it were ranked. Among the departments 区住建委 n=2 scores 100.00 and would be first; only
区房管局 (n=10) is ranked."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from jiesu.assessment import selectors
from jiesu.assessment.tests.flows import with_minimum_sample
from jiesu.reports.review import build_review
from jiesu.reports.services import generate_review_pack

pytestmark = pytest.mark.django_db

TPQ, ZJW = "太平桥街道", "北京市丰台区住房和城乡建设委员会"


@pytest.fixture
def minimum_three(month_of_orders):
    return with_minimum_sample(month_of_orders, 3)


def test_the_assessment_does_not_rank_a_small_sample(minimum_three):
    streets = selectors.monthly_results(month="2026-10", kind="street")
    ranked = [(r.unit_name, r.rank, r.ranked_count) for r in streets if r.rank is not None]
    assert ranked == [("方庄街道", 1, 3), ("大红门街道", 2, 3), ("右安门街道", 3, 3)]
    # 太平桥 keeps its figures and n, comes right after the ranked ones, before the units with none
    fourth = streets[3]
    assert (fourth.unit_name, fourth.rank, fourth.callbacks, fourth.composite) == (TPQ, None, 2, 90.0)
    assert all(r.callbacks == 0 for r in streets[4:])
    departments = selectors.monthly_results(month="2026-10", kind="department")
    assert [(r.unit_name, r.rank) for r in departments if r.rank is not None] == [("北京市丰台区房屋管理局", 1)]
    assert next(r for r in departments if r.unit_name == ZJW).rank is None


def test_the_api_gives_no_rank_to_a_small_sample(minimum_three, users):
    client = APIClient()
    client.force_authenticate(users["district_leader"])
    results = client.get("/api/v1/assessment/2026-10?kind=street").json()["results"]
    tpq = next(r for r in results if r["unit_name"] == TPQ)
    assert tpq["rank"] is None and tpq["callbacks"] == 2 and tpq["composite"] == 90.0


def test_the_review_never_ranks_or_names_a_small_sample(minimum_three):
    review = build_review(month="2026-10")
    streets_line = next(p for p in review.summary if p.startswith("街镇综合得分"))
    best, _, rest = streets_line.partition("；排名靠后的是")
    assert TPQ not in best and TPQ not in rest.split("；")[0]
    assert "1个街镇有效回访不足3件，样本不足，不参与排名：太平桥街道（n=2）" in streets_line
    depts_line = next(p for p in review.summary if p.startswith(("区直部门", "本月各区直部门")))
    assert "排名前列的是" not in depts_line or ZJW not in depts_line.split("排名前列的是")[1].split("；")[0]
    assert f"{ZJW}（n=2）" in depts_line
    card = next(c for c in review.street_cards if c.row.name == TPQ)
    assert card.strengths == [] and card.weaknesses == [] and not card.pooled
    assert all(s.rank is None for s in card.standings)  # no place on any indicator either
    assert "样本不足，不参与排名" in card.sample_note
    # the other cards are ranked among the three: 右安门 is third (last), not fourth
    youanmen = next(c for c in review.street_cards if c.row.name == "右安门街道")
    assert next(s for s in youanmen.standings if s.field == "composite").of == 3


def test_pages_list_a_small_sample_after_the_ranked_units(minimum_three, client, users):
    client.force_login(users["district_leader"])
    html = client.get(reverse("reports:review", args=["2026-10"])).content.decode()
    section = html[html.index("二、街镇综合排名") : html.index("三、区直部门排名")]
    assert "样本提示：1个单位本月有效回访少于3件（太平桥街道 n=2）" in section
    table = section[section.index('<table class="rank">') :]
    assert table.index("右安门街道") < table.index("不参与排名（有效回访少于3件为样本不足）") < table.index(TPQ)
    assert "样本不足，不参与排名（n=2）" in table
    card = html[html.index('<span class="card-name">太平桥街道') :]
    card = card[: card.index('<div class="card">')]
    assert "样本不足，不参与排名" in card and not re.search(r"第\d+名", card)
    page = client.get(reverse("reports:dashboard"), {"month": "2026-10"})
    units = page.context["data"]["units"]
    assert [u["name"] for u in units[:4]] == ["方庄街道", "大红门街道", "右安门街道", TPQ]
    assert units[3]["rank"] is None and units[3]["unranked_note"] == "样本不足，不参与排名（n=2）"
    dashboard = page.content.decode()
    dashboard = dashboard[dashboard.index("点评（排名前列 / 仍存不足）") :]
    assert dashboard.index("右安门街道") < dashboard.index("不参与排名（有效回访少于3件为样本不足）")
    assert "样本不足，不参与排名（n=2）" in dashboard


def test_the_excel_lists_a_small_sample_unranked(minimum_three, media):
    pack = generate_review_pack(month="2026-10")
    wb = load_workbook(BytesIO((Path(media) / pack.xlsx_path).read_bytes()))
    rows = list(wb["街镇排名"].iter_rows(values_only=True))
    assert [(r[0], r[1]) for r in rows[1:5]] == [(1, "方庄街道"), (2, "大红门街道"), (3, "右安门街道"), (None, TPQ)]
    assert rows[4][-1] == "样本不足，不参与排名（n=2）" and rows[4][3] == 2
    assert rows[5][-1] == "无有效回访，不参与排名"
    depts = list(wb["部门排名"].iter_rows(values_only=True))
    zjw = next(r for r in depts if r[1] == ZJW)
    assert zjw[0] is None and zjw[-1] == "样本不足，不参与排名（n=2）"
