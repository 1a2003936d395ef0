"""Writes of the notify app: recording messages and delivering them.

`send_many` records every message of a batch at once — the inbox copy (delivered by being stored),
and e-mail/SMS copies queued for delivery — after checking opt-outs and each address's rate limit.
The rows are written in the caller's transaction (for the loop's events: the action's own, an
outbox); delivery starts after that transaction commits. `deliver_pending` sends what is queued:
a failing SMTP server or SMS gateway is retried with exponential backoff and finally recorded as
failed; it never raises into the action that caused the message."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from jiesu.common.prepared import statement
from jiesu.common.raw_rows import converters, instance_from_row
from jiesu.common.shared_version import VersionWatch
from jiesu.notify import sms
from jiesu.notify.catalogue import spec
from jiesu.notify.models import Channel, Message, MessageTemplate, OptOut, RecipientProfile, Status
from jiesu.notify.recipients import phone_of
from jiesu.notify.templating import render
from jiesu.org.models import User

log = logging.getLogger("jiesu.notify")

# Per address and channel: at most N messages in a window of S seconds (beyond: recorded as not
# sent, "超过频率限制"; the inbox copy is kept). Settings may override.
DEFAULT_RATE_LIMITS = {Channel.EMAIL: (60, 3600), Channel.SMS: (10, 3600)}
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min … between attempts
MAX_BACKOFF_SECONDS = 3600
LEASE = dt.timedelta(minutes=10)  # a message "sending" longer than this was lost with its process


@dataclass
class Outgoing:
    """One message to send: a kind (template), its values, who gets it."""

    kind: str
    context: dict[str, str]
    users: Sequence[User] = ()
    citizen_phone: str = ""
    order_id: int | None = None
    dedupe: str | None = None  # the same key again records nothing (timer reruns, signal repeats)
    channels: tuple[str, ...] = (Channel.INBOX, Channel.EMAIL, Channel.SMS)
    extra: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def _saved_templates() -> dict[str, tuple[str, str, str]]:
    return {row[0]: tuple(row[1:]) for row in MessageTemplate.objects.values_list("key", "subject", "body", "sms")}


# The admins' templates are read once per process and read again after an edit in any process
# (jiesu.common.shared_version; bumped by MessageTemplate's save and delete: listeners.connect).
templates_watch = VersionWatch("notify_templates")
templates_watch.on_change(_saved_templates.cache_clear)


def invalidate_templates(**_kwargs) -> None:
    templates_watch.bump()


def current_template(kind: str) -> tuple[str, str, str]:
    """(subject, body, sms) of `kind`: the admin's version, else the file's."""
    templates_watch.check()
    saved = _saved_templates().get(kind)
    if saved is not None:
        return saved
    default = spec(kind)
    return default.subject, default.body, default.sms


def _rate_limits() -> dict[str, tuple[int, int]]:
    custom = getattr(settings, "JIESU_NOTIFY_RATE_LIMITS", None) or {}
    return {**DEFAULT_RATE_LIMITS, **{k: tuple(v) for k, v in custom.items()}}


def _recent_and_opted_out(
    now: dt.datetime, wanted: dict[str, set[str]], limits: dict, user_ids: set[int], addresses: set[str]
) -> tuple[Counter, set[tuple]]:
    """One statement for what a batch must know before it is recorded: the recent messages per
    (channel, address) inside each channel's rate window, and the opt-outs of its users and
    addresses."""
    parts, params = [], []
    if user_ids or addresses:
        conditions = []
        if user_ids:
            conditions.append(f"user_id IN ({', '.join(['%s'] * len(user_ids))})")
            params += sorted(user_ids)
        if addresses:
            conditions.append(f"address IN ({', '.join(['%s'] * len(addresses))})")
            params += sorted(addresses)
        parts.append(
            f"SELECT 'optout', channel, address, user_id, kind, 0 FROM {OptOut._meta.db_table} "
            f"WHERE {' OR '.join(conditions)}"
        )
    for channel, wanted_addresses in wanted.items():
        if not wanted_addresses or channel not in limits:
            continue
        _limit, seconds = limits[channel]
        parts.append(
            f"SELECT 'recent', channel, address, NULL, '', COUNT(*) FROM {Message._meta.db_table} "
            f"WHERE channel = %s AND address IN ({', '.join(['%s'] * len(wanted_addresses))}) "
            # The literal (not a parameter) lets the planner use the partial index msg_rate_sent.
            f"AND created_at >= %s AND status <> '{Status.SKIPPED}' GROUP BY channel, address"
        )
        since = connection.ops.adapt_datetimefield_value(now - dt.timedelta(seconds=seconds))
        params += [channel, *sorted(wanted_addresses), since]
    counts: Counter = Counter()
    opted_out: set[tuple] = set()
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for what, channel, address, user_id, kind, n in cursor.fetchall():
                if what == "recent":
                    counts[(channel, address)] = n
                else:
                    opted_out.add((user_id, address, channel, kind))
    return counts, opted_out


@dataclass
class Checks:
    """What `send_many` must know of a batch of unit users before recording it — the opt-outs of the
    users and their addresses, the recent messages per (channel, address) — read with the users
    themselves (`unit_recipients`) at `now`, so the batch needs no statement of its own for it."""

    now: dt.datetime
    counts: Counter = field(default_factory=Counter)
    opted_out: set[tuple] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)

    def cover(self, batch: Sequence[Outgoing], *, now: dt.datetime) -> bool:
        """True when these checks are all the batch needs (its users only, read at `now`)."""
        return (
            now == self.now
            and not any(item.citizen_phone for item in batch)
            and all(user.pk in self.user_ids for item in batch for user in item.users)
        )


_USER_FIELDS = list(User._meta.concrete_fields)
_PROFILE_FIELDS = list(RecipientProfile._meta.concrete_fields)


@lru_cache(maxsize=16)
def _unit_recipients_sql(vendor: str, roles: int, channels: tuple[str, ...]) -> str:
    """The users of a unit holding `roles` roles (active, with their RecipientProfile), then — in the
    same statement, as UNION ALL rows tagged 1 and 2 — the opt-outs of those users and their
    addresses, and the recent messages of their addresses per channel of `channels` (rate limits),
    as `_recent_and_opted_out` reads them."""
    quote = connection.ops.quote_name
    user_cols = [f"u.{quote(f.column)} AS u{i}" for i, f in enumerate(_USER_FIELDS)]
    profile_cols = [f"p.{quote(f.column)} AS p{i}" for i, f in enumerate(_PROFILE_FIELDS)]
    width = len(user_cols) + len(profile_cols)
    email = f"u{[f.attname for f in _USER_FIELDS].index('email')}"
    phone = f"p{[f.attname for f in _PROFILE_FIELDS].index('phone')}"
    uid = f"u{[f.attname for f in _USER_FIELDS].index('id')}"
    addresses = {
        Channel.EMAIL: f"SELECT DISTINCT {email} AS address FROM r WHERE {email} <> ''",
        Channel.SMS: f"SELECT DISTINCT {phone} AS address FROM r WHERE {phone} <> ''",
    }
    pad = ", ".join(["NULL"] * width)
    parts = [
        f"WITH r AS (SELECT {', '.join(user_cols + profile_cols)} FROM {quote(User._meta.db_table)} u "
        f"LEFT JOIN {quote(RecipientProfile._meta.db_table)} p ON p.{quote('user_id')} = u.{quote('id')} "
        f"WHERE u.{quote('is_active')} = %s AND u.{quote('unit_id')} = %s "
        f"AND u.{quote('role')} IN ({', '.join(['%s'] * roles)}))\n"
        f"SELECT 0, r.*, NULL, NULL, NULL, NULL, NULL FROM r",
        # By user, then by address (two semi-joins the planner can drive from the few recipients
        # through the opt-outs' indexes; a row found twice is one in the set it is read into).
        f"SELECT 1, {pad}, o.channel, o.address, o.user_id, o.kind, 0 FROM {OptOut._meta.db_table} o "
        f"WHERE o.user_id IN (SELECT {uid} FROM r)",
        f"SELECT 1, {pad}, o.channel, o.address, o.user_id, o.kind, 0 FROM {OptOut._meta.db_table} o "
        f"WHERE o.address IN ({addresses[Channel.EMAIL]} UNION {addresses[Channel.SMS]})",
    ]
    for channel in channels:
        # Counted per address (a correlated subquery: an index condition on channel, address and
        # time, as _recent_and_opted_out's IN list gives); the literal lets the planner use the
        # partial index msg_rate_sent.
        parts.append(
            f"SELECT 2, {pad}, %s, a.address, NULL, '', (SELECT COUNT(*) FROM {Message._meta.db_table} m "
            f"WHERE m.channel = %s AND m.address = a.address AND m.created_at >= %s "
            f"AND m.status <> '{Status.SKIPPED}') FROM ({addresses[channel]}) a"
        )
    return "\nUNION ALL ".join(parts)


def unit_recipients(names: Sequence[str], *, unit_id: int | None, checks: Checks) -> list[User]:
    """`recipients.people(names, unit_id=…)` for the audiences of a unit (UNIT_AUDIENCE_ROLES), read
    in one statement with what `send_many` checks for them (added to `checks`)."""
    from jiesu.notify.recipients import UNIT_AUDIENCE_ROLES

    if not unit_id:
        return []
    roles = sorted({role for name in names for role in UNIT_AUDIENCE_ROLES[name]})
    limits = _rate_limits()
    channels = tuple(c for c in (Channel.EMAIL, Channel.SMS) if c in limits)
    params: list = [True, unit_id, *roles]
    for channel in channels:
        since = connection.ops.adapt_datetimefield_value(checks.now - dt.timedelta(seconds=limits[channel][1]))
        params += [channel, channel, since]
    with connection.cursor() as cursor:
        cursor.execute(statement(_unit_recipients_sql(connection.vendor, len(roles), channels)), params)
        rows = cursor.fetchall()
    users: list[User] = []
    width = len(_USER_FIELDS)
    user_converters, profile_converters = _reading()
    for row in rows:
        if row[0] == 0:
            user = instance_from_row(User, _USER_FIELDS, user_converters, row[1 : 1 + width])
            profile = None
            if row[1 + width] is not None:  # as select_related("notify_profile") leaves them
                profile = instance_from_row(RecipientProfile, _PROFILE_FIELDS, profile_converters, row[1 + width : -5])
                RecipientProfile._meta.get_field("user").set_cached_value(profile, user)
            User._meta.get_field("notify_profile").set_cached_value(user, profile)
            users.append(user)
            checks.user_ids.add(user.pk)
        elif row[0] == 1:
            channel, address, user_id, kind = row[-5:-1]
            checks.opted_out.add((user_id, address, channel, kind))
        elif row[-1]:  # an address without recent messages counts 0 (as when it is not read)
            checks.counts[(row[-5], row[-4])] = row[-1]
    return users


@lru_cache(maxsize=4)
def _converters_of(vendor: str, model) -> list[tuple]:
    return converters(model._meta.concrete_fields)


def _reading() -> tuple[list, list]:
    return _converters_of(connection.vendor, User), _converters_of(connection.vendor, RecipientProfile)


class _RateBook:
    """Counts of recent messages per (channel, address), read once per batch, kept up as the batch
    adds to them."""

    def __init__(self, limits: dict, counts: Counter):
        self.limits = limits
        self.counts = counts

    def take(self, channel: str, address: str) -> str:
        """'' when allowed (and counted), else the reason it is not sent."""
        limit, seconds = self.limits.get(channel, (None, None))
        if limit is None:
            return ""
        if self.counts[(channel, address)] >= limit:
            window = f"{seconds // 3600}小时" if seconds % 3600 == 0 else f"{seconds}秒"
            return f"超过频率限制（每{window}{limit}条）"
        self.counts[(channel, address)] += 1
        return ""


class _OptOuts:
    def __init__(self, rows: set[tuple]):
        self.rows = rows  # (user_id, address, channel, kind)

    def blocks(self, *, channel: str, kind: str, user: User | None = None, address: str = "") -> bool:
        for k in (kind, ""):
            if user is not None and (user.pk, "", channel, k) in self.rows:
                return True
            if address and any((uid, address, channel, k) in self.rows for uid in (None, user.pk if user else None)):
                return True
        return False


class _Piggyback:
    """An execute wrapper that sends a savepoint's SAVEPOINT with the first statement inside it and its
    RELEASE with the batch's insert (psycopg's client-side cursor runs several statements in one
    call), so the savepoint costs no round trip of its own."""

    def __init__(self, name: str):
        self.name = name
        self.sent = False  # SAVEPOINT went out (with the first statement)
        self.release_next = False  # the next statement is the last one inside: RELEASE goes with it
        self.released = False

    def __call__(self, execute, sql, params, many, context):
        if many:
            if not self.sent:
                execute(f"SAVEPOINT {self.name}", None, False, context)
                self.sent = True
            return execute(sql, params, many, context)
        if not self.sent:
            self.sent = True
            if self.release_next:  # the only statement inside: SAVEPOINT and RELEASE both go with it
                self.release_next = False
                result = execute(f"SAVEPOINT {self.name}; {sql}; RELEASE SAVEPOINT {self.name}", params, many, context)
                context["cursor"].cursor.nextset()  # on to the statement's own result
                self.released = True
                return result
            result = execute(f"SAVEPOINT {self.name}; {sql}", params, many, context)
            context["cursor"].cursor.nextset()  # on to the statement's own result
            return result
        if self.release_next:
            self.release_next = False
            result = execute(f"{sql}; RELEASE SAVEPOINT {self.name}", params, many, context)
            self.released = True
            return result
        return execute(sql, params, many, context)


_outboxes: list[_Piggyback] = []


@contextmanager
def outbox_savepoint():
    """What `transaction.atomic()` gives inside a transaction — a savepoint, so that a failure in
    here (a database error too) is rolled back alone and re-raised — for writing messages with the
    event that causes them. On PostgreSQL the SAVEPOINT travels with the first statement and the
    RELEASE with the insert; with no statement at all nothing is sent. Elsewhere, or outside a
    transaction: `transaction.atomic()`."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    # Named by depth, not by a counter: the statements that carry SAVEPOINT/RELEASE are then the same
    # text every time, so psycopg's cache of parsed statements keeps them (siblings are released
    # before the next one opens; nested ones differ by depth).
    piggy = _Piggyback(f"outbox_{len(_outboxes) + 1}")
    _outboxes.append(piggy)
    try:
        with connection.execute_wrapper(piggy):
            yield
    except BaseException:
        if piggy.sent and not piggy.released:
            with connection.cursor() as cursor:
                cursor.execute(f"ROLLBACK TO SAVEPOINT {piggy.name}; RELEASE SAVEPOINT {piggy.name}")
        raise
    finally:
        _outboxes.remove(piggy)
    if piggy.sent and not piggy.released:
        with connection.cursor() as cursor:
            cursor.execute(f"RELEASE SAVEPOINT {piggy.name}")


