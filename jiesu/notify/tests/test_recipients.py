"""A unit's recipients are read with their opt-outs and rate counts in one statement
(`services.unit_recipients`, issue 19): the same users as `recipients.people`, with their mobile
numbers, and what `_recent_and_opted_out` would have read for them — so the messages are the same."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiesu.notify import services
from jiesu.notify.models import Channel, Message, OptOut, RecipientProfile, Status
from jiesu.notify.recipients import UNIT_AUDIENCE_ROLES, people, phone_of
from jiesu.org.models import Role
from jiesu.org.services import create_user

pytestmark = pytest.mark.django_db
FANGZHUANG = "110106013"


@pytest.fixture
def crowd(users, units):
    """方庄's people in every state that matters: with and without e-mail and mobile, inactive, opted
    out by user, by address, for one kind or all; and some recent messages to their addresses."""
    unit = units[FANGZHUANG]
    extra = {
        "leader2": create_user(username="leader2", password="pw-test-123", role=Role.UNIT_LEADER, unit=unit),
        "gone": create_user(username="gone", password="pw-test-123", role=Role.HANDLER, unit=unit),
        "plain": create_user(username="plain", password="pw-test-123", role=Role.HANDLER, unit=unit),
    }
    extra["gone"].is_active = False
    extra["gone"].save(update_fields=["is_active"])
    for name, email in (
        ("handler", "h@example.test"),
        ("unit_leader", "l@example.test"),
        ("leader2", "l@example.test"),
    ):
        user = users.get(name) or extra[name]
        user.email = email
        user.save(update_fields=["email"])
    RecipientProfile.objects.create(user=users["unit_leader"], phone="13900000001")
    RecipientProfile.objects.create(user=users["handler"], phone="")
    RecipientProfile.objects.create(user=extra["leader2"], phone="13900000002")
    OptOut.objects.create(user=users["handler"], channel=Channel.EMAIL, kind="unit_new_order")
    OptOut.objects.create(address="13900000002", channel=Channel.SMS)
    OptOut.objects.create(address="l@example.test", channel=Channel.EMAIL, kind="unit_check_pending")
    OptOut.objects.create(address="nobody@example.test", channel=Channel.EMAIL)
    now = timezone.now()
    for address, channel, status, age in (
        ("l@example.test", Channel.EMAIL, Status.SENT, 10),
        ("l@example.test", Channel.EMAIL, Status.PENDING, 100),
        ("l@example.test", Channel.EMAIL, Status.SKIPPED, 10),  # refused: not counted
        ("l@example.test", Channel.EMAIL, Status.SENT, 4000),  # outside the hour: not counted
        ("13900000001", Channel.SMS, Status.SENT, 10),
        ("13900000001", Channel.EMAIL, Status.SENT, 10),  # another channel's count
    ):
        Message.objects.create(
            kind="x", channel=channel, address=address, subject="s", body="b", status=status,
            created_at=now - dt.timedelta(seconds=age),
        )  # fmt: skip
    return unit


@pytest.mark.parametrize("names", [["unit_handlers"], ["unit_leaders"], ["unit_leaders", "unit_handlers"]])
def test_the_same_users_with_their_numbers_and_checks(crowd, names):
    expected = people(names, unit_id=crowd.pk)
    checks = services.Checks(now=timezone.now())
    with CaptureQueriesContext(connection) as seen:
        found = services.unit_recipients(names, unit_id=crowd.pk, checks=checks)
        numbers = {u.pk: phone_of(u) for u in found}  # no query: the profile came with the user
    assert len(seen.captured_queries) == 1
    assert sorted(u.pk for u in found) == sorted(u.pk for u in expected)
    assert numbers == {u.pk: phone_of(u) for u in expected}
    assert {u.pk: (u.email, u.username, u.role, u.unit_id) for u in found} == {
        u.pk: (u.email, u.username, u.role, u.unit_id) for u in expected
    }
    wanted = {Channel.EMAIL: {u.email for u in expected if u.email}, Channel.SMS: {p for p in numbers.values() if p}}
    counts, opted_out = services._recent_and_opted_out(
        checks.now,
        wanted,
        services._rate_limits(),
        {u.pk for u in expected},
        wanted[Channel.EMAIL] | wanted[Channel.SMS],
    )
    assert checks.counts == counts
    assert checks.opted_out == opted_out and opted_out  # by user and by address (one kind or all)
    assert checks.user_ids == {u.pk for u in expected}
    if "unit_leaders" in names:
        assert counts[(Channel.EMAIL, "l@example.test")] == 2 and counts[(Channel.SMS, "13900000001")] == 1


def test_no_unit_reads_nothing(crowd):
    checks = services.Checks(now=timezone.now())
    with CaptureQueriesContext(connection) as seen:
        assert services.unit_recipients(["unit_handlers"], unit_id=None, checks=checks) == []
    assert not seen.captured_queries
    assert UNIT_AUDIENCE_ROLES["unit_handlers"] == (Role.HANDLER, Role.UNIT_LEADER)


@pytest.mark.parametrize("kind", ["unit_new_order", "unit_check_pending"])
def test_messages_with_the_checks_are_those_without(crowd, kind, settings):
    """The same batch recorded with the checks read alongside the users and with the statement of
    its own: the same rows, statuses and notes (opt-outs, a rate limit reached within the batch)."""
    settings.JIESU_NOTIFY_RATE_LIMITS = {"email": (3, 3600), "sms": (1, 3600)}

    def record(with_checks: bool):
        now = timezone.now()
        checks = services.Checks(now=now)
        users = services.unit_recipients(["unit_handlers"], unit_id=crowd.pk, checks=checks)
        items = [
            services.Outgoing(kind=kind, context={"工单编号": f"FT{n}"}, users=users, dedupe=f"t:{with_checks}:{n}")
            for n in (1, 2)
        ]
        with CaptureQueriesContext(connection) as seen:
            written = services.send_many(items, now=now, checks=checks if with_checks else None)
        rows = Message.objects.filter(dedupe_key__startswith=f"t:{with_checks}:").order_by("id")
        return (
            written,
            len(seen.captured_queries),
            [(m.channel, m.recipient_id, m.address, m.status, m.note) for m in rows],
        )

    services.current_template(kind)  # the templates' cache is filled before counting
    plain_written, plain_statements, plain = record(False)
    Message.objects.filter(dedupe_key__startswith="t:").delete()
    checked_written, checked_statements, checked = record(True)
    assert checked == plain and checked_written == plain_written
    assert checked_statements == plain_statements - 1
    assert {s for *_, s, _n in plain} >= {Status.SENT, Status.PENDING, Status.SKIPPED}


def test_checks_do_not_stand_in_for_a_citizen_or_another_time(crowd):
    now = timezone.now()
    checks = services.Checks(now=now)
    users = services.unit_recipients(["unit_handlers"], unit_id=crowd.pk, checks=checks)
    unit_item = services.Outgoing(kind="unit_new_order", context={}, users=users)
    citizen = services.Outgoing(kind="citizen_received", context={}, citizen_phone="13812345678")
    assert checks.cover([unit_item], now=now)
    assert not checks.cover([unit_item, citizen], now=now)
    assert not checks.cover([unit_item], now=now + dt.timedelta(seconds=1))
    stranger = services.Outgoing(kind="unit_new_order", context={}, users=people(["centre"]))
    assert not checks.cover([stranger], now=now)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement SMS is PostgreSQL's")
def test_a_citizens_sms_in_one_statement_is_what_the_general_path_records(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A citizen's SMS decided and inserted by one statement: the same status, note and delivery
    kick as the general path — opted out (for this kind, for all), over the rate limit, pending —
    and a dedupe key already there records nothing."""
    settings.JIESU_NOTIFY_RATE_LIMITS = {"sms": (2, 3600)}
    OptOut.objects.create(address="13800000001", channel=Channel.SMS, kind="citizen_received")
    OptOut.objects.create(address="13800000002", channel=Channel.SMS)
    OptOut.objects.create(address="13800000003", channel=Channel.SMS, kind="citizen_callback")  # another kind
    now = timezone.now()
    for age in (10, 20, 5000):  # two inside the hour, one outside
        Message.objects.create(
            kind="x", channel=Channel.SMS, address="13800000004", subject="s", body="b", created_at=now - dt.timedelta(seconds=age)
        )  # fmt: skip
    phones = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005", "13800000005"]

    def record(one_statement: bool):
        if not one_statement:
            monkeypatch.setattr(services, "_citizen_sms_only", lambda batch: False)
        outcomes = []
        for n, phone in enumerate(phones):
            item = services.Outgoing(
                kind="citizen_received", context={"工单编号": f"FT{n}"}, citizen_phone=phone, dedupe=f"c{one_statement}:{min(n, 4)}"
            )  # fmt: skip
            with CaptureQueriesContext(connection) as seen, django_capture_on_commit_callbacks() as kicks:
                written = services.send_many([item], now=now, fresh_keys=True)
            outcomes.append((written, len(kicks), len(seen.captured_queries)))
        rows = Message.objects.filter(dedupe_key__startswith=f"c{one_statement}:").order_by("id")
        monkeypatch.undo()
        return outcomes, [
            (m.kind, m.address, m.recipient_id, m.subject, m.body, m.status, m.note, m.next_attempt_at, m.sent_at, m.order_id)
            for m in rows
        ]  # fmt: skip

    services.current_template("citizen_received")
    general, general_rows = record(False)
    Message.objects.filter(dedupe_key__startswith="cFalse:").delete()
    folded, folded_rows = record(True)
    assert folded_rows == general_rows
    assert [s[5:7] for s in folded_rows] == [
        (Status.SKIPPED, "已退订"), (Status.SKIPPED, "已退订"), (Status.PENDING, ""),
        (Status.SKIPPED, "超过频率限制（每1小时2条）"), (Status.PENDING, ""),
    ]  # fmt: skip
    assert [o[:2] for o in folded] == [o[:2] for o in general]  # rows counted, delivery kicked
    assert [o[1] for o in folded] == [0, 0, 1, 0, 1, 1]
    assert [o[2] for o in folded] == [1] * 6 and [o[2] for o in general] == [2] * 6
