"""Messages from the loop's events, templates admins edit, opt-out, rate limits, and delivery —
e-mail to a real SMTP server started by the test, SMS through the file gateway, failures retried
with backoff and finally recorded, never in the way of the action."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from jiesu.notify import services
from jiesu.notify.models import Channel, Message, MessageTemplate, Status
from jiesu.notify.templating import render, validate_template
from jiesu.workorders import services as orders
from jiesu.workorders.tests.factories import make_order, spot_check_rates

from .smtp import SmtpServer, free_port

FANGZHUANG = "110106013"


@pytest.fixture
def live(django_capture_on_commit_callbacks):
    """Run the actions' after-commit work (the event listeners) as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def smtp_settings(port):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=3,
        CELERY_TASK_ALWAYS_EAGER=True,
    )


def test_events_notify_the_unit_and_the_citizen(staff, units, live):
    order = live(make_order, users=staff)
    citizen_sms = Message.objects.get(kind="citizen_received", channel=Channel.SMS)
    assert citizen_sms.address == "13812345678" and order.number in citizen_sms.body
    assert citizen_sms.status == Status.PENDING

    live(orders.dispatch, user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
    new = Message.objects.filter(kind="unit_new_order")
    # Handlers and the leader of the lead unit: inbox (delivered by being stored) and e-mail.
    assert set(new.filter(channel=Channel.INBOX).values_list("recipient__username", flat=True)) == {
        "handler",
        "unit_leader",
    }
    assert new.get(channel=Channel.INBOX, recipient=staff["handler"]).status == Status.SENT
    assert new.get(channel=Channel.EMAIL, recipient=staff["handler"]).address == "handler@example.test"
    assert not new.filter(recipient=staff["other_handler"]).exists()
    assert new.get(channel=Channel.SMS).address == "13900000001"  # the leader's mobile

    live(orders.acknowledge, user=staff["handler"], order_id=order.pk)
    live(orders.respond, user=staff["handler"], order_id=order.pk, note="已联系")
    live(orders.submit_check, user=staff["handler"], order_id=order.pk, reply="已清理完毕")
    pending = Message.objects.get(kind="unit_check_pending", channel=Channel.INBOX)
    assert pending.recipient == staff["unit_leader"] and order.number in pending.body
    assert not Message.objects.filter(kind="citizen_resolved").exists()  # not before the leader's check
    with spot_check_rates(0.0):
        live(orders.approve_check, user=staff["unit_leader"], order_id=order.pk)
    resolved = Message.objects.get(kind="citizen_resolved")
    assert "方庄街道" in resolved.body and resolved.channel == Channel.SMS
    live(orders.callback, user=staff["callback"], order_id=order.pk, solved=False, satisfaction=2)
    assert Message.objects.filter(kind="citizen_callback").count() == 1
    live(orders.reopen, user=staff["callback"], order_id=order.pk, reason="路面仍有垃圾")
    returned = Message.objects.get(kind="unit_redo", channel=Channel.INBOX, recipient=staff["handler"])
    assert "路面仍有垃圾" in returned.body and "未解决" in returned.subject


def test_replayed_history_tells_nobody(staff, units, live):
    old = timezone.now() - dt.timedelta(days=30)
    order = live(make_order, users=staff, at=old)
    live(orders.dispatch, user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG], at=old)
    assert not Message.objects.exists()


