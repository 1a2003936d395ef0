"""The scorecard board shows the n of every hotline rate and never ranks a rate on too few valid
callbacks. October of test_platform.py under a minimum sample of 3 valid callbacks: 方庄街道 has 5
(ranked, n=5 beside its ranks), 大红门街道 has 1 (样本不足: no value, no rank, its n and rate shown
with the reason, and the warning above the matrix)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jiesu.assessment.services import load_rule_file
from jiesu.assessment.tests.flows import with_minimum_sample
from jiesu.indicators import selectors
from jiesu.indicators.services import refresh_platform_values
from jiesu.indicators.tests.test_platform import OCT, dimension_categories, october, value  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def minimum_three(october):  # noqa: F811
    rule = load_rule_file(path=Path(settings.BASE_DIR) / "data" / "assessment" / "rules-huairou-2021.yaml")
    with_minimum_sample(rule, 3)
    refresh_platform_values(month=OCT)
    return october


def test_a_small_sample_has_no_value_but_keeps_its_n_and_rate(minimum_three):
    fz, dhm = minimum_three["fz"], minimum_three["dhm"]
    assert value("jiesu_response", fz).value == pytest.approx(80.0)
    small = value("jiesu_response", dhm)
    assert small.value is None
    assert small.detail["callbacks"] == 1 and small.detail["small_sample"] is True
    assert small.detail["unranked_value"] == 100.0
    assert "有效回访1件，少于3件，样本不足，不参与排名" in small.detail["reason"]
    board = selectors.board(month=OCT)
    card = next(c for c in board.cards if c.unit.id == dhm.pk)
    assert all(ln.place.rank is None for ln in card.lines if ln.spec.code.startswith("jiesu_"))
    fz_card = next(c for c in board.cards if c.unit.id == fz.pk)
    assert next(ln for ln in fz_card.lines if ln.spec.code == "jiesu_composite").place.rank == 1


def test_the_board_shows_n_beside_the_rates_and_warns_of_small_samples(minimum_three, users):
    client = Client()
    client.force_login(users["district_leader"])
    page = client.get(reverse("indicators:board", args=["2026-10"]))
    assert page.status_code == 200
    html = page.content.decode()
    matrix = html[html.index('id="matrix"') :]
    fz_row = matrix[matrix.index(">方庄街道</a>") :].split("</tr>")[0]
    assert fz_row.count('<small class="n">n=5</small>') == 4  # composite, 响应率, 解决率, 满意率
    assert "接诉即办响应率：80.00%（n=5），第1位" in fz_row
    dhm_row = matrix[matrix.index(">大红门街道</a>") :].split("</tr>")[0]
    assert (
        '<td class="r small" title="接诉即办响应率：100.00%（n=1），有效回访1件，少于3件，样本不足，不参与排名">n=1</td>'
        in dhm_row
    )
    warning = html[html.index('id="sample-warning"') :].split("</p>")[0]
    assert "1个街镇" in warning and "大红门街道：" in warning and "综合成绩、响应率、解决率、满意率" in warning
    assert "方庄街道" not in warning
    assert "名次旁小字为比率的样本量 n" in html


def test_the_unit_page_shows_the_rate_its_n_and_why_it_is_not_ranked(minimum_three, users):
    client = Client()
    client.force_login(users["district_leader"])
    html = client.get(reverse("indicators:unit", args=["2026-10", minimum_three["dhm"].code])).content.decode()
    row = html[html.index("<td>接诉即办响应率") :].split("</tr>")[0]
    assert "100.00%" in row and "n=1" in row and "样本不足，不参与排名" in row
