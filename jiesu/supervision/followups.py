"""The monthly review's 点评 follow-ups (jiesu.indicators.followup) kept as 督办事项: each leader's
comment becomes an item of source 领导批示 with the comment's requirement, unit and due date, so that
it is reminded, flagged when overdue, ranked and listed like every other supervised matter.

Selected by JIESU_FOLLOW_UP_BACKEND = "jiesu.supervision.followups.SupervisionFollowUps" (the
default); comments recorded under the indicators' own local backend are still read from there."""

import datetime as dt

from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.indicators.followup import FollowUpRef
from jiesu.org.models import UNIT_ROLES
from jiesu.supervision import services
from jiesu.supervision.models import Evidence, ItemState, Source, SupervisionItem


class SupervisionFollowUps:
    name = "supervision"

    def _ref(self, item: SupervisionItem) -> FollowUpRef:
        done = item.state in (ItemState.COMPLETED, ItemState.CLOSED)
        last = item.reports.order_by("-at").values_list("text", flat=True).first()
        return FollowUpRef(
            backend=self.name,
            id=str(item.pk),
            status="done" if done else "open",
            due=item.due_date,
            done_at=item.completed_at if done else None,
            last_note=last or "",
        )

    def create_follow_up(self, *, title: str, detail: str, unit, due: dt.date, created_by, source_ref: str):
        item = services.create_item(
            user=None,  # the comment was authorised by the meeting; the item is the platform's record of it
            source=Source.LEADER_INSTRUCTION,
            title=title,
            description=detail,
            lead_unit=unit,
            start_date=min(timezone.localdate(), due),
            due_date=due,
            evidence=Evidence.NONE,
            source_ref=source_ref,
            origin=services.Origin(kind="review_comment", id=source_ref),
        )
        return self._ref(item)

    def statuses(self, *, refs: list[str]) -> dict[str, FollowUpRef]:
        ids = [int(r) for r in refs if str(r).isdigit()]
        items = SupervisionItem.objects.filter(pk__in=ids)
        return {str(item.pk): self._ref(item) for item in items}

    def report_progress(self, *, ref: str, text: str, done: bool, user) -> FollowUpRef:
        if not str(ref).isdigit():
            raise InvalidInput("跟进事项编号无效", code="follow_up_not_found")
        item = SupervisionItem.objects.filter(pk=int(ref)).first()
        if item is not None and item.state != ItemState.OPEN:
            raise InvalidInput("该事项已办结，不能再报告进展", code="follow_up_closed")
        # The unit's own people report as themselves; the district (leader, admin) reports on the
        # unit's behalf, which the item's history names.
        own = user is not None and user.role in UNIT_ROLES
        text = (text or "").strip()
        if text and not own:
            text = f"{text}（{user}代报）"
        item = services.report_progress(user=user if own else None, item_id=int(ref), text=text, completes_item=done)
        return self._ref(item)