def test_a_manual_supervision_tells_the_unit_but_the_platforms_own_does_not_twice(staff, units, live):
    order = live(make_order, users=staff)
    live(orders.dispatch, user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
    live(orders.supervise, user=staff["dispatcher"], order_id=order.pk, reason="请今天内处理")
    live(orders.supervise, user=None, order_id=order.pk, reason="超期自动督办")
    notices = Message.objects.filter(kind="unit_supervised", channel=Channel.INBOX, recipient=staff["handler"])
    assert [m.body.count("请今天内处理") for m in notices] == [1]


def test_templates_render_and_malformed_ones_are_refused_in_chinese():
    assert render("工单 {工单编号}", {"工单编号": "FT1"}) == "工单 FT1"
    validate_template(key="unit_warning", subject="预警 {工单编号}", body="{标题} 还剩 {剩余时间}")
    cases = {
        "预警 {工单编号": "花括号不成对",
        "预警 {工单编号}}": "花括号不成对",
        "预警 {}": "空的占位符",
        "预警 {工单编号.upper}": "不合规",
        "预警 {诉求人电话}": "不可用",
    }
    for subject, expected in cases.items():
        with pytest.raises(ValidationError) as caught:
            validate_template(key="unit_warning", subject=subject, body="正文")
        assert any(expected in m for m in caught.value.messages), (subject, caught.value.messages)
    with pytest.raises(ValidationError, match="不能为空"):
        validate_template(key="unit_warning", subject="标题", body="  ")


def test_admin_refuses_a_malformed_template_before_saving(staff, client):
    staff["admin"].is_staff = staff["admin"].is_superuser = True
    staff["admin"].save()
    client.force_login(staff["admin"])
    response = client.post(
        "/admin/notify/messagetemplate/add/",
        {"key": "unit_warning", "subject": "预警 {工单编号", "body": "{标题}", "sms": ""},
    )
    assert response.status_code == 200
    assert "花括号不成对" in response.content.decode()
    assert not MessageTemplate.objects.exists()
    response = client.post(
        "/admin/notify/messagetemplate/add/",
        {"key": "unit_warning", "subject": "【预警】{工单编号} 剩 {剩余时间}", "body": "{标题}", "sms": ""},
    )
    assert response.status_code == 302
    assert services.current_template("unit_warning")[0] == "【预警】{工单编号} 剩 {剩余时间}"


def test_an_edited_template_is_used_and_an_empty_sms_means_no_sms(staff, units, live):
    MessageTemplate.objects.create(key="unit_new_order", subject="派单 {工单编号}", body="请办理 {标题}", sms="")
    order = live(make_order, users=staff)
    live(orders.dispatch, user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
    inbox = Message.objects.get(kind="unit_new_order", channel=Channel.INBOX, recipient=staff["handler"])
    assert inbox.subject == f"派单 {order.number}"
    assert not Message.objects.filter(kind="unit_new_order", channel=Channel.SMS).exists()


def test_opt_out_per_user_and_per_citizen_phone(staff, units, live):
    services.set_opt_outs(user=staff["handler"], blocked=[(Channel.EMAIL, "unit_new_order")])
    services.opt_out_address(address="13812345678", channel=Channel.SMS)
    order = live(make_order, users=staff)
    assert Message.objects.get(kind="citizen_received").status == Status.SKIPPED
    assert Message.objects.get(kind="citizen_received").note == "已退订"
    live(orders.dispatch, user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
    email = Message.objects.get(kind="unit_new_order", channel=Channel.EMAIL, recipient=staff["handler"])
    assert email.status == Status.SKIPPED
    # The inbox copy stays; the leader, who did not opt out, gets the e-mail.
    assert Message.objects.get(kind="unit_new_order", channel=Channel.INBOX, recipient=staff["handler"])
    assert Message.objects.get(kind="unit_new_order", channel=Channel.EMAIL, recipient=staff["unit_leader"]).status == (
        Status.PENDING
    )


@override_settings(JIESU_NOTIFY_RATE_LIMITS={"sms": (2, 3600)})
def test_per_recipient_rate_limit(staff, live):
    for n in range(4):
        live(make_order, users=staff, content=f"第{n}次反映：楼道灯坏了")
    statuses = list(Message.objects.filter(kind="citizen_received").order_by("id").values_list("status", "note"))
    assert [s for s, _ in statuses] == [Status.PENDING, Status.PENDING, Status.SKIPPED, Status.SKIPPED]
    assert "超过频率限制" in statuses[-1][1]


def test_email_reaches_a_real_smtp_server_and_sms_the_gateway_file(staff, units, live, tmp_path):
    outbox = tmp_path / "sms.jsonl"
    with SmtpServer() as smtp, smtp_settings(smtp.port), override_settings(JIESU_SMS_FILE=outbox):
        order = live(make_order, users=staff)
        live(orders.dispatch, user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
        done = services.deliver_pending()
        assert done == {Status.SENT: 4}  # citizen SMS, leader SMS, two e-mails
        received = {m["to"][0]: m["message"] for m in smtp.messages}
        assert set(received) == {"handler@example.test", "unit_leader@example.test"}
        assert order.number in received["handler@example.test"]["Subject"]
        assert "请及时签收" in received["handler@example.test"].get_content()
        lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
        assert {line["phone"] for line in lines} == {"13812345678", "13900000001"}
        # Nothing twice.
        assert services.deliver_pending() == {}
        assert len(smtp.messages) == 2
    sent = Message.objects.filter(channel=Channel.EMAIL)
    assert all(m.status == Status.SENT and m.attempts == 1 and m.sent_at for m in sent)


class BrokenGateway:
    def send(self, *, phone, text):
        raise ConnectionError("网关无响应")


def test_a_failing_smtp_server_and_sms_gateway_are_retried_with_backoff_then_recorded(staff, units, live):
    dead_port = free_port()  # nothing listens there
    with (
        smtp_settings(dead_port),
        override_settings(JIESU_SMS_BACKEND="jiesu.notify.tests.test_messages.BrokenGateway"),
    ):
        order = live(make_order, users=staff)
        # The action is not held up by the broken backends.
        dispatched = live(orders.dispatch, user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
        assert dispatched.state == "dispatched"
        queued = Message.objects.exclude(channel=Channel.INBOX)
        waits = []
        moment = timezone.now()
        for attempt in range(1, 6):
            with time_machine.travel(moment, tick=False):
                outcome = services.deliver_pending(now=moment)
            assert sum(outcome.values()) == queued.count()
            rows = list(queued.all())
            assert {m.attempts for m in rows} == {attempt}
            if attempt < 5:
                assert {m.status for m in rows} == {Status.RETRY}
                nxt = rows[0].next_attempt_at
                waits.append((nxt - moment).total_seconds())
                # Not before its time.
                with time_machine.travel(nxt - dt.timedelta(seconds=1), tick=False):
                    assert services.deliver_pending(now=nxt - dt.timedelta(seconds=1)) == {}
                moment = nxt
        assert waits == [30, 60, 120, 240]
        rows = list(queued.all())
        assert {m.status for m in rows} == {Status.FAILED}
        assert any("网关无响应" in m.last_error for m in rows)
        assert any("Connection refused" in m.last_error or "ConnectionRefused" in m.last_error for m in rows)
        assert all(m.note == "已重试5次仍失败" for m in rows)


# ---------------------------------------------------------------- the outbox


def test_messages_are_written_with_the_event_and_only_delivery_waits_for_the_commit(
    staff, units, django_capture_on_commit_callbacks
):
    order = make_order(users=staff)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        orders.dispatch(user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
        # Inside the action's transaction, before any commit: the rows are there with the event.
        assert Message.objects.filter(kind="unit_new_order", channel=Channel.INBOX).count() == 2
    # After the commit only the delivery is started (e-mail and SMS are queued, not sent).
    assert [f.__name__ for f in after_commit] == ["_kick_delivery"]
    assert set(
        Message.objects.filter(kind="unit_new_order").exclude(channel=Channel.INBOX).values_list("status", flat=True)
    ) == {Status.PENDING}


def test_an_action_rolled_back_leaves_no_message(staff, units):
    from django.db import transaction

    order = make_order(users=staff)
    before = Message.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        orders.dispatch(user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
        assert Message.objects.count() > before
        raise RuntimeError("the caller's transaction fails after the action")
    assert Message.objects.count() == before
    assert order.events.filter(action="dispatch").count() == 0


def test_a_failure_recording_messages_never_reaches_the_action(staff, units, monkeypatch, caplog):
    """A database error inside the messages' savepoint (which on PostgreSQL would abort the whole
    transaction without it) is rolled back alone: the action and its event commit, nothing else."""
    from django.db import connection

    def broken(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM notify_message")

    before = Message.objects.count()
    # The citizen's message: the failing statement is the first (the savepoint goes with it) — the
    # opt-out read, or on PostgreSQL the only one (the SMS decided and inserted at once).
    monkeypatch.setattr(services, "_recent_and_opted_out", broken)
    monkeypatch.setattr(services, "_citizen_sms_sql", lambda vendor: "SELECT no_such_column FROM notify_message")
    order = make_order(users=staff)
    assert order.number.startswith("FT") and order.events.get().action == "create"
    # The unit's: the insert fails after the recipients' read (with their opt-outs) succeeded.
    monkeypatch.setattr(services, "_insert_small", broken)
    dispatched = orders.dispatch(user=staff["dispatcher"], order_id=order.pk, lead_unit=units[FANGZHUANG])
    assert dispatched.state == "dispatched"
    assert Message.objects.count() == before
    assert order.events.filter(action="dispatch").count() == 1
    assert "messages for an order event failed" in caplog.text
    # The transaction is usable: the next action succeeds (and tells the unit again once mended).
    monkeypatch.undo()
    orders.supervise(user=staff["dispatcher"], order_id=order.pk, reason="请尽快处理")
    assert Message.objects.filter(kind="unit_supervised", channel=Channel.INBOX).count() == 2


def test_an_edited_template_reaches_the_next_message_at_once(staff, units, live):
    live(make_order, users=staff)  # the templates are read (and cached) here
    MessageTemplate.objects.create(
        key="citizen_received", subject="已受理 {工单编号}", body="您的诉求已受理：{工单编号}", sms="新模板 {工单编号}"
    )
    order = live(make_order, users=staff, content="第二次：楼道灯坏了")
    assert Message.objects.filter(kind="citizen_received", order=order).get().body.startswith("新模板 ")
