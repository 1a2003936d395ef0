"""The street scorecard (jiesu.indicators) in the monthly review pack: one section per street in
the PDF/HTML, three sheets in the workbook; platform figures computed from the month's orders,
imported ones read as stored, last meeting's comments with their status."""

import datetime as dt
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from jiesu.indicators import demo
from jiesu.indicators.models import IndicatorValue, Origin
from jiesu.indicators.services import load_catalogue_file, record_comment
from jiesu.reports.services import generate_review_pack

pytestmark = pytest.mark.django_db
OCT = dt.date(2026, 10, 1)


@pytest.fixture
def scorecard_month(ranked_month, users, units):
    load_catalogue_file(path=Path(settings.BASE_DIR) / "data" / "indicators" / "catalogue-fengtai-2024.yaml")
    demo.load_demo_values(end=OCT)  # every other indicator and street (演示数据)
    record_comment(
        month=dt.date(2026, 9, 1), unit=units["110106001"], text="解决率偏低", requirement="复盘未解决诉求",
        user=users["district_leader"], due=timezone.localdate() + dt.timedelta(days=30),
    )  # fmt: skip


def test_pack_has_a_scorecard_section_per_street(scorecard_month, media):
    pack = generate_review_pack(month="2026-10")
    text = subprocess.run(
        ["pdftotext", "-layout", str(Path(media) / pack.pdf_path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "各街镇综合评分卡" in text and "本次会议发言" in text and "全市17个参评区" in text
    assert "演示数据" in text
    assert text.count("综合排位第") >= 26
    assert "上次点评意见落实情况" in text and "复盘未解决诉求" in text
    # The platform figure of 方庄 (all in time, solved, very satisfied) replaced the demo one.
    composite = IndicatorValue.objects.get(indicator="jiesu_composite", unit__code="110106013", month=OCT)
    assert (composite.value, composite.origin) == (100.0, Origin.PLATFORM)
    assert pack.pdf_pages >= 26 + 4

    wb = load_workbook(BytesIO((Path(media) / pack.xlsx_path).read_bytes()))
    assert {"综合评分卡", "街镇点评要点", "点评意见跟进"} <= set(wb.sheetnames)
    rows = list(wb["综合评分卡"].iter_rows(values_only=True))
    assert len(rows) == 1 + 26 * 22
    fz = next(r for r in rows[1:] if r[1] == "方庄街道" and r[2] == "接诉即办综合成绩")
    assert fz[5] == 100.0 and fz[15] == "平台计算"
    paragraphs = list(wb["街镇点评要点"].iter_rows(min_row=2, values_only=True))
    assert len(paragraphs) == 26 and all(p[4].startswith(p[1] + "：") for p in paragraphs)
    follow = list(wb["点评意见跟进"].iter_rows(min_row=2, values_only=True))
    assert [(f[0], f[1], f[4], f[6]) for f in follow] == [("右安门街道", "上次点评", "复盘未解决诉求", "办理中")]


def test_unit_scorecard_shows_n_beside_the_rates(scorecard_month, client, users):
    from django.core.management import call_command

    call_command("compute_indicators", "--month", "2026-10")  # the platform figures, with their n
    client.force_login(users["district_leader"])
    html = client.get("/scorecard/2026-10/110106013/").content.decode()  # 方庄: 4 valid callbacks in October
    assert html.count('class="muted sample-n" title="有效回访件数">n=4</span>') >= 3  # composite and the three rates
