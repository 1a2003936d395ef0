"""The review pack's supervision section (民生项目池 ranking, lagging tasks, 主动治理 and its
effect) in HTML and Excel, and the supervision export (Excel, PDF)."""

import io

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jiesu.reports.excel import review_workbook
from jiesu.reports.render import review_html
from jiesu.reports.review import build_review
from jiesu.supervision.demo import load_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(reference):
    from django.core.management import call_command

    call_command("load_assessment_rules", verbosity=0)
    return load_all(data_dir=settings.BASE_DIR / "data" / "supervision", today=timezone.localdate())


def test_review_pack_has_the_supervision_section(demo):
    month = timezone.localdate().replace(day=1)
    review = build_review(month=month)
    section = review.supervision
    assert section.figures["total"] == 64 and section.lagging_total == section.figures["lagging"] > 0
    assert section.lagging[0].item.source == "target_responsibility"  # the 目标责任书 first
    assert len(section.pool) == 21 and section.pool[0].rank == 1
    html = review_html(review)
    assert "八、督办事项与主动治理清单" in html and "民生项目池完成数排名" in html
    assert "ZRS2024-01" in html and "国家自然博物馆实现开工建设" in html
    assert "主动治理清单及成效" in html and "方庄地区夜间施工噪音主动治理" in html
    assert any(p.startswith("截至") and "督办事项共64项" in p for p in review.summary)
    book = load_workbook(io.BytesIO(review_workbook(review)))
    assert {"督办汇总", "民生项目池", "主动治理"} <= set(book.sheetnames)
    assert book["民生项目池"].max_row == 22


def test_supervision_export_excel_and_pdf(demo, users):
    client = Client()
    client.force_login(users["district_leader"])
    xlsx = client.get("/reports/supervision/?format=xlsx&source=target_responsibility")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = [r[0] for r in book["督办汇总"].iter_rows(values_only=True) if r[0]]
    assert any(str(r).startswith("ZRS2024-") for r in rows)
    pdf = client.get("/reports/supervision/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    handler = Client()
    handler.force_login(users["handler"])
    assert handler.get("/reports/supervision/?format=xlsx").status_code == 403
