"""Reads of the supervision engine: the derived status (in Python and as SQL), lists and filters,
one item with its milestones, reports, evidence and history, and the roll-ups (by area, unit and
leader; 民生项目池 ranking; lagging items).

Status rule (docs/supervision.md), for an item in state 在办 on day `today`:
- 滞后 (lagging): an open milestone's deadline, or the item's own, has passed;
- 推进中 (in progress): not lagging, and a report or a done milestone exists;
- 未启动 (not started): otherwise.
已报完成 → 已完成; 已销号 → 已销号."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jiesu.attachments import selectors as attachment_selectors
from jiesu.attachments.models import Attachment
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.org.models import Unit, User
from jiesu.supervision import access, state_machine
from jiesu.supervision.models import (
    ItemState,
    LeaderPatch,
    Milestone,
    ProgressReport,
    Source,
    Status,
    SupervisionEvent,
    SupervisionItem,
)


def today() -> dt.date:
    return timezone.localdate()


def _late_q(day: dt.date) -> Q:
    return Q(next_milestone_due__lt=day) | Q(due_date__lt=day)


def status_q(status: str, *, day: dt.date) -> Q:
    if status not in Status.values:
        raise InvalidInput(f"未知状态：{status}", code="invalid_parameter")
    if status == Status.CLOSED:
        return Q(state=ItemState.CLOSED)
    if status == Status.COMPLETED:
        return Q(state=ItemState.COMPLETED)
    open_ = Q(state=ItemState.OPEN)
    if status == Status.LAGGING:
        return open_ & _late_q(day)
    started = Q(last_report_at__isnull=False) | Q(milestones_done__gt=0)
    # Spelled out rather than ~late: NOT over a NULL date would be "unknown" in SQL.
    on_time = Q(next_milestone_due__isnull=True) | Q(next_milestone_due__gte=day)
    on_time &= Q(due_date__isnull=True) | Q(due_date__gte=day)
    return open_ & on_time & (started if status == Status.IN_PROGRESS else ~started)


def status_of(item: SupervisionItem, *, today: dt.date) -> str:
    if item.state == ItemState.CLOSED:
        return Status.CLOSED
    if item.state == ItemState.COMPLETED:
        return Status.COMPLETED
    if (item.next_milestone_due and item.next_milestone_due < today) or (item.due_date and item.due_date < today):
        return Status.LAGGING
    if item.last_report_at or item.milestones_done:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def next_step(item: SupervisionItem) -> tuple[dt.date | None, str]:
    """The next open milestone, else the item's own deadline, else nothing."""
    if item.next_milestone_due:
        return item.next_milestone_due, item.next_milestone_title
    if item.state == ItemState.OPEN and item.due_date:
        return item.due_date, "完成时限"
    return None, ""


def filter_items(
    items: QuerySet[SupervisionItem],
    *,
    source: str | None = None,
    area: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    leader: int | None = None,
    q: str | None = None,
    public: bool | None = None,
    today: dt.date | None = None,
) -> QuerySet[SupervisionItem]:
    """`area` and `unit` are codes; `unit` matches the lead or an assisting unit."""
    day = today or globals()["today"]()
    if source:
        if source not in Source.values:
            raise InvalidInput(f"未知来源：{source}", code="invalid_parameter")
        items = items.filter(source=source)
    if area:
        items = items.filter(area__code=area)
    if unit:
        found = Unit.objects.filter(code=unit).values_list("pk", flat=True).first()
        if found is None:
            raise InvalidInput(f"单位编码 {unit} 不存在", code="invalid_parameter")
        helped = SupervisionItem.assisting_units.through.objects.filter(unit_id=found).values("supervisionitem_id")
        items = items.filter(Q(lead_unit_id=found) | Q(pk__in=helped))
    if status:
        items = items.filter(status_q(status, day=day))
    if leader:
        items = items.filter(responsible_leader_id=leader)
    if q:
        items = items.filter(Q(title__icontains=q) | Q(number__icontains=q))
    if public is not None:
        items = items.filter(is_public=public)
    return items


def list_items(*, user, **filters) -> QuerySet[SupervisionItem]:
    items = filter_items(access.visible_items(user=user), **filters)
    return items.select_related("area", "lead_unit", "responsible_leader").order_by("number")


# ---------------------------------------------------------------- one item


@dataclass
class EvidenceRow:
    id: int
    label: str
    is_deleted: bool
    kind: str
    attachment: Attachment


@dataclass
class ReportRow:
    report: ProgressReport
    evidence: list[EvidenceRow]


@dataclass
class HistoryRow:
    event: SupervisionEvent
    label: str
    summary: str

    @property
    def action(self) -> str:
        return self.event.action


