"""向群众报告工作: 收集 → 交办 → 反馈 → 评价, and the per-meeting figures."""

import datetime as dt

import pytest

from jiesu.common.errors import Forbidden, InvalidInput, NotAllowed
from jiesu.supervision import meetings
from jiesu.supervision.models import QuestionState, Source
from jiesu.workorders.models import Channel, State

pytestmark = pytest.mark.django_db
FANGZHUANG = "110106013"


@pytest.fixture
def meeting(users, units):
    return meetings.create_meeting(
        user=users["dispatcher"],
        title="方庄街道向群众报告工作会",
        held_on=dt.date(2026, 6, 20),
        street=units[FANGZHUANG],
        attendance=180,
    )


def test_reported_figures_stay_when_questions_are_entered(users):
    reported = meetings.create_meeting(
        user=users["dispatcher"], title="全区汇总", held_on=None, street=None, reported=(191, 1216, 725)
    )
    meetings.collect_question(user=users["dispatcher"], meeting_id=reported.pk, kind="asked", text="小区停车难")
    (row,) = meetings.meeting_figures()
    assert (row.asked, row.collected, row.solved, row.itemised, row.entered) == (191, 1216, 725, False, 1)


def test_question_loop_to_an_order_and_to_an_item(meeting, users, units):
    asked = meetings.collect_question(
        user=users["handler"],
        meeting_id=meeting.pk,
        kind="asked",
        text="芳群园小区门口占道经营严重",
        asker_name="李四",
        asker_phone="13900001234",
    )
    collected = meetings.collect_question(
        user=users["handler"], meeting_id=meeting.pk, kind="collected", text="希望在紫芳园加装电梯"
    )
    with pytest.raises(Forbidden):
        meetings.question_to_order(user=users["handler"], question_id=asked.pk, lead_unit=units[FANGZHUANG])
    asked = meetings.question_to_order(user=users["dispatcher"], question_id=asked.pk, lead_unit=units[FANGZHUANG])
    order = asked.order
    assert (order.channel, order.state, order.requester_phone) == (
        Channel.REPORT_MEETING,
        State.DISPATCHED,
        "13900001234",
    )
    collected = meetings.question_to_item(
        user=users["dispatcher"], question_id=collected.pk, lead_unit=units[FANGZHUANG], due_date=dt.date(2026, 12, 31)
    )
    assert collected.item.source == Source.REPORT_MEETING and collected.item.origin_kind == "meeting_question"
    with pytest.raises(NotAllowed):
        meetings.question_to_order(user=users["dispatcher"], question_id=collected.pk, lead_unit=units[FANGZHUANG])
    with pytest.raises(NotAllowed):
        meetings.evaluate_question(user=users["handler"], question_id=asked.pk, evaluation="satisfied")
    with pytest.raises(InvalidInput):
        meetings.answer_question(user=users["handler"], question_id=asked.pk, answer=" ")
    meetings.answer_question(user=users["handler"], question_id=asked.pk, answer="已联合城管清理，设置便民摊区")
    asked = meetings.evaluate_question(user=users["handler"], question_id=asked.pk, evaluation="satisfied")
    assert asked.state == QuestionState.EVALUATED
    (row,) = meetings.meeting_figures()
    assert (row.asked, row.collected, row.solved, row.itemised, row.satisfied) == (1, 1, 1, True, 1)