def send(
    *,
    kind: str,
    context: dict[str, str],
    users: Sequence[User] = (),
    citizen_phone: str = "",
    order_id: int | None = None,
    dedupe: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    return send_many(
        [
            Outgoing(
                kind=kind, context=context, users=users, citizen_phone=citizen_phone, order_id=order_id, dedupe=dedupe
            )
        ],
        now=now,
    )


def send_many(
    batch: Sequence[Outgoing],
    *,
    now: dt.datetime | None = None,
    fresh_keys: bool = False,
    checks: Checks | None = None,
) -> int:
    """Record the messages of `batch`; returns how many rows were written (a repeated dedupe key
    writes nothing). E-mail and SMS are delivered after the transaction commits. `fresh_keys`: the
    caller knows no message can carry these dedupe keys yet (they name an event appended in this
    transaction), so they are not looked up first. `checks`: the opt-outs and rate counts were read
    with the batch's users (`unit_recipients`); used when they cover the whole batch."""
    now = now or timezone.now()
    if fresh_keys and _citizen_sms_only(batch):
        return _send_citizen_sms(batch[0], now=now)
    templates: dict[str, tuple[str, str, str]] = {}
    wanted: dict[str, set[str]] = {Channel.EMAIL: set(), Channel.SMS: set()}
    all_users: dict[int, User] = {}
    for item in batch:
        for user in item.users:
            all_users[user.pk] = user
            if user.email:
                wanted[Channel.EMAIL].add(user.email)
            if phone_of(user):
                wanted[Channel.SMS].add(phone_of(user))
        if item.citizen_phone:
            wanted[Channel.SMS].add(item.citizen_phone)
    limits = _rate_limits()
    if checks is not None and checks.cover(batch, now=now):
        counts, opted_out = Counter(checks.counts), checks.opted_out
    else:
        counts, opted_out = _recent_and_opted_out(
            now, wanted, limits, set(all_users), {a for a in wanted[Channel.EMAIL] | wanted[Channel.SMS] if a}
        )
    rates, optouts = _RateBook(limits, counts), _OptOuts(opted_out)
    rows: list[Message] = []
    for item in batch:
        if item.kind not in templates:
            templates[item.kind] = current_template(item.kind)
        subject_t, body_t, sms_t = templates[item.kind]
        subject = render(subject_t, item.context)[:200]
        body = render(body_t, item.context)
        text = render(sms_t, item.context) if sms_t else ""

        def add(channel, *, user=None, address="", content=body, title=subject, item=item):
            message = _message_row(
                item=item, channel=channel, user=user, address=address, subject=title, body=content, now=now
            )
            if channel == Channel.INBOX:
                message.status, message.sent_at = Status.SENT, now
            elif optouts.blocks(channel=channel, kind=item.kind, user=user, address=address):
                message.status, message.note = Status.SKIPPED, "已退订"
            else:
                reason = rates.take(channel, address)
                if reason:
                    message.status, message.note = Status.SKIPPED, reason
                else:
                    message.next_attempt_at = now
            rows.append(message)

        for user in item.users:
            if Channel.INBOX in item.channels:
                add(Channel.INBOX, user=user)
            if Channel.EMAIL in item.channels and user.email:
                add(Channel.EMAIL, user=user, address=user.email)
            if Channel.SMS in item.channels and text and phone_of(user):
                add(Channel.SMS, user=user, address=phone_of(user), content=text, title=subject)
        if item.citizen_phone and text and Channel.SMS in item.channels:
            add(Channel.SMS, address=item.citizen_phone, content=text, title=subject)
    keys = [m.dedupe_key for m in rows if m.dedupe_key] if not fresh_keys else []
    if keys:
        seen = set()
        for start in range(0, len(keys), 500):
            seen.update(
                Message.objects.filter(dedupe_key__in=keys[start : start + 500]).values_list("dedupe_key", flat=True)
            )
        rows = [m for m in rows if m.dedupe_key not in seen]
    if not rows:
        return 0
    if _outboxes and len(rows) <= 500 and _outboxes[-1].sent:
        _outboxes[-1].release_next = True  # one insert, the last statement of the outbox
    # ignore_conflicts: a concurrent sender of the same dedupe key wins, this one writes nothing.
    if len(rows) <= _SMALL_BATCH:
        _insert_small(rows)
    else:
        Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    if any(m.channel != Channel.INBOX and m.status == Status.PENDING for m in rows):
        transaction.on_commit(_kick_delivery, robust=True)
    return len(rows)


def _citizen_sms_only(batch: Sequence[Outgoing]) -> bool:
    """One citizen's SMS and nothing else (the loop's create, resolve and callback messages), on
    PostgreSQL, with a rate limit for SMS: `_send_citizen_sms` records it in one statement."""
    if len(batch) != 1 or connection.vendor != "postgresql" or Channel.SMS not in _rate_limits():
        return False
    item = batch[0]
    return not item.users and bool(item.citizen_phone) and Channel.SMS in item.channels


def _typed(field) -> str:
    # In INSERT … SELECT an untyped NULL or string would be text: each value carries its column's type
    # (character columns take text; assignment to varchar(n) still refuses what is too long).
    kind = field.db_type(connection)
    return "%s::text" if kind.startswith("varchar") else f"%s::{kind}"


@lru_cache(maxsize=2)
def _citizen_sms_sql(vendor: str) -> str:
    """The citizen's SMS decided and inserted in one statement: `c` reads what send_many's
    `_recent_and_opted_out` reads for one address (an opt-out of the address, by no user, for this
    kind or all; the messages of the address in the rate window that were not skipped), `d` decides
    as `_OptOuts.blocks` and `_RateBook.take` do, the insert records it (a dedupe key already there:
    nothing), and the decision is returned either way."""
    table = Message._meta.db_table
    values = []
    for f in _MESSAGE_FIELDS:
        if f.attname == "status":
            values.append("d.status")
        elif f.attname == "note":
            values.append("d.note")
        elif f.attname == "next_attempt_at":
            values.append(f"CASE WHEN d.status = '{Status.PENDING}' THEN {_typed(f)} END")
        else:
            values.append(_typed(f))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _MESSAGE_FIELDS)
    return (
        f"WITH c AS (SELECT EXISTS (SELECT 1 FROM {OptOut._meta.db_table} o WHERE o.user_id IS NULL "
        f"AND o.address = %s AND o.channel = %s AND o.kind IN (%s, '')) AS blocked, "
        f"(SELECT COUNT(*) FROM {table} m WHERE m.channel = %s AND m.address = %s AND m.created_at >= %s "
        # The literal lets the planner use the partial index msg_rate_sent.
        f"AND m.status <> '{Status.SKIPPED}') AS recent),\n"
        f" d AS (SELECT CASE WHEN blocked OR recent >= %s THEN '{Status.SKIPPED}' ELSE '{Status.PENDING}' END "
        f"AS status, CASE WHEN blocked THEN '已退订' WHEN recent >= %s THEN %s::text ELSE '' END AS note FROM c),\n"
        f" ins AS (INSERT INTO {table} ({columns}) SELECT {', '.join(values)} FROM d ON CONFLICT DO NOTHING)\n"
        f"SELECT status FROM d"
    )


