"""The scorecard pages: who sees what, the forms, bad input as Chinese messages (never a 500)."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from jiesu.assessment.services import load_rule_file
from jiesu.indicators import demo
from jiesu.indicators.models import FollowUpItem, IndicatorValue, ReviewComment

NOV = "2026-11"


@pytest.fixture
def demo_values(shipped_catalogue):
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False):
        demo.load_demo_values(end=dt.date(2026, 11, 1))
        yield


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.mark.parametrize("role", ["district_leader", "dispatcher", "admin", "auditor"])
def test_district_roles_see_the_board(users, demo_values, role):
    page = client(users[role]).get(f"/scorecard/{NOV}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "2026年11月 月度工作点评 · 街镇综合评分卡" in text and "演示数据" in text
    assert text.count('class="unitcard') == 26 and "本次会议发言" in text and "全市17个参评区" in text


def test_unit_people_see_only_their_own_card(users, demo_values):
    assert client(users["handler"]).get(f"/scorecard/{NOV}/").status_code == 403
    own = client(users["unit_leader"]).get(f"/scorecard/{NOV}/110106013/")
    assert own.status_code == 200 and "方庄街道 · 2026年11月评分卡" in own.content.decode()
    assert client(users["other_handler"]).get(f"/scorecard/{NOV}/110106013/").status_code == 403
    anonymous = client().get(f"/scorecard/{NOV}/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_bad_input_is_a_chinese_message(users, demo_values):
    leader = client(users["district_leader"])
    bad = leader.get("/scorecard/2026-13/")
    assert bad.status_code == 400 and "月份格式不正确" in bad.content.decode()
    kind = leader.get(f"/scorecard/{NOV}/?kind=village")
    assert kind.status_code == 400 and "单位类型" in kind.content.decode()
    assert leader.get(f"/scorecard/{NOV}/nosuchunit/").status_code == 404
    departments = leader.get(f"/scorecard/{NOV}/?kind=department")
    assert departments.status_code == 200 and "区直部门综合评分卡" in departments.content.decode()


def test_index_opens_the_latest_month_with_figures(users, demo_values):
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False):
        page = client(users["district_leader"]).get("/scorecard/")
    assert page.status_code == 302 and page["Location"].endswith(f"/scorecard/{NOV}/")


def test_recording_a_comment_and_reporting_on_it(users, demo_values):
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False):
        leader = client(users["district_leader"])
        form = {
            "text": "接诉即办成绩靠后",
            "requirement": "逐件复盘未解决诉求",
            "speaker": "区委书记",
            "due": "2026-12-31",
        }
        done = leader.post(f"/scorecard/{NOV}/110106013/comment/", form, follow=True)
        assert "已记录对方庄街道的点评意见" in done.content.decode()
        c = ReviewComment.objects.get()
        assert (c.due, c.requirement) == (dt.date(2026, 12, 31), "逐件复盘未解决诉求")
        refused = leader.post(f"/scorecard/{NOV}/110106013/comment/", {**form, "due": "31/12/2026"}, follow=True)
        assert "不是有效日期" in refused.content.decode() and ReviewComment.objects.count() == 1
        assert client(users["dispatcher"]).post(f"/scorecard/{NOV}/110106013/comment/", form).status_code == 403
        # The street's leader reports at the next meeting's page.
        reply = client(users["unit_leader"]).post(
            f"/scorecard/comment/{c.pk}/progress/", {"text": "已复盘23件", "done": "1", "back": "2026-12"}, follow=True
        )
        assert "事项已办结" in reply.content.decode()
        assert FollowUpItem.objects.get().status == "done"
        assert (
            client(users["other_handler"]).post(f"/scorecard/comment/{c.pk}/progress/", {"text": "x"}).status_code
            == 302
        )
        assert FollowUpItem.objects.get().notes.count() == 1


def test_recompute_button_for_leaders_only(users, demo_values):
    load_rule_file(path=Path(settings.BASE_DIR) / "data" / "assessment" / "rules-huairou-2021.yaml")
    assert client(users["dispatcher"]).post(f"/scorecard/{NOV}/compute/").status_code == 403
    done = client(users["admin"]).post(f"/scorecard/{NOV}/compute/", follow=True)
    assert "已重新计算2026年11月平台指标" in done.content.decode()
    assert IndicatorValue.objects.exists()


def test_mine_opens_the_users_own_card(users, demo_values):
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False):
        own = client(users["unit_leader"]).get("/scorecard/mine/")
        assert own.status_code == 302 and own["Location"].endswith(f"/scorecard/{NOV}/110106013/")
        assert client(users["agent"]).get("/scorecard/mine/").status_code == 403  # the command centre is not ranked
