"""Messages caused by the closed loop's events. workorders does not know this app: it listens to
WorkOrderEvent's post_save and records the messages (units: new order, returned, supervised;
citizens: received, resolved, callback).

The message rows are data written with the event (a transactional outbox): they are inserted in
the action's own transaction, under a savepoint, so they commit with the event or not at all —
and a failure here is rolled back to the savepoint, logged, and never reaches the action. Only
the delivery (e-mail, SMS, the Celery kick) happens after the commit (jiesu.notify.services).

Only live events notify: an event whose time lies more than LIVE_WINDOW in the past is a replay
(demo data, imports, benchmarks played with their original times) and tells nobody."""

import datetime as dt
import logging

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from jiesu.notify import services
from jiesu.notify.context import order_context
from jiesu.notify.context import when as when_text
from jiesu.notify.models import MessageTemplate
from jiesu.notify.recipients import people
from jiesu.org.models import User
from jiesu.workorders.models import Channel as OrderChannel
from jiesu.workorders.models import WorkOrder, WorkOrderEvent

log = logging.getLogger("jiesu.notify")
LIVE_WINDOW = dt.timedelta(minutes=15)
WATCHED = {
    "create", "dispatch", "redispatch", "rule_dispute", "reopen", "supervise", "resolve", "callback",
    "submit_check", "approve_check", "pass_spot_check", "escalate", "whistle", "request_verification",
}  # fmt: skip
# The events after which the order is resolved for the requester (directly, or after 多级核查).
RESOLVING = {"resolve", "approve_check", "pass_spot_check"}


def connect() -> None:
    from jiesu.timers.signals import timer_alert

    post_save.connect(on_event_saved, sender=WorkOrderEvent, dispatch_uid="notify-order-events")
    post_save.connect(services.invalidate_templates, sender=MessageTemplate, dispatch_uid="notify-templates-save")
    post_delete.connect(services.invalidate_templates, sender=MessageTemplate, dispatch_uid="notify-templates-del")
    timer_alert.connect(on_timer_alert, dispatch_uid="notify-timer-alerts")


def on_timer_alert(sender, *, timer: str, slot: str, message: str, failed: bool, **kwargs) -> None:
    """A timer found something wrong (the facts check drifted) or kept failing: tell the admins."""
    from jiesu.notify.context import when

    title = f"定时任务失败：{timer}" if failed else f"定时任务告警：{timer}"
    services.send(
        kind="admin_alert",
        context={"标题": title, "内容": message, "时间": when(timezone.now())},
        users=people(["admins"]),
        dedupe=f"timer_alert:{timer}:{slot}:{'failed' if failed else 'alert'}",
    )


