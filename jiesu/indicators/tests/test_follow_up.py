"""The leader's 点评 at the meeting: each comment becomes a follow-up item with a due date (working
days by the calendar), shown at the next meeting with its status; the backend is pluggable (the
督办 engine will take the items over)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from jiesu.common.errors import Forbidden, InvalidInput
from jiesu.indicators import followup, selectors
from jiesu.indicators.followup import FollowUpRef
from jiesu.indicators.models import FollowUpItem, FollowUpNote, ReviewComment
from jiesu.indicators.services import record_comment, report_follow_up
from jiesu.worktime.services import add_working_days

SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture
def at_november_meeting():
    with time_machine.travel(dt.datetime(2026, 11, 6, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def comment(users, unit, month=OCT, **extra):
    fields = {
        "text": "垃圾分类方面仍存不足，执法力度不够",
        "requirement": "加大垃圾分类执法检查",
        "speaker": "区委书记",
    }
    fields.update(extra)
    return record_comment(month=month, unit=unit, user=users["district_leader"], **fields)


def test_a_comment_becomes_a_follow_up_due_in_working_days(users, units, shipped_catalogue, at_november_meeting):
    c = comment(users, units["110106003"])
    item = FollowUpItem.objects.get(pk=int(c.follow_up_ref))
    expected = timezone.localtime(add_working_days(timezone.now(), days=20)).date()
    assert c.due == item.due == expected and expected.weekday() < 5
    assert (c.follow_up_backend, item.status, item.unit_id, item.source_ref) == (
        "local",
        "open",
        c.unit_id,
        f"点评意见#{c.pk}",
    )
    assert "2026年10月工作点评会点评意见" in item.detail


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"text": "  "}, "empty_comment"),
        ({"requirement": ""}, "empty_requirement"),
        ({"due": dt.date(2026, 11, 1)}, "due_in_past"),
        ({"month": dt.date(2026, 12, 1)}, "future_month"),
        ({"text": "长" * 2001}, "comment_too_long"),
    ],
)
def test_bad_comments_are_refused(users, units, shipped_catalogue, at_november_meeting, extra, code):
    with pytest.raises(InvalidInput) as error:
        comment(users, units["110106003"], **extra)
    assert error.value.code == code
    assert not ReviewComment.objects.exists() and not FollowUpItem.objects.exists()


def test_only_leaders_record_and_only_ranked_units_are_commented(users, units, shipped_catalogue, at_november_meeting):
    with pytest.raises(Forbidden):
        record_comment(month=OCT, unit=units["110106003"], text="x", requirement="y", user=users["dispatcher"])
    with pytest.raises(InvalidInput, match="不参与点评"):
        comment(users, units["110106"])
    assert comment(users, units["110106-D01"]).unit.code == "110106-D01"  # departments are commented too


def test_status_at_the_next_meeting(users, units, shipped_catalogue, at_november_meeting):
    xl, dhm, fz = units["110106003"], units["110106004"], units["110106013"]
    on_time = comment(users, xl, due=dt.date(2026, 11, 20))
    late = comment(users, dhm, due=dt.date(2026, 11, 10), requirement="平房区消防隐患排查")
    comment(users, fz, month=SEP, due=dt.date(2026, 11, 9), requirement="物业管理整改")
    old_done = comment(users, fz, month=SEP, due=dt.date(2026, 11, 9), requirement="早已办结的事")
    report_follow_up(comment_id=old_done.pk, text="已完成", done=True, user=users["admin"])
    FollowUpItem.objects.filter(pk=int(old_done.follow_up_ref)).update(done_at=dt.datetime(2026, 9, 20, tzinfo=dt.UTC))
    report_follow_up(comment_id=on_time.pk, text="已开展三轮检查，立案12起", done=True, user=users["district_leader"])
    with time_machine.travel(dt.datetime(2026, 12, 4, 10, tzinfo=dt.UTC), tick=False):
        report_follow_up(comment_id=late.pk, text="排查完毕", done=True, user=users["admin"])
        board = selectors.board(month=NOV)
        by_unit = {c.unit.code: c for c in board.cards}
        assert [(f.requirement, f.status_label) for f in by_unit["110106003"].follow_ups] == [
            ("加大垃圾分类执法检查", "已办结")
        ]
        assert [(f.requirement, f.status_label) for f in by_unit["110106004"].follow_ups] == [
            ("平房区消防隐患排查", "逾期办结")
        ]
        # An older comment still open is reported again; an older one done before the last meeting is not.
        assert [(f.requirement, f.status_label) for f in by_unit["110106013"].follow_ups] == [
            ("物业管理整改", "已逾期")
        ]
        october = selectors.board(month=OCT)
        assert [c.requirement for c in next(c for c in october.cards if c.unit.code == "110106003").comments] == [
            "加大垃圾分类执法检查"
        ]
        assert [n.text for n in FollowUpNote.objects.filter(item_id=int(on_time.follow_up_ref))] == [
            "已开展三轮检查，立案12起"
        ]


def test_who_reports_progress(users, units, shipped_catalogue, at_november_meeting):
    c = comment(users, units["110106013"])  # 方庄: the fixture's handler and unit leader work there
    with pytest.raises(Forbidden):
        report_follow_up(comment_id=c.pk, text="进展", done=False, user=users["other_handler"])
    with pytest.raises(InvalidInput, match="请填写进展情况"):
        report_follow_up(comment_id=c.pk, text=" ", done=False, user=users["unit_leader"])
    ref = report_follow_up(comment_id=c.pk, text="已部署", done=False, user=users["unit_leader"])
    assert (ref.status, ref.last_note) == ("open", "已部署")
    report_follow_up(comment_id=c.pk, text="已完成", done=True, user=users["handler"])
    with pytest.raises(InvalidInput, match="已办结"):
        report_follow_up(comment_id=c.pk, text="再报", done=False, user=users["handler"])


class FakeSupervision:
    """What the 督办 engine's adapter has to offer (the three methods)."""

    name = "fake-supervision"
    items: dict = {}

    def create_follow_up(self, *, title, detail, unit, due, created_by, source_ref):
        key = f"S{len(self.items) + 1}"
        self.items[key] = FollowUpRef(backend=self.name, id=key, status="open", due=due)
        return self.items[key]

    def statuses(self, *, refs):
        return {r: self.items[r] for r in refs if r in self.items}

    def report_progress(self, *, ref, text, done, user):
        self.items[ref] = FollowUpRef(self.name, ref, "done" if done else "open", self.items[ref].due, None, text)
        return self.items[ref]


def test_the_follow_up_backend_is_pluggable(users, units, shipped_catalogue, at_november_meeting, settings):
    settings.JIESU_FOLLOW_UP_BACKEND = "jiesu.indicators.tests.test_follow_up.FakeSupervision"
    c = comment(users, units["110106003"], due=dt.date(2026, 11, 30))
    assert (c.follow_up_backend, c.follow_up_ref) == ("fake-supervision", "S1")
    assert not FollowUpItem.objects.exists()
    report_follow_up(comment_id=c.pk, text="督办系统中已办结", done=True, user=users["admin"])
    view = selectors.comments(month=OCT)[0]
    assert (view.status, view.last_note, view.backend) == ("done", "督办系统中已办结", "fake-supervision")
    # Items made before a switch are still read from the local backend.
    settings.JIESU_FOLLOW_UP_BACKEND = "jiesu.indicators.followup.LocalFollowUps"
    local = comment(users, units["110106004"])
    assert followup.backend_named(local.follow_up_backend).name == "local"
