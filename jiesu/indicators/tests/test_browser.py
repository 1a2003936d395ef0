"""The scorecard in real headless Chromium: the leader reads the month's board, opens a street,
records the 点评; at the next meeting the street's leader reports it done; the administrator
imports a file with a bad row. Screenshots of each page go to var/screenshots/ (or the folder in
JIESU_SCREENSHOTS_DIR, e.g. docs/screenshots when refreshing the documentation)."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from jiesu.common.testing.browser import login, shot
from jiesu.indicators import demo
from jiesu.indicators.models import FollowUpItem, ImportBatch, ReviewComment
from jiesu.indicators.services import load_catalogue_file
from jiesu.indicators.standings import month_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def review_months(users):
    load_catalogue_file(path=Path(settings.BASE_DIR) / "data" / "indicators" / "catalogue-fengtai-2024.yaml")
    months = demo.demo_months()
    demo.load_demo_values(end=months[-1])
    return months[-2], months[-1]


def test_leader_reads_the_board_and_records_a_comment_the_street_reports_on(new_page, users, review_months):
    last_meeting, meeting = review_months
    leader = new_page()
    login(leader, "district_leader")
    leader.click("nav >> text=月度点评评分卡")
    leader.wait_for_selector("#matrix")
    assert f"{meeting.year}年{meeting.month}月 月度工作点评 · 街镇综合评分卡" in leader.inner_text("h1")
    assert leader.locator("#matrix tbody tr").count() == 26
    assert leader.locator("#matrix thead th.ind").count() == 22
    assert leader.locator("#speakers li").count() >= 4
    assert "演示数据" in leader.inner_text("#demo-banner")
    assert leader.locator(".unitcard .para").first.inner_text().count("：") >= 1
    shot(leader, "scorecard-board")

    # Last month's meeting: the leader records a comment on 方庄 (the fixture's unit leader works there).
    leader.goto(f"/scorecard/{last_meeting:%Y-%m}/110106013/")
    paragraph = leader.inner_text("#paragraph")
    assert paragraph.startswith("方庄街道：")
    assert leader.locator("#indicators tbody tr").count() == 22
    leader.fill("textarea[name=text]", "垃圾分类立案诉求比不高，执法力度仍需加大")
    leader.fill("input[name=requirement]", "加大生活垃圾分类执法检查力度")
    leader.fill("input[name=speaker]", "区委书记")
    leader.click("#save-comment")
    leader.wait_for_selector(".msg-success")
    assert "已记录对方庄街道的点评意见" in leader.inner_text(".flash")
    assert "加大生活垃圾分类执法检查力度" in leader.inner_text("#comments + table")
    shot(leader, "scorecard-unit-comment")

    # This month's meeting: 方庄's leader opens the unit's card and reports the follow-up done.
    street = new_page()
    login(street, "unit_leader")
    street.click("nav >> text=本单位评分卡")
    street.wait_for_selector("#follow-ups")
    assert f"方庄街道 · {meeting.year}年{meeting.month}月评分卡" in street.inner_text("h1")
    row = street.locator("#follow-ups + table tbody tr").first
    assert "办理中" in row.inner_text()
    row.locator("input[name=text]").fill("已开展三轮执法检查，立案12起")
    row.locator("input[name=done]").check()
    row.locator("button[type=submit]").click()
    street.wait_for_selector(".msg-success")
    assert "已办结" in street.inner_text("#follow-ups + table")
    shot(street, "scorecard-unit-followup")
    assert FollowUpItem.objects.get().status == "done"
    assert ReviewComment.objects.get().month == last_meeting
    # Another street's people may not open 方庄's card.
    other = new_page()
    login(other, "other_handler")
    response = other.goto(f"/scorecard/{meeting:%Y-%m}/110106013/")
    assert response.status == 403


def test_admin_imports_a_file_and_gets_the_reasons(new_page, users, review_months, tmp_path):
    _, meeting = review_months
    future = month_add(timezone.localdate().replace(day=1), 2)
    path = tmp_path / "城管委拆违数据.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["指标", "单位", "月份", "数值", "来源"])
        writer.writerow(["拆违腾地销账率", "西罗园街道", f"{meeting:%Y-%m}", "97.5", "区城管委"])
        writer.writerow(["拆违腾地销账率", "火星街道", f"{meeting:%Y-%m}", "90", "区城管委"])
        writer.writerow(["拆违腾地销账率", "大红门街道", f"{future:%Y-%m}", "90", "区城管委"])
    admin = new_page()
    login(admin, "admin")
    admin.goto("/admin/indicators/importbatch/")
    admin.click("text=导入点评指标数值")
    admin.set_input_files("input[name=file]", str(path))
    admin.click("input[type=submit]")
    admin.wait_for_selector(".messagelist")
    text = admin.inner_text("#content")
    assert "新增0条，更正1条" in text  # the demo figure gave way to the real one
    assert "未知单位“火星街道”" in text and "在未来" in text
    assert admin.locator("text=下载拒绝清单（2 行）").count() == 1
    shot(admin, "admin-indicator-import")
    assert ImportBatch.objects.get().rejected == 2
