"""The follow-up (跟进事项) behind each leader's comment, as a thin interface so that the 督办
engine (app `supervision`, being built) can back it without touching the comments:

    backend = follow_ups()
    ref = backend.create_follow_up(title=, detail=, unit=, due=, created_by=, source_ref=) -> FollowUpRef
    backend.statuses(refs=[...]) -> {ref id: FollowUpRef}
    backend.report_progress(ref=, text=, done=, user=) -> FollowUpRef

A FollowUpRef carries the item's id (a string: any backend's key), its status (`open`, `done`),
due date and completion time; "overdue" is derived (open and past due), never stored. The backend is
chosen by the setting JIESU_FOLLOW_UP_BACKEND (a dotted path to a class); the default keeps the
items here (FollowUpItem + FollowUpNote). To back comments by 督办事项, write a class with these
three methods over the supervision services and name it in the setting: ReviewComment stores the
backend's name with each ref, so items made before the switch are still read from where they live.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from jiesu.common.errors import InvalidInput, NotFound

STATUS_LABELS = {"open": "办理中", "done": "已办结", "overdue": "已逾期", "done_late": "逾期办结"}


@dataclass(frozen=True)
class FollowUpRef:
    backend: str
    id: str
    status: str  # open | done
    due: dt.date
    done_at: dt.datetime | None = None
    last_note: str = ""

    def state(self, today: dt.date | None = None) -> str:
        """open / done / overdue / done_late — what a meeting is told."""
        today = today or timezone.localdate()
        if self.status == "done":
            late = self.done_at is not None and timezone.localtime(self.done_at).date() > self.due
            return "done_late" if late else "done"
        return "overdue" if today > self.due else "open"

    def label(self, today: dt.date | None = None) -> str:
        return STATUS_LABELS[self.state(today)]


class LocalFollowUps:
    """Follow-ups kept by this app (FollowUpItem), until the 督办 engine takes over."""

    name = "local"

    def _ref(self, item) -> FollowUpRef:
        notes = list(item.notes.all())
        return FollowUpRef(
            backend=self.name,
            id=str(item.pk),
            status=item.status,
            due=item.due,
            done_at=item.done_at,
            last_note=notes[-1].text if notes else "",
        )

    def create_follow_up(self, *, title: str, detail: str, unit, due: dt.date, created_by, source_ref: str):
        from jiesu.indicators.models import FollowUpItem

        item = FollowUpItem.objects.create(
            title=title, detail=detail, unit=unit, due=due, created_by=created_by, source_ref=source_ref
        )
        return self._ref(item)

    def statuses(self, *, refs: list[str]) -> dict[str, FollowUpRef]:
        from jiesu.indicators.models import FollowUpItem

        ids = [int(r) for r in refs if str(r).isdigit()]
        items = FollowUpItem.objects.filter(pk__in=ids).prefetch_related("notes")
        return {str(item.pk): self._ref(item) for item in items}

    def report_progress(self, *, ref: str, text: str, done: bool, user) -> FollowUpRef:
        from jiesu.indicators.models import FollowUpItem, FollowUpNote, FollowUpStatus

        text = (text or "").strip()
        if not text:
            raise InvalidInput("请填写进展情况", code="empty_progress")
        if len(text) > 2000:
            raise InvalidInput("进展情况不能超过2000字", code="progress_too_long")
        with transaction.atomic():
            item = FollowUpItem.objects.select_for_update().filter(pk=int(ref) if str(ref).isdigit() else 0).first()
            if item is None:
                raise NotFound("跟进事项不存在", code="follow_up_not_found")
            if item.status == FollowUpStatus.DONE:
                raise InvalidInput("该事项已办结，不能再报告进展", code="follow_up_closed")
            FollowUpNote.objects.create(item=item, text=text, marks_done=done, by=user)
            if done:
                item.status, item.done_at = FollowUpStatus.DONE, timezone.now()
                item.save(update_fields=["status", "done_at"])
        return self._ref(item)


@cache
def _backend(path: str):
    return import_string(path)()


def follow_ups():
    """The configured backend (JIESU_FOLLOW_UP_BACKEND), by default LocalFollowUps."""
    return _backend(getattr(settings, "JIESU_FOLLOW_UP_BACKEND", "jiesu.indicators.followup.LocalFollowUps"))


def backend_named(name: str):
    """The backend that holds refs stored under `name` (items outlive a switch of backend)."""
    current = follow_ups()
    if current.name == name:
        return current
    if name == LocalFollowUps.name:
        return _backend("jiesu.indicators.followup.LocalFollowUps")
    raise NotFound(f"跟进方式“{name}”未配置", code="follow_up_backend")