def _message_row(
    *, item: Outgoing, channel: str, user, address: str, subject: str, body: str, now: dt.datetime
) -> Message:
    """One recipient's message of an outgoing item (not saved). Its dedupe key — the item's, the
    channel and the user or address — makes a second send of the same item write nothing."""
    key = f"{item.dedupe}:{channel}:{user.pk if user else address}"[:200] if item.dedupe else None
    return Message(
        kind=item.kind,
        channel=channel,
        recipient=user,
        address=address,
        subject=subject,
        body=body,
        order_id=item.order_id,
        dedupe_key=key,
        created_at=now,
    )


def _send_citizen_sms(item: Outgoing, *, now: dt.datetime) -> int:
    """`send_many` of one citizen's SMS (`_citizen_sms_only`) in one statement: the same row, status
    and note as the general path (test_recipients compares them)."""
    _subject_t, _body_t, sms_t = current_template(item.kind)
    text = render(sms_t, item.context) if sms_t else ""
    if not text:
        return 0
    subject = render(_subject_t, item.context)[:200]
    address = item.citizen_phone
    message = _message_row(
        item=item, channel=Channel.SMS, user=None, address=address, subject=subject, body=text, now=now
    )
    limit, seconds = _rate_limits()[Channel.SMS]
    window = f"{seconds // 3600}小时" if seconds % 3600 == 0 else f"{seconds}秒"
    db = connections[DEFAULT_DB_ALIAS]  # `connection` without its proxy's look-up per field
    since = db.ops.adapt_datetimefield_value(now - dt.timedelta(seconds=seconds))
    params: list = [address, Channel.SMS, item.kind, Channel.SMS, address, since, limit, limit]
    params.append(f"超过频率限制（每{window}{limit}条）")
    for f in _MESSAGE_FIELDS:
        if f.attname in ("status", "note"):
            continue
        value = now if f.attname == "next_attempt_at" else f.pre_save(message, True)
        params.append(f.get_db_prep_save(value, db))
    if _outboxes:
        _outboxes[-1].release_next = True  # the only statement inside the outbox
    with connection.cursor() as cursor:
        cursor.execute(statement(_citizen_sms_sql(connection.vendor)), params)
        status = cursor.fetchone()[0]
    if status == Status.PENDING:
        transaction.on_commit(_kick_delivery, robust=True)
    return 1


