"""Demo data: real citizen messages from ../shared/data/tipdm2020c become orders that live the
closed loop through the ordinary services.

- 附件4 (messages with the official reply and reply time): played to the end — dispatched, handled
  and resolved at the real reply time, called back, closed — so history and figures are real.
- 附件2 labelled messages with times: their real category; most closed, some still open.
- A small "today" batch from the unlabelled test set is received over the last working days
  (original text, time of day kept, date moved; the original time stays in the event payload) so
  the dispatcher's queue and the units' workbenches have live work.

Messages come from another city's board (A市); they are placed on Fengtai's streets by a stable
hash of the message number. Requester phones are generated (demo only) so masking can be seen.
Everything is seeded: the same files give the same demo.

Property (物业) messages — about a compound, its management, lifts, parking… — are placed in one of
the demo property projects (data/org/demo_property.yaml, by the same stable hash): the order's
address names the compound, and create_order links the project through the ordinary address
matching, so the red/black list is fed the way real intake feeds it. Their synthetic callbacks
follow the company's `quality`, so the list has a best and a worst company.
"""

import csv
import datetime as dt
import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from jiesu.org.models import PropertyCompany, PropertyProject, Role, Unit, User
from jiesu.org.selectors import local_units, responsible_units
from jiesu.workorders import services, state_machine
from jiesu.workorders.models import Category, Channel, State, WorkOrder

_PADDING = re.compile(r"^\s+|\s+$")
# A message about a residential compound and its property management.
_PROPERTY_RE = re.compile(r"物业|小区|业主|电梯|楼道|车位|停车|门禁|保安|绿化|单元|楼栋|供暖|暖气|漏水|开发商")
PROPERTY_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "org" / "demo_property.yaml"
_TZ = dt.timezone(dt.timedelta(hours=8))


@dataclass
class DemoStats:
    orders: int = 0
    events: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    ref: str
    user: str
    title: str
    content: str
    received_at: dt.datetime
    label: str = ""
    reply: str = ""
    replied_at: dt.datetime | None = None


def _clean(text: str) -> str:
    return _PADDING.sub("", text or "").replace("\t", "")


def _parse_time(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("/", "-")).replace(tzinfo=_TZ)


def _stable_int(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16)


def _phone(user: str) -> str:
    return "13" + f"{_stable_int('phone' + user) % 10**9:09d}"


