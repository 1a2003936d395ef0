"""The supervision's timers: reminders before a deadline and overdue flags. Each is an idempotent
function of `now` that records what it did — one Reminder row (unique per kind, item, milestone
and due date) and one item event (remind / flag_overdue, with the message and its recipients) —
so running it twice, or late, sends nothing twice; a rescheduled deadline is reminded again.

The scheduler (the ops timer registry) calls them; the messages they record are what the notify
app is to send (docs/supervision.md, "Reminders"):

- before due → the lead unit's handlers and leaders (inbox; SMS to the unit leader):
  【督办提醒】“{事项}”的节点“{节点}”将于{日期}到期（还有{n}个工作日），请按时报送进展和佐证材料。
- overdue → the lead unit's leaders, the responsible district leader and the 指挥部 (inbox,
  e-mail; SMS to the unit leader):
  【督办逾期】“{事项}”的节点“{节点}”已于{日期}到期未完成，已标记滞后，请牵头单位说明情况并尽快报送。
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiesu.supervision import services
from jiesu.supervision.models import ItemState, Milestone, Reminder, ReminderKind, SupervisionItem
from jiesu.supervision.rules import rules
from jiesu.timers.registry import Daily, register
from jiesu.worktime import calendar
from jiesu.worktime.services import add_working_days


@dataclass
class TimerRun:
    kind: str
    now: dt.datetime
    fired: list[dict] = field(default_factory=list)
    already_done: int = 0

    def __str__(self) -> str:
        return f"{self.kind}: {len(self.fired)} sent, {self.already_done} already sent before"


def _working_days_between(start: dt.date, end: dt.date) -> int:
    days, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            days += 1
    return days


def _recipients(item: SupervisionItem, *, overdue: bool) -> dict:
    result = {"unit": item.lead_unit_id, "roles": ["handler", "unit_leader"] if not overdue else ["unit_leader"]}
    if overdue:
        result["leader"] = item.responsible_leader_id
        result["centre_roles"] = ["dispatcher"]
    return result


def _targets(*, due_from: dt.date | None, due_to: dt.date) -> list[tuple[SupervisionItem, str, str, dt.date]]:
    """(item, target, title, due) for open milestones, and for the items' own deadlines once no
    milestone is left open, with a due date in [due_from, due_to]."""
    found = []
    milestones = Milestone.objects.filter(done_at__isnull=True, item__state=ItemState.OPEN, due_date__lte=due_to)
    if due_from:
        milestones = milestones.filter(due_date__gte=due_from)
    for m in milestones.select_related("item").order_by("due_date", "item_id", "seq"):
        found.append((m.item, f"milestone:{m.pk}", m.title, m.due_date))
    items = SupervisionItem.objects.filter(
        state=ItemState.OPEN, next_milestone_due__isnull=True, due_date__isnull=False, due_date__lte=due_to
    )
    if due_from:
        items = items.filter(due_date__gte=due_from)
    for item in items.order_by("due_date", "pk"):
        found.append((item, "item", "完成时限", item.due_date))
    return found


def _fire(run: TimerRun, *, kind: str, action: str, item, target: str, title: str, due: dt.date, message: str):
    recipients = _recipients(item, overdue=kind == ReminderKind.OVERDUE)
    if Reminder.objects.filter(kind=kind, item=item, target=target, due_date=due).exists():
        run.already_done += 1
        return
    try:
        with transaction.atomic():
            Reminder.objects.create(
                kind=kind,
                item=item,
                target=target,
                due_date=due,
                run_at=run.now,
                message=message,
                recipients=recipients,
            )
            services.fire_timer(
                item_id=item.pk,
                action=action,
                target=target,
                title=title,
                due_date=due,
                message=message,
                recipients=recipients,
                at=run.now,
            )
    except IntegrityError:  # a concurrent run recorded it first
        run.already_done += 1
        return
    run.fired.append({"item": item.pk, "target": target, "due_date": due.isoformat(), "message": message})


def run_milestone_reminders(*, now: dt.datetime) -> TimerRun:
    """Remind the lead unit of deadlines within the next N working days (data/supervision/rules.yaml)."""
    run = TimerRun(kind=ReminderKind.BEFORE_DUE, now=now)
    day = timezone.localtime(now).date()
    horizon = timezone.localtime(add_working_days(now, days=rules().before_due_workdays)).date()
    for item, target, title, due in _targets(due_from=day, due_to=horizon):
        left = _working_days_between(day, due)
        what = f"的节点“{title}”" if target != "item" else ""
        message = (
            f"【督办提醒】“{item.title}”{what}将于{due:%Y年%m月%d日}到期（还有{left}个工作日），"
            "请按时报送进展和佐证材料。"
        )
        _fire(
            run,
            kind=ReminderKind.BEFORE_DUE,
            action="remind",
            item=item,
            target=target,
            title=title,
            due=due,
            message=message,
        )
    return run


def run_overdue_flags(*, now: dt.datetime) -> TimerRun:
    """Flag every deadline passed without completion, once per deadline."""
    run = TimerRun(kind=ReminderKind.OVERDUE, now=now)
    day = timezone.localtime(now).date()
    for item, target, title, due in _targets(due_from=None, due_to=day - dt.timedelta(days=1)):
        what = f"的节点“{title}”" if target != "item" else ""
        message = f"【督办逾期】“{item.title}”{what}已于{due:%Y年%m月%d日}到期未完成，已标记滞后，请牵头单位说明情况并尽快报送。"
        _fire(
            run,
            kind=ReminderKind.OVERDUE,
            action="flag_overdue",
            item=item,
            target=target,
            title=title,
            due=due,
            message=message,
        )
    return run


# ---------------------------------------------------------------- the scheduler (jiesu.timers)


def _people(recipients: dict) -> list:
    """The users a reminder's recipients describe: roles of the lead unit, the responsible district
    leader, the 指挥部's roles."""
    from django.db.models import Q

    from jiesu.org.models import UnitKind, User

    wanted = Q(pk__in=[])
    if recipients.get("unit"):
        wanted |= Q(unit_id=recipients["unit"], role__in=recipients.get("roles", []))
    if recipients.get("leader"):
        wanted |= Q(pk=recipients["leader"])
    if recipients.get("centre_roles"):
        wanted |= Q(unit__kind=UnitKind.CENTRE, role__in=recipients["centre_roles"])
    return list(User.objects.filter(wanted, is_active=True))