# An event's messages are a few rows: they are inserted by SQL built once per process and row
# count, what bulk_create(ignore_conflicts=True) would send — its query compilation was a fifth of
# the closed loop's Python time in notify (bench/closed_loop.py, cProfile). Bigger batches keep
# bulk_create (it splits them by the database's parameter limit).
_SMALL_BATCH = 20
_MESSAGE_FIELDS = [f for f in Message._meta.concrete_fields if not f.primary_key]


@lru_cache(maxsize=64)
def _insert_sql(vendor: str, rows: int) -> str:
    from django.db.models.constants import OnConflict

    ops, quote = connection.ops, connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _MESSAGE_FIELDS)
    one = f"({', '.join(['%s'] * len(_MESSAGE_FIELDS))})"
    suffix = ops.on_conflict_suffix_sql(_MESSAGE_FIELDS, OnConflict.IGNORE, None, None)
    return (
        f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {quote(Message._meta.db_table)} ({columns}) "
        f"VALUES {', '.join([one] * rows)} {suffix}"
    ).strip()


def _insert_small(rows: list[Message]) -> None:
    db = connections[DEFAULT_DB_ALIAS]  # `connection` without its proxy's look-up per field
    params = [f.get_db_prep_save(f.pre_save(m, True), db) for m in rows for f in _MESSAGE_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(statement(_insert_sql(connection.vendor, len(rows))), params)


def _kick_delivery() -> None:
    """Production: a Celery worker delivers now. Embedded: the timer process sweeps the queue
    (notify.deliver, every minute) — never the web request that caused the message."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from jiesu.notify.tasks import deliver_pending_task

    try:
        deliver_pending_task.delay()
    except Exception:  # broker away: the sweep timer delivers later
        log.warning("could not queue message delivery", exc_info=True)


# ---------------------------------------------------------------- delivery


def _backoff(attempts: int) -> dt.timedelta:
    base = getattr(settings, "JIESU_NOTIFY_BACKOFF_SECONDS", BACKOFF_SECONDS)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def deliver_pending(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send queued e-mail and SMS whose time has come; returns counts by outcome."""
    now = now or timezone.now()
    # A message left "sending" by a process that died goes back to the queue.
    Message.objects.filter(status=Status.SENDING, next_attempt_at__lt=now).update(status=Status.RETRY)
    ids = list(
        Message.objects.filter(status__in=[Status.PENDING, Status.RETRY], next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    outcome = Counter()
    if not ids:
        return dict(outcome)
    token = uuid.uuid4().hex
    Message.objects.filter(pk__in=ids, status__in=[Status.PENDING, Status.RETRY]).update(
        status=Status.SENDING, claim=token, next_attempt_at=now + LEASE
    )
    claimed = list(Message.objects.filter(claim=token, status=Status.SENDING).order_by("id"))
    max_attempts = getattr(settings, "JIESU_NOTIFY_MAX_ATTEMPTS", MAX_ATTEMPTS)
    mail = _Mailer()
    try:
        for message in claimed:
            message.attempts += 1
            try:
                if message.channel == Channel.EMAIL:
                    mail.send(message)
                    message.provider_id = ""
                else:
                    message.provider_id = sms.backend().send(phone=message.address, text=message.body)[:100]
            except Exception as exc:  # any backend failure: record it, try again later
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= max_attempts:
                    message.status, message.next_attempt_at = Status.FAILED, None
                    message.note = f"已重试{message.attempts}次仍失败"
                    log.error("message failed", extra={"message_id": message.pk, "error": message.last_error})
                else:
                    message.status, message.next_attempt_at = Status.RETRY, now + _backoff(message.attempts)
                outcome[message.status] += 1
            else:
                message.status, message.sent_at, message.next_attempt_at = Status.SENT, timezone.now(), None
                outcome[Status.SENT] += 1
            message.save(
                update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error", "provider_id", "note"]
            )
    finally:
        mail.close()
    return dict(outcome)


class _Mailer:
    """One SMTP connection per sweep, opened on the first e-mail."""

    def __init__(self):
        self.connection = None

    def send(self, message: Message) -> None:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            connection=self.connection,
            headers={"X-Jiesu-Message": str(message.pk)},
        ).send()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:
                pass


# ---------------------------------------------------------------- inbox


def mark_read(*, user: User, message_ids: Iterable[int] | None = None) -> int:
    """Mark the user's inbox messages read (all unread ones when no ids are given)."""
    messages = Message.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True)
    if message_ids is not None:
        messages = messages.filter(pk__in=list(message_ids))
    return messages.update(read_at=timezone.now())


@transaction.atomic
def set_opt_outs(*, user: User, blocked: Iterable[tuple[str, str]]) -> None:
    """Replace the user's opt-outs by `blocked` (channel, kind) pairs."""
    OptOut.objects.filter(user=user, address="").delete()
    OptOut.objects.bulk_create(
        [OptOut(user=user, channel=channel, kind=kind) for channel, kind in set(blocked)], ignore_conflicts=True
    )


def opt_out_address(*, address: str, channel: str, kind: str = "") -> OptOut:
    """A citizen's (or anyone's) number or e-mail opts out of a channel."""
    address = (address or "").strip()
    if not address:
        from jiesu.common.errors import InvalidInput

        raise InvalidInput("请填写号码或邮箱", code="required")
    optout, _ = OptOut.objects.get_or_create(user=None, address=address, channel=channel, kind=kind)
    return optout