@dataclass
class ItemDetail:
    item: SupervisionItem
    status: str
    milestones: list[Milestone]
    reports: list[ReportRow]
    history: list[HistoryRow]
    allowed: list
    assisting: list[Unit]
    next_due: dt.date | None = None
    next_title: str = ""
    overdue_milestones: list[int] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def allowed_names(self) -> set[str]:
        return {t.action for t in self.allowed}


_EXTRA_LABELS = {"create": "立项"}


def _summary(event: SupervisionEvent, milestones: dict[int, Milestone]) -> str:
    p = event.payload or {}
    label = state_machine.ITEMS.table().get(event.action)
    label = label.label if label else _EXTRA_LABELS.get(event.action, event.action)
    if event.action in ("report_progress", "report_completion"):
        parts = []
        if p.get("completes_milestone") and p.get("milestone") in milestones:
            parts.append(f"完成节点“{milestones[p['milestone']].title}”")
        if p.get("value") is not None:
            parts.append(f"当前值 {p['value']}")
        if p.get("evidence"):
            parts.append("佐证：" + "、".join(e["name"] for e in p["evidence"]))
        return f"{label}（{'；'.join(parts)}）" if parts else label
    if event.action == "delete_evidence":
        return f"{label}“{p.get('name', '')}”"
    if event.action in ("add_milestone",):
        return f"{label}“{p.get('title', '')}”（{p.get('due_date', '')}）"
    if event.action == "reschedule_milestone":
        old, new = (p.get("due_date") or ["", ""])[:2]
        return f"{label}“{p.get('title', '')}”：{old} → {new}"
    if event.action == "issue_order":
        return f"{label}：工单 {p.get('number', '')} → {p.get('lead_unit_name', '')}"
    if event.action in ("remind", "flag_overdue"):
        return f"{label}：{p.get('title', '')}（{p.get('due_date', '')}）"
    if event.action == "set_public":
        return f"{label}：{'公开' if p.get('is_public') else '不公开'}"
    return label