def read_messages(*, data_dir: Path) -> tuple[list[Message], list[Message], list[Message]]:
    """(replied, labelled, unlabelled) messages from the tipdm2020c files."""
    replied, labelled, unlabelled = [], [], []
    with (data_dir / "attachment4_replies.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            received = _parse_time(row["留言时间_iso"])
            if not received or not _clean(row["留言详情"]):
                continue
            replied.append(
                Message(
                    ref=f"tipdm4-{row['留言编号']}",
                    user=row["留言用户"],
                    title=_clean(row["留言主题"])[:200],
                    content=_clean(row["留言详情"]),
                    received_at=received,
                    reply=_clean(row["答复意见"]),
                    replied_at=_parse_time(row["答复时间_iso"]),
                )
            )
    with (data_dir / "attachment2_raw_partial.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            received = _parse_time(row["留言时间"])
            if not received:
                continue
            labelled.append(
                Message(
                    ref=f"tipdm2-{row['留言编号']}",
                    user=row["留言用户"],
                    title=_clean(row["留言主题"])[:200],
                    content=_clean(row["留言详情"]) or _clean(row["text"]),
                    received_at=received,
                    label=row["一级标签"],
                )
            )
    with (data_dir / "attachment2_official_testset_unlabeled.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            received = _parse_time(row["留言时间_iso"])
            if received and _clean(row["留言详情"]):
                unlabelled.append(
                    Message(
                        ref=f"tipdmT-{row['留言编号']}",
                        user=row["留言用户"],
                        title=_clean(row["留言主题"])[:200],
                        content=_clean(row["留言详情"]),
                        received_at=received,
                    )
                )
    return replied, labelled, unlabelled


class _Player:
    """Drives one order through the loop with the demo's users, at given times."""

    def __init__(self, *, rng: random.Random):
        self.rng = rng
        self.agent = User.objects.get(username="agent")
        self.dispatcher = User.objects.get(username="dispatcher")
        self.callback_agent = User.objects.get(username="callback")
        self.handlers = {u.unit_id: u for u in User.objects.filter(role=Role.HANDLER).order_by("-username")}
        self.leaders = {u.unit_id: u for u in User.objects.filter(role=Role.UNIT_LEADER).order_by("-username")}
        self.streets = list(local_units())
        self.categories = {c.path: c for c in Category.objects.filter(level=1)}
        self.projects = list(PropertyProject.objects.select_related("street").order_by("pk"))
        self.quality: dict[int, dict] = {}

    def street_for(self, message: Message) -> Unit:
        project = self.project_for(message)
        if project is not None:
            return project.street
        return self.streets[_stable_int(message.ref) % len(self.streets)]

    def project_for(self, message: Message) -> PropertyProject | None:
        if not self.projects or not _PROPERTY_RE.search(message.title + message.content):
            return None
        return self.projects[_stable_int("project" + message.ref) % len(self.projects)]

    def address_for(self, message: Message) -> str:
        street = self.street_for(message)
        project = self.project_for(message)
        if project is None:
            return f"北京市丰台区{street.name}"
        return f"北京市丰台区{street.name}{project.name}{_stable_int('building' + message.ref) % 12 + 1}号楼"

    def receive(self, message: Message, *, at: dt.datetime, payload: dict | None = None) -> WorkOrder | None:
        """The new order, or None when the message was already imported (the files repeat some)."""
        category = self.categories.get(message.label)
        order, created = services.create_order(
            user=self.agent,
            content=message.content,
            title=message.title,
            channel=Channel.WEB,
            address=self.address_for(message),
            requester_phone=_phone(message.user),
            requester_name="",
            category=category,
            street=self.street_for(message),
            external_ref=message.ref,
            at=at,
            payload=payload,
        )
        return order if created else None

    def resolve(self, order: WorkOrder, *, lead, handler, reply: str, at: dt.datetime) -> None:
        """办结 as the lead unit's kind does it (state_machine.yaml): directly, or 多级核查 — the handler
        submits a few hours before the leader approves at `at`; a sampled order is spot-checked by
        the 指挥部 at once (the demo's spot checks all pass)."""
        leader = self.leaders.get(lead.pk)
        submit = state_machine.get("submit_check")
        if lead.kind not in (submit.unit_kinds or ()):
            services.resolve(user=handler, order_id=order.pk, reply=reply, at=at)
            return
        if leader is None:  # no leader login for this unit: the platform records the history as is
            services.resolve(user=None, order_id=order.pk, reply=reply, at=at)
            return
        submitted = at - dt.timedelta(hours=self.rng.randint(1, 4))
        services.submit_check(user=handler, order_id=order.pk, reply=reply, at=max(submitted, order_events_end(order)))
        approved = services.approve_check(user=leader, order_id=order.pk, at=at)
        if approved.state == State.SPOT_CHECK:
            services.pass_spot_check(user=self.dispatcher, order_id=order.pk, at=at)

    def play(
        self,
        order: WorkOrder,
        *,
        upto: str,
        start: dt.datetime,
        reply: str = "",
        replied_at: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> None:
        """Play the loop up to state `upto`; stop early rather than write an event after `until`."""
        rng, steps = self.rng, ["dispatched", "acknowledged", "in_progress", "resolved", "callback_done", "closed"]
        if upto not in steps:
            return
        stop = steps.index(upto)
        lead, assisting, basis = responsible_units(
            category_code=order.category.code if order.category_id else None, street=order.street
        )
        t = start + dt.timedelta(minutes=rng.randint(10, 240))
        if until and t > until:
            return
        services.dispatch(
            user=self.dispatcher,
            order_id=order.pk,
            lead_unit=lead,
            assisting_units=assisting,
            at=t,
            decision={"source": "manual", "basis": basis},
        )
        handler = self.handlers[lead.pk]
        if stop < 1:
            return
        t += dt.timedelta(minutes=rng.randint(5, 180))
        if until and t > until:
            return
        services.acknowledge(user=handler, order_id=order.pk, at=t)
        if stop < 2:
            return
        t += dt.timedelta(minutes=rng.randint(20, 60 * 30))
        if until and t > until:
            return
        services.respond(user=handler, order_id=order.pk, note="已电话联系诉求人，了解具体情况", at=t)
        if stop < 3:
            return
        resolved_at = replied_at if replied_at and replied_at > t else t + dt.timedelta(hours=rng.randint(4, 24 * 9))
        if until and resolved_at > until:
            return
        self.resolve(
            order,
            lead=lead,
            handler=handler,
            reply=reply or "经现场核实，已协调相关责任方处理完毕，并向诉求人反馈。",
            at=resolved_at,
        )
        if stop < 4:
            return
        t = resolved_at + dt.timedelta(hours=rng.randint(2, 48))
        quality = self.quality.get(order.property_project.company_id) if order.property_project_id else None
        quality = quality or {"solved": 0.9, "satisfaction": [45, 30, 15, 7, 3]}
        solved = rng.random() < quality["solved"]
        satisfaction = (
            rng.choices([5, 4, 3, 2, 1], weights=quality["satisfaction"])[0] if solved else rng.choice([1, 2, 3])
        )
        if until and t > until:
            return
        services.callback(user=self.callback_agent, order_id=order.pk, solved=solved, satisfaction=satisfaction, at=t)
        if stop < 5:
            return
        t += dt.timedelta(minutes=rng.randint(5, 120))
        if until and t > until:
            return
        if not solved and rng.random() < 0.5:
            services.reopen(user=self.callback_agent, order_id=order.pk, reason="回访诉求人表示问题未解决", at=t)
            return
        services.close(user=self.callback_agent, order_id=order.pk, at=t)


def order_events_end(order: WorkOrder) -> dt.datetime:
    return order.events.order_by("-seq").values_list("at", flat=True).first()


def _recent_workday_times(*, count: int, now: dt.datetime, rng: random.Random, days: int = 10) -> list[dt.datetime]:
    local_now = timezone.localtime(now)
    times = []
    for _ in range(count):
        back = rng.random() ** 1.6 * days  # more of them recent
        t = local_now - dt.timedelta(days=back)
        t = t.replace(hour=rng.randint(7, 21), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)
        times.append(min(t, local_now - dt.timedelta(minutes=5)))
    return sorted(times)


def create_demo_users(*, spec_path: Path) -> list[tuple[str, str, str]]:
    """The demo logins: centre staff and friendly aliases from the file, plus one handler
    (h_<unit code>) and one leader (l_<unit code>) for every handling unit."""
    import yaml

    from jiesu.org.selectors import handling_units
    from jiesu.org.services import create_user

    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    password = spec["password"]
    hashed = make_password(password)
    units = {u.code: u for u in Unit.objects.all()}
    for unit in handling_units():
        create_user(
            username=f"h_{unit.code}",
            password=password,
            password_hash=hashed,
            role=Role.HANDLER,
            unit=unit,
            display_name=f"{unit.short_name or unit.name}承办人",
        )
        create_user(
            username=f"l_{unit.code}",
            password=password,
            password_hash=hashed,
            role=Role.UNIT_LEADER,
            unit=unit,
            display_name=f"{unit.short_name or unit.name}负责人",
        )
    logins = []
    for row in spec["users"]:
        create_user(
            username=row["username"],
            password=password,
            password_hash=hashed,
            role=row["role"],
            unit=units[row["unit"]],
            display_name=row["display_name"],
        )
        logins.append((row["username"], password, row["display_name"]))
    return logins


def create_demo_properties(*, spec_path: Path = PROPERTY_FILE) -> dict[int, dict]:
    """The demo property companies and projects (kept when they exist). Returns company id →
    quality for the demo's callbacks."""
    import yaml

    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    streets = {u.code: u for u in Unit.objects.all()}
    quality = {}
    for row in spec["companies"]:
        company, _ = PropertyCompany.objects.get_or_create(
            credit_code=row["credit_code"], defaults={"name": row["name"]}
        )
        quality[company.pk] = row["quality"]
        for project in row["projects"]:
            PropertyProject.objects.get_or_create(
                company=company,
                name=project["name"],
                defaults={"street": streets[project["street"]], "address": project.get("address", "")},
            )
    return quality


def load_demo(
    *,
    data_dir: Path,
    replied_limit: int | None = None,
    labelled_limit: int | None = None,
    live_count: int = 150,
    now: dt.datetime | None = None,
    seed: int = 2026,
) -> DemoStats:
    """Import the messages as orders and play them through the loop (see module docstring)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    replied, labelled, unlabelled = read_messages(data_dir=data_dir)
    quality = create_demo_properties()
    player = _Player(rng=rng)
    player.quality = quality
    stats = DemoStats()

    def run(message: Message, *, at: dt.datetime, upto: str, **play) -> None:
        with transaction.atomic():
            payload = None if at == message.received_at else {"original_received_at": message.received_at.isoformat()}
            order = player.receive(message, at=at, payload=payload)
            if order is None:
                return
            player.play(order, upto=upto, start=at, **play)
        stats.orders += 1

    for message in replied[:replied_limit]:
        run(message, at=message.received_at, upto="closed", reply=message.reply, replied_at=message.replied_at)
    for message in sorted(labelled, key=lambda m: m.received_at)[:labelled_limit]:
        upto = rng.choices(["closed", "callback_done", "resolved"], weights=[85, 8, 7])[0]
        run(message, at=message.received_at, upto=upto)
    live = [m for m in unlabelled if len(m.content) > 20][:live_count]
    stages = ["received", "dispatched", "acknowledged", "in_progress", "resolved", "closed"]
    for message, at in zip(live, _recent_workday_times(count=len(live), now=now, rng=rng), strict=False):
        run(message, at=at, upto=rng.choices(stages, weights=[25, 20, 15, 20, 10, 10])[0], until=now)
    for state, count in _count_states():
        stats.by_state[state] = count
    from jiesu.workorders.models import WorkOrderEvent

    stats.events = WorkOrderEvent.objects.count()
    return stats


def _count_states():
    from django.db.models import Count

    return WorkOrder.objects.values_list("state").annotate(n=Count("id")).order_by("state")
