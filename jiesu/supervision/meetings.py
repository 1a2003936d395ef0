"""向群众报告工作: meetings and their questions — 收集 → 交办 (to a work order or a 督办事项) →
反馈 (answer) → 评价 — checked by question_machine.yaml; and the three figures per street that
the district reports (提问 / 收集 / 答复解决)."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from jiesu.common.errors import InvalidInput, NotFound
from jiesu.org.models import Unit, User
from jiesu.supervision import services, state_machine
from jiesu.supervision.models import (
    Evaluation,
    MeetingQuestion,
    QuestionKind,
    QuestionState,
    ReportMeeting,
    Source,
    SupervisionItem,
)


def create_meeting(
    *,
    user: User | None,
    title: str,
    held_on: dt.date | None,
    street: Unit | None,
    attendance: int | None = None,
    form: str = "",
    reported: tuple[int | None, int | None, int | None] = (None, None, None),
    is_demo: bool = False,
    source_ref: str = "",
) -> ReportMeeting:
    if user is not None:
        services.require_supervisor(user)
    title = services._text(title, field="title", label="会议名称", max_length=200)
    for value in (attendance, *reported):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise InvalidInput("人数和件数须为非负整数", code="invalid_number")
    return ReportMeeting.objects.create(
        title=title,
        held_on=held_on,
        street=street,
        attendance=attendance,
        form=form[:200],
        reported_asked=reported[0],
        reported_collected=reported[1],
        reported_solved=reported[2],
        is_demo=is_demo,
        source_ref=source_ref[:200],
    )


def _question_step(*, user, question_id: int, action: str, apply) -> MeetingQuestion:
    transition = state_machine.QUESTIONS.get(action)
    with transaction.atomic():
        question = MeetingQuestion.objects.select_for_update().filter(pk=question_id).first()
        if question is None:
            raise NotFound("问题不存在", code="not_found")
        state_machine.QUESTIONS.check_role(transition, user, None)
        state_machine.QUESTIONS.check_state(transition, question)
        fields = apply(question)
        question.state = transition.target_for(question.state)
        question.save(update_fields=[*fields, "state"])
    return question


def collect_question(
    *, user: User | None, meeting_id: int, kind: str, text: str, asker_name: str = "", asker_phone: str = ""
) -> MeetingQuestion:
    state_machine.QUESTIONS.check_role(state_machine.QUESTIONS.get("collect"), user, None)
    if kind not in QuestionKind.values:
        raise InvalidInput(f"未知的问题类型：{kind}", code="invalid_choice", details={"field": "kind"})
    text = services._text(text, field="text", label="问题内容", max_length=2000)
    meeting = ReportMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("报告会不存在", code="not_found")
    return MeetingQuestion.objects.create(
        meeting=meeting, kind=kind, text=text, asker_name=asker_name.strip()[:64], asker_phone=asker_phone.strip()[:32]
    )


def question_to_order(*, user: User, question_id: int, lead_unit: Unit | int, at=None) -> MeetingQuestion:
    """交办 as a work order (channel 向群众报告会), created and dispatched by workorders.services."""
    from jiesu.workorders import services as orders
    from jiesu.workorders.models import Channel

    unit = services._unit(lead_unit, label="承办单位", field="lead_unit")
    if unit is None:
        raise InvalidInput("请选择承办单位", code="required", details={"field": "lead_unit"})

    def apply(question):
        meeting = question.meeting
        order, _ = orders.create_order(
            user=user,
            content=question.text,
            channel=Channel.REPORT_MEETING,
            street=meeting.street,
            requester_name=question.asker_name,
            requester_phone=question.asker_phone,
            client_ref=f"meeting-question-{question.pk}",
            payload={"meeting": meeting.pk, "meeting_question": question.pk},
            at=at,
        )
        question.order = orders.dispatch(
            user=user, order_id=order.pk, lead_unit=unit, reason=f"向群众报告工作交办：{meeting.title}", at=at
        )
        return ["order"]

    return _question_step(user=user, question_id=question_id, action="assign_order", apply=apply)


def question_to_item(
    *, user: User, question_id: int, lead_unit: Unit | int, due_date: dt.date | None = None, title: str = ""
) -> MeetingQuestion:
    """交办 as a 督办事项 (for what one work order cannot settle)."""

    def apply(question):
        meeting = question.meeting
        item = services.create_item(
            user=user,
            source=Source.REPORT_MEETING,
            title=title or question.text[:60],
            description=question.text,
            lead_unit=lead_unit,
            start_date=meeting.held_on or timezone.localdate(),
            due_date=due_date,
            street=meeting.street,
            origin=services.Origin(kind="meeting_question", id=str(question.pk), snapshot={"meeting": meeting.title}),
        )
        question.item = item
        return ["item"]

    return _question_step(user=user, question_id=question_id, action="assign_item", apply=apply)


def answer_question(*, user: User, question_id: int, answer: str, at=None) -> MeetingQuestion:
    answer = services._text(answer, field="answer", label="答复内容", max_length=5000)

    def apply(question):
        question.answer, question.answered_at = answer, at or timezone.now()
        return ["answer", "answered_at"]

    return _question_step(user=user, question_id=question_id, action="answer", apply=apply)


def evaluate_question(*, user: User, question_id: int, evaluation: str, at=None) -> MeetingQuestion:
    if evaluation not in Evaluation.values:
        raise InvalidInput(
            "请选择群众评价（满意、基本满意、不满意）", code="invalid_choice", details={"field": "evaluation"}
        )

    def apply(question):
        question.evaluation, question.evaluated_at = evaluation, at or timezone.now()
        return ["evaluation", "evaluated_at"]

    return _question_step(user=user, question_id=question_id, action="evaluate", apply=apply)


@dataclass
class MeetingFigures:
    meeting: ReportMeeting
    asked: int
    collected: int
    solved: int
    itemised: bool  # False: the organiser's reported figures (报送数) are shown
    entered: int = 0  # questions entered one by one
    satisfied: int = 0
    evaluated: int = 0


def meeting_figures(*, meetings=None) -> list[MeetingFigures]:
    """Per meeting (so per street): 提问 / 收集 / 答复解决. A meeting whose organiser reported its
    figures (the seed's district totals) shows those — questions entered one by one later are
    counted beside them, not in their place; otherwise the entered questions are counted."""
    meetings = meetings if meetings is not None else ReportMeeting.objects.all()
    counted = meetings.annotate(
        n=Count("questions"),
        asked=Count("questions", filter=Q(questions__kind=QuestionKind.ASKED)),
        collected=Count("questions", filter=Q(questions__kind=QuestionKind.COLLECTED)),
        solved=Count("questions", filter=Q(questions__state__in=[QuestionState.ANSWERED, QuestionState.EVALUATED])),
        evaluated=Count("questions", filter=~Q(questions__evaluation="")),
        satisfied=Count("questions", filter=Q(questions__evaluation__in=[Evaluation.SATISFIED, Evaluation.BASIC])),
    ).select_related("street")
    rows = []
    for m in counted.order_by("-held_on", "id"):
        reported = m.reported_asked is not None or m.reported_collected is not None
        if reported:
            figures = (m.reported_asked or 0, m.reported_collected or 0, m.reported_solved or 0)
        else:
            figures = (m.asked, m.collected, m.solved)
        rows.append(MeetingFigures(m, *figures, not reported, m.n, m.satisfied, m.evaluated))
    return rows


def linked_item(question: MeetingQuestion) -> SupervisionItem | None:
    return question.item