def _send(run: TimerRun, *, kind: str) -> int:
    from jiesu.notify.services import Outgoing, send_many

    items = SupervisionItem.objects.in_bulk([f["item"] for f in run.fired])
    batch = []
    for fired in run.fired:
        item = items[fired["item"]]
        recipients = _recipients(item, overdue=kind == "supervision_overdue")
        batch.append(
            Outgoing(
                kind=kind,
                context={
                    "事项编号": item.number,
                    "事项": item.title,
                    "提醒": fired["message"],
                    "链接": f"/supervision/items/{item.pk}/",
                },
                users=_people(recipients),
                dedupe=f"{kind}:{item.pk}:{fired['target']}:{fired['due_date']}",
            )
        )
    return send_many(batch, now=run.now) if batch else 0


@register("supervision.reminders", label="督办事项到期提醒", schedule=Daily(at="08:00"))
def reminders(*, now):
    run = run_milestone_reminders(now=now)
    sent = _send(run, kind="supervision_reminder")
    return {"reminded": len(run.fired), "already": run.already_done, "messages": sent}


@register("supervision.overdue", label="督办事项逾期标记", schedule=Daily(at="08:10"))
def overdue(*, now):
    run = run_overdue_flags(now=now)
    sent = _send(run, kind="supervision_overdue")
    return {"flagged": len(run.fired), "already": run.already_done, "messages": sent}