def on_event_saved(sender, instance: WorkOrderEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw or instance.action not in WATCHED:
        return
    if instance.at < timezone.now() - LIVE_WINDOW:
        return
    _notify_safely(instance)


def _notify_safely(event: WorkOrderEvent) -> None:
    try:
        with services.outbox_savepoint():  # a savepoint inside the action's transaction
            notify_event(event, fresh=True)
    except Exception:
        log.exception("messages for an order event failed", extra={"event_id": event.pk})


def notify_event(event: WorkOrderEvent | int, *, fresh: bool = False) -> int:
    """Record the messages one event causes; returns how many were written. Idempotent (each
    message's dedupe key names the event); `fresh`: the event was appended just now, in this
    transaction, so no message can name it yet (its keys need no look-up).

    The event's order is the one the action wrote (workorders hands it over with the event), so
    nothing is read again."""
    if not isinstance(event, WorkOrderEvent):
        event = WorkOrderEvent.objects.select_related("order__lead_unit").get(pk=event)
    order: WorkOrder = event.order
    payload = event.payload or {}
    base = order_context(order)
    dedupe = f"event:{event.pk}"
    batch: list[services.Outgoing] = []
    # A unit's people are read with their opt-outs and rate counts (one statement, not two).
    checks = services.Checks(now=timezone.now())

    def to_unit(kind, audiences, unit_id=None, **extra):
        users = services.unit_recipients(audiences, unit_id=unit_id or order.lead_unit_id, checks=checks)
        if users:
            batch.append(
                services.Outgoing(
                    kind=kind,
                    context={**base, **extra},
                    users=users,
                    order_id=order.pk,
                    dedupe=f"{dedupe}:{kind}:{unit_id or ''}",
                )
            )

    def to_citizen(kind, **extra):
        if order.requester_phone and order.channel != OrderChannel.IMPORT:
            batch.append(
                services.Outgoing(
                    kind=kind,
                    context={**base, **extra},
                    citizen_phone=order.requester_phone,
                    order_id=order.pk,
                    dedupe=f"{dedupe}:{kind}",
                )
            )

    action = event.action
    if action == "create":
        to_citizen("citizen_received")
    elif action in ("dispatch", "redispatch") or (action == "rule_dispute" and payload.get("upheld")):
        to_unit("unit_new_order", ["unit_handlers"])
    elif action == "rule_dispute":
        to_unit("unit_returned", ["unit_handlers"], 原因=f"退单未获支持：{event.reason}")
    elif action == "reopen":
        answers = ["未解决" if order.solved is False else "", order.get_satisfaction_display() or ""]
        result = "、".join(a for a in answers if a) or "未解决"
        repeat = "该工单多次回访不满意，请单位领导亲自督办。" if payload.get("repeat_dissatisfied") else ""
        to_unit("unit_redo", ["unit_handlers"], 回访结果=result, 原因=event.reason, 重复不满意=repeat)
    elif action == "submit_check":
        to_unit("unit_check_pending", ["unit_leaders"], 核查期限=when_text(order.check_due))
    elif action == "escalate":
        extra = {"处理层级": payload.get("level_label", ""), "统筹单位": payload.get("coordinator_unit_name", "")}
        to_unit("order_escalated", ["unit_handlers"], 原因=event.reason, **extra)
        if payload.get("coordinator_unit") and payload["coordinator_unit"] != order.lead_unit_id:
            to_unit(
                "order_escalated", ["unit_handlers"], unit_id=payload["coordinator_unit"], 原因=event.reason, **extra
            )
    elif action == "whistle":
        due = when_text(dt.datetime.fromisoformat(payload["report_due"])) if payload.get("report_due") else ""
        for unit_id, name in zip(payload.get("units", []), payload.get("unit_names", []), strict=False):
            to_unit("unit_whistled", ["unit_handlers"], unit_id=unit_id, 报到单位=name, 报到期限=due, 原因=event.reason)
    elif action == "request_verification" and payload.get("worker"):
        # 先行核实: the grid worker the request names, on their mobile page.
        worker = User.objects.filter(pk=payload["worker"], is_active=True).first()
        if worker is not None:
            due = when_text(dt.datetime.fromisoformat(payload["due"])) if payload.get("due") else ""
            batch.append(
                services.Outgoing(
                    kind="grid_verification",
                    context={
                        **base,
                        "标题": order.title[:40],
                        "网格": payload.get("grid_name", ""),
                        "地址": order.address or "见地图",
                        "期限": due,
                        "链接": "/grid/",
                    },
                    users=[worker],
                    order_id=order.pk,
                    dedupe=f"{dedupe}:grid_verification",
                )
            )
    elif action == "supervise" and event.actor_id is not None:
        # The timers' own 督办 tell their ladder's audience themselves (jiesu.notify.deadline_watch).
        to_unit("unit_supervised", ["unit_handlers"], 督办意见=event.reason)
    elif action in RESOLVING:
        to_citizen("citizen_resolved", 答复=(order.reply or "")[:60])
    elif action == "callback" and payload.get("reached", True):
        to_citizen("citizen_callback")
    return services.send_many(batch, fresh_keys=fresh, now=checks.now, checks=checks) if batch else 0
