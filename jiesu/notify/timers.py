"""The notify app's timers (jiesu.timers registry): deadline warnings and escalation, the callback
due list, delivery of queued e-mail/SMS, and tidying the deadline marks."""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from jiesu.notify import deadline_watch, services
from jiesu.notify.context import when
from jiesu.notify.recipients import people
from jiesu.timers.models import TimerMark
from jiesu.timers.registry import Daily, Every, register
from jiesu.workorders.models import State, WorkOrder

CALLBACK_LIST_MAX = 20


@register("notify.deadlines", label="临期预警与超期督办", schedule=Every(minutes=5))
def deadlines(*, now):
    return deadline_watch.watch(now=now)


@register("notify.deliver", label="发送待发的邮件和短信（含失败重试）", schedule=Every(minutes=1))
def deliver(*, now):
    total = {}
    for _ in range(50):  # at most 10,000 a minute; the rest next minute
        done = services.deliver_pending(now=now)
        for key, value in done.items():
            total[key] = total.get(key, 0) + value
        if sum(done.values()) < 200:
            break
    return total


@register("notify.callback_due", label="待回访提醒", schedule=Daily(at="08:30"))
def callback_due(*, now):
    waiting = WorkOrder.objects.filter(state=State.RESOLVED).select_related("lead_unit").order_by("resolved_at", "id")
    total = waiting.count()
    if not total:
        return {"waiting": 0}
    due_days = getattr(settings, "JIESU_CALLBACK_DUE_DAYS", 2)
    overdue = waiting.filter(resolved_at__lt=now - dt.timedelta(days=due_days)).count()
    lines = [
        f"{o.number} {o.title[:30]}（{o.lead_unit.name if o.lead_unit_id else '—'}，办结于 {when(o.resolved_at)}）"
        for o in waiting[:CALLBACK_LIST_MAX]
    ]
    if total > CALLBACK_LIST_MAX:
        lines.append(f"……另有 {total - CALLBACK_LIST_MAX} 件")
    agents = people(["callback_agents"])
    day = f"{timezone.localtime(now):%Y-%m-%d}"
    sent = services.send(
        kind="callback_due",
        context={
            "数量": str(total),
            "超期数量": str(overdue),
            "清单": "\n".join(lines),
            "链接": settings.JIESU_PUBLIC_URL.rstrip("/") + "/callback/",
        },
        users=agents,
        dedupe=f"callback_due:{day}",
        now=now,
    )
    return {"waiting": total, "past_due": overdue, "messages": sent}


@register("notify.marks_cleanup", label="清理已办结工单的预警进度", schedule=Daily(at="03:30"))
def marks_cleanup(*, now):
    """Marks of orders no longer in a deadline's states are of no use (an order that is reopened, or
    submitted for 核查 again, starts a new epoch)."""
    table = TimerMark._meta.db_table
    orders = WorkOrder._meta.db_table
    deleted = 0
    with connection.cursor() as cursor:
        for deadline, spec in deadline_watch.WATCHED.items():
            states = ", ".join(["%s"] * len(spec.states))
            cursor.execute(
                f"DELETE FROM {table} WHERE timer = %s AND NOT EXISTS "
                f"(SELECT 1 FROM {orders} o WHERE o.id = {table}.subject AND o.state IN ({states}))",
                [deadline_watch.mark_timer(deadline), *spec.states],
            )
            deleted += cursor.rowcount
    return {"deleted": deleted}