def item_detail(*, user, item_id: int, day: dt.date | None = None) -> ItemDetail:
    day = day or today()
    item = (
        access.visible_items(user=user)
        .select_related("area", "lead_unit", "responsible_leader", "category", "street", "community")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("督办事项不存在或无权查看", code="item_not_found")
    milestones = list(item.milestones.order_by("due_date", "seq"))
    reports = list(item.reports.select_related("unit", "reported_by", "milestone").order_by("at", "id"))
    files = attachment_selectors.for_owners(ProgressReport, [r.pk for r in reports])
    report_rows = [
        ReportRow(
            report=r,
            evidence=[
                EvidenceRow(id=a.pk, label=a.label, is_deleted=a.is_deleted, kind=a.kind, attachment=a)
                for a in files.get(str(r.pk), [])
            ],
        )
        for r in reports
    ]
    by_id = {m.pk: m for m in milestones}
    history = [
        HistoryRow(event=e, label=e.action, summary=_summary(e, by_id))
        for e in item.events.select_related("actor", "actor_unit").order_by("seq")
    ]
    next_due, next_title = next_step(item)
    logged_in = access.is_logged_in(user)
    return ItemDetail(
        item=item,
        status=status_of(item, today=day),
        milestones=milestones,
        reports=report_rows,
        history=history,
        allowed=state_machine.allowed_actions(user=user, item=item) if logged_in else [],
        assisting=list(item.assisting_units.all()),
        next_due=next_due,
        next_title=next_title,
        overdue_milestones=[m.pk for m in milestones if m.done_at is None and m.due_date < day],
    )


# ---------------------------------------------------------------- roll-ups


@dataclass
class Rollup:
    key: str
    label: str
    total: int = 0
    completed: int = 0  # 已报完成 + 已销号
    lagging: int = 0
    milestones_due: int = 0  # due by today, or done
    milestones_on_time: int = 0  # done by their deadline
    filter: str = ""  # the list filter that shows these items

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.total if self.total else None

    @property
    def on_time_rate(self) -> float | None:
        return self.milestones_on_time / self.milestones_due if self.milestones_due else None


def _counts(items: QuerySet[SupervisionItem], key: str, *, day: dt.date) -> dict:
    done = Q(state__in=[ItemState.COMPLETED, ItemState.CLOSED])
    rows = items.values(key).annotate(
        total=Count("pk"),
        completed=Count("pk", filter=done),
        lagging=Count("pk", filter=status_q(Status.LAGGING, day=day)),
    )
    return {r[key]: r for r in rows}


def _milestone_counts(items: QuerySet[SupervisionItem], key: str, *, day: dt.date) -> dict:
    due = Q(done_at__isnull=False) | Q(due_date__lt=day)
    # "on time": done on or before the deadline day (local date), recorded when it was completed.
    rows = (
        Milestone.objects.filter(item__in=items.values("pk"))
        .values(f"item__{key}")
        .annotate(due=Count("pk", filter=due), on_time=Count("pk", filter=Q(done_on_time=True)))
    )
    return {r[f"item__{key}"]: r for r in rows}


def rollups(*, items: QuerySet[SupervisionItem], by: str, day: dt.date | None = None) -> list[Rollup]:
    """完成率 (completed / total), 按时率 (milestones done by their deadline / milestones due so
    far), 滞后项 — per area, lead unit or responsible leader."""
    day = day or today()
    keys = {"area": "area_id", "unit": "lead_unit_id", "leader": "responsible_leader_id"}
    if by not in keys:
        raise InvalidInput("汇总口径须为 area、unit 或 leader", code="invalid_parameter")
    key = keys[by]
    counts = _counts(items, key, day=day)
    milestones = _milestone_counts(items, key, day=day)
    names = _names(by, [k for k in counts if k is not None])
    result = []
    for pk, row in counts.items():
        label, code = names.get(pk, ("（未明确）", ""))
        m = milestones.get(pk, {})
        result.append(
            Rollup(
                key=str(pk or ""),
                label=label,
                total=row["total"],
                completed=row["completed"],
                lagging=row["lagging"],
                milestones_due=m.get("due", 0),
                milestones_on_time=m.get("on_time", 0),
                filter=f"{by}={code}" if code else "",
            )
        )
    return sorted(result, key=lambda r: (-r.lagging, -r.total, r.label))


def _names(by: str, pks: list) -> dict:
    from jiesu.supervision.models import Area

    if by == "area":
        return {a.pk: (a.name, a.code) for a in Area.objects.filter(pk__in=pks)}
    if by == "unit":
        return {u.pk: (u.name, u.code) for u in Unit.objects.filter(pk__in=pks)}
    return {u.pk: (str(u), str(u.pk)) for u in User.objects.filter(pk__in=pks)}


@dataclass
class PatchRow:
    leader: User
    streets: list[Unit]
    total: int
    completed: int
    lagging: int


def leader_patches(*, items: QuerySet[SupervisionItem], day: dt.date | None = None) -> list[PatchRow]:
    """区领导包片: per leader, the items led by the streets they cover now."""
    day = day or today()
    patches = LeaderPatch.objects.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gte=day))
    by_leader: dict[int, list] = {}
    for patch in patches.select_related("leader", "street").order_by("leader_id", "street__sort_order"):
        by_leader.setdefault(patch.leader_id, []).append(patch)
    rows = []
    for _leader_id, found in by_leader.items():
        streets = [p.street for p in found]
        covered = items.filter(lead_unit__in=streets)
        counts = covered.aggregate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(state__in=[ItemState.COMPLETED, ItemState.CLOSED])),
            lagging=Count("pk", filter=status_q(Status.LAGGING, day=day)),
        )
        rows.append(PatchRow(leader=found[0].leader, streets=streets, **counts))
    return rows


@dataclass
class PoolRow:
    rank: int
    unit: Unit
    total: int
    completed: int
    lagging: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.total if self.total else None


def livelihood_ranking(*, year: int | None = None, day: dt.date | None = None) -> list[PoolRow]:
    """民生项目池: streets ranked by projects completed (完成数), then by completion rate."""
    day = day or today()
    items = SupervisionItem.objects.filter(source=Source.LIVELIHOOD_PROJECT, lead_unit__isnull=False)
    if year:
        items = items.filter(year=year)
    counts = _counts(items, "lead_unit_id", day=day)
    units = Unit.objects.in_bulk(list(counts))
    rows = [(units[pk], r["total"], r["completed"], r["lagging"]) for pk, r in counts.items() if pk in units]
    rows.sort(key=lambda r: (-r[2], -(r[2] / r[1] if r[1] else 0), r[0].sort_order, r[0].code))
    result, rank, previous = [], 0, None
    for position, (unit, total, completed, lagging) in enumerate(rows, start=1):
        if completed != previous:
            rank, previous = position, completed
        result.append(PoolRow(rank=rank, unit=unit, total=total, completed=completed, lagging=lagging))
    return result


def counts(*, items: QuerySet[SupervisionItem], day: dt.date | None = None) -> dict:
    """The headline figures of a set of items, each status counted."""
    day = day or today()
    figures = items.aggregate(
        total=Count("pk"),
        **{s: Count("pk", filter=status_q(s, day=day)) for s in Status.values},
    )
    done = figures[Status.COMPLETED] + figures[Status.CLOSED]
    figures["completion_rate"] = done / figures["total"] if figures["total"] else None
    return figures
