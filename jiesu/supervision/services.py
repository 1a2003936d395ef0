"""Every change of a 督办事项, one function per action of state_machine.yaml.

Like the work orders' services: validate, lock, check the table (role, scope, state, guard), write
with a version check and append one SupervisionEvent, in one transaction
(jiesu.common.lifecycle.run_transition). Evidence files are checked completely before the
transaction and stored inside it; a failure removes them again (attachments.undo_files_on_error).
`user=None` is the platform itself (timers, the demo loader)."""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from jiesu.attachments import services as attachments
from jiesu.common import validation
from jiesu.common.errors import Forbidden, InvalidInput, NotFound
from jiesu.common.lifecycle import now_or, run_transition
from jiesu.org.models import Community, Role, Unit, UnitKind, User
from jiesu.supervision import events, state_machine
from jiesu.supervision.models import (
    Area,
    Evidence,
    ItemState,
    Milestone,
    ProgressReport,
    Source,
    SupervisionEvent,
    SupervisionItem,
)
from jiesu.supervision.rules import rules
from jiesu.workorders.models import Category

MAX_TEXT = 5000
MAX_FILES = 10
_HANDLING_KINDS = (UnitKind.STREET, UnitKind.TOWN, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    due_date: dt.date
    due_text: str = ""
    target_value: Decimal | None = None


@dataclass(frozen=True)
class Origin:
    """Where an item came from: any finding of another module, by reference and a snapshot of its
    figures at the time (kind e.g. "monthly_topic", "hotspot", "forecast", "seasonal",
    "meeting_question", "watch_list")."""

    kind: str
    id: str = ""
    url: str = ""
    snapshot: dict = field(default_factory=dict)


# ---------------------------------------------------------------- validation


def _text(value: str | None, *, field: str, label: str, max_length: int = 300, required: bool = True) -> str:
    # Characters (NUL, controls) and the platform-wide ceiling: the one validation layer.
    text = validation.clean_text(value, kind="content", field=field, label=label, required=required)
    if len(text) > max_length:
        raise InvalidInput(f"{label}不能超过{max_length}字", code="too_long", details={"field": field})
    return text


def _unit(value: Unit | int | None, *, label: str, field: str) -> Unit | None:
    if value in (None, ""):
        return None
    unit = value if isinstance(value, Unit) else Unit.objects.filter(pk=value).first()
    if unit is None or not unit.is_active or unit.kind not in _HANDLING_KINDS:
        raise InvalidInput(
            f"{label}无效：须为启用的街镇、部门或公共服务企业", code="invalid_unit", details={"field": field}
        )
    return unit


def _decimal(value, *, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{label}须为数字", code="invalid_number", details={"field": field}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise InvalidInput(f"{label}超出范围", code="invalid_number", details={"field": field})
    return number.quantize(Decimal("0.01"))


def _leader(value: User | int | None) -> User | None:
    if value in (None, ""):
        return None
    user = value if isinstance(value, User) else User.objects.filter(pk=value).first()
    if user is None or user.role != Role.DISTRICT_LEADER or not user.is_active:
        raise InvalidInput("责任区领导须为区领导账号", code="invalid_leader", details={"field": "responsible_leader"})
    return user


def _check_milestone_date(*, title: str, due: dt.date, start: dt.date | None) -> None:
    if not isinstance(due, dt.date):
        raise InvalidInput(f"请填写节点“{title}”的时限", code="required", details={"field": "due_date"})
    if start and due < start:
        raise InvalidInput(
            f"节点“{title}”的时限（{due:%Y-%m-%d}）早于事项开始日期（{start:%Y-%m-%d}），请核对",
            code="milestone_before_start",
            details={"field": "due_date"},
        )


def _projection(item: SupervisionItem) -> list[str]:
    """Refresh the columns the status is derived from (inside the caller's transaction)."""
    milestones = list(item.milestones.order_by("due_date", "seq").values("title", "due_date", "done_at"))
    open_ones = [m for m in milestones if m["done_at"] is None]
    item.milestones_total = len(milestones)
    item.milestones_done = len(milestones) - len(open_ones)
    if open_ones:
        item.next_milestone_due, item.next_milestone_title = open_ones[0]["due_date"], open_ones[0]["title"][:300]
    else:
        item.next_milestone_due, item.next_milestone_title = None, ""
    return ["milestones_total", "milestones_done", "next_milestone_due", "next_milestone_title"]


def _transition(*, item_id, user, action, at=None, apply, reason="", check=None) -> SupervisionItem:
    return run_transition(
        model=SupervisionItem,
        event_model=SupervisionEvent,
        record_field="item",
        table=state_machine.ITEMS,
        record_id=item_id,
        user=user,
        action=action,
        at=at,
        apply=apply,
        reason=reason,
        check=check,
        not_found="督办事项不存在",
    )


# ---------------------------------------------------------------- create and edit


def create_item(
    *,
    user: User | None,
    source: str,
    title: str,
    description: str = "",
    area: Area | None = None,
    year: int | None = None,
    lead_unit: Unit | int | None = None,
    assisting_units: Iterable[Unit | int] = (),
    responsible_leader: User | int | None = None,
    target_value=None,
    target_unit: str = "",
    target_text: str = "",
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    due_text: str = "",
    milestones: Sequence[MilestoneSpec] = (),
    is_public: bool = False,
    is_demo: bool = False,
    source_ref: str = "",
    origin: Origin | None = None,
    category: Category | None = None,
    street: Unit | None = None,
    community: Community | None = None,
    evidence: str | None = None,
    number: str | None = None,
    at: dt.datetime | None = None,
) -> SupervisionItem:
    """立项. Every date is checked against the start; nothing is written unless all is valid."""
    transition = state_machine.get("create")
    state_machine.ITEMS.check_role(transition, user, None)
    if source not in Source.values:
        raise InvalidInput(f"未知来源：{source}", code="invalid_choice", details={"field": "source"})
    title = _text(title, field="title", label="事项名称")
    description = _text(description, field="description", label="事项内容", max_length=MAX_TEXT, required=False)
    lead = _unit(lead_unit, label="牵头单位", field="lead_unit")
    helpers = [_unit(u, label="配合单位", field="assisting_units") for u in assisting_units]
    if lead and any(h.pk == lead.pk for h in helpers):
        raise InvalidInput("牵头单位不能同时是配合单位", code="same_unit", details={"field": "assisting_units"})
    leader = _leader(responsible_leader)
    target = _decimal(target_value, field="target_value", label="目标值")
    if due_date and start_date and due_date < start_date:
        raise InvalidInput(
            f"完成时限（{due_date:%Y-%m-%d}）早于开始日期（{start_date:%Y-%m-%d}）",
            code="due_before_start",
            details={"field": "due_date"},
        )
    specs = list(milestones)
    for spec in specs:
        _check_milestone_date(
            title=_text(spec.title, field="milestones", label="节点名称"), due=spec.due_date, start=start_date
        )
    evidence = evidence or rules().evidence_for(source)
    if evidence not in Evidence.values:
        raise InvalidInput(f"未知的佐证要求：{evidence}", code="invalid_choice", details={"field": "evidence"})
    if street is not None and street.kind not in (UnitKind.STREET, UnitKind.TOWN):
        raise InvalidInput("街镇须为街道或镇", code="invalid_unit", details={"field": "street"})
    if community is not None and street is not None and community.street_id != street.pk:
        raise InvalidInput("社区不在所选街镇内", code="invalid_place", details={"field": "community"})
    when = now_or(at)
    origin = origin or Origin(kind="")
    with transaction.atomic():
        item = SupervisionItem.objects.create(
            number=number or f"tmp-{uuid.uuid4().hex[:24]}",
            source=source,
            title=title,
            description=description,
            area=area,
            year=year or (start_date.year if start_date else timezone.localtime(when).year),
            responsible_leader=leader,
            lead_unit=lead,
            target_value=target,
            target_unit=(target_unit or "").strip()[:16],
            target_text=(target_text or "").strip()[:300],
            start_date=start_date,
            due_date=due_date,
            due_text=(due_text or "").strip()[:64],
            evidence=evidence,
            is_public=is_public,
            is_demo=is_demo,
            source_ref=source_ref[:200],
            origin_kind=origin.kind[:32],
            origin_id=str(origin.id)[:64],
            origin_url=origin.url[:300],
            origin_snapshot=origin.snapshot,
            category=category,
            street=street or (community.street if community else None),
            community=community,
            state=ItemState.OPEN,
            version=1,
        )
        if not number:
            item.number = f"DB{item.year}-{item.pk:05d}"
        if helpers:
            item.assisting_units.add(*helpers)
        for seq, spec in enumerate(specs, start=1):
            Milestone.objects.create(
                item=item,
                seq=seq,
                title=spec.title.strip()[:300],
                due_date=spec.due_date,
                due_text=spec.due_text[:64],
                target_value=spec.target_value,
            )
        fields = _projection(item)
        SupervisionItem.objects.filter(pk=item.pk).update(number=item.number, **{f: getattr(item, f) for f in fields})
        SupervisionEvent.objects.create(
            item=item,
            seq=1,
            action="create",
            from_state="",
            to_state=item.state,
            actor_id=user.pk if user else None,
            actor_unit_id=user.unit_id if user else None,
            at=when,
            payload=events.payload(
                events.Created(
                    source=source,
                    lead_unit=lead.pk if lead else None,
                    milestones=[{"title": s.title, "due_date": s.due_date.isoformat()} for s in specs],
                    origin={"kind": origin.kind, "id": str(origin.id), "url": origin.url} if origin.kind else {},
                )
            ),
        )
    return item


def assign(
    *,
    user: User | None,
    item_id: int,
    lead_unit: Unit | int | None,
    assisting_units: Iterable[Unit | int] = (),
    responsible_leader: User | int | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> SupervisionItem:
    """确定责任单位: the lead unit (who reports), the assisting units and the responsible leader."""
    lead = _unit(lead_unit, label="牵头单位", field="lead_unit")
    if lead is None:
        raise InvalidInput("请选择牵头单位", code="required", details={"field": "lead_unit"})
    helpers = [_unit(u, label="配合单位", field="assisting_units") for u in assisting_units]
    if any(h.pk == lead.pk for h in helpers):
        raise InvalidInput("牵头单位不能同时是配合单位", code="same_unit", details={"field": "assisting_units"})
    leader = _leader(responsible_leader)

    def apply(item, when):
        payload = events.Assigned(
            lead_unit=[item.lead_unit_id, lead.pk],
            assisting_units=[h.pk for h in helpers],
            responsible_leader=[item.responsible_leader_id, leader.pk if leader else None],
        )
        item.lead_unit_id = lead.pk
        item.responsible_leader = leader
        return ["lead_unit_id", "responsible_leader_id"], events.payload(payload)

    item = _transition(item_id=item_id, user=user, action="assign", at=at, apply=apply, reason=reason)
    item.assisting_units.set(helpers)
    return item


def edit_item(
    *,
    user: User | None,
    item_id: int,
    title: str | None = None,
    description: str | None = None,
    target_value=None,
    target_unit: str | None = None,
    due_date: dt.date | None = None,
    at: dt.datetime | None = None,
) -> SupervisionItem:
    """修改事项: the event keeps each changed field as [old, new]."""
    wanted: dict = {}
    if title is not None:
        wanted["title"] = _text(title, field="title", label="事项名称")
    if description is not None:
        wanted["description"] = _text(
            description, field="description", label="事项内容", max_length=MAX_TEXT, required=False
        )
    if target_value is not None:
        wanted["target_value"] = _decimal(target_value, field="target_value", label="目标值")
    if target_unit is not None:
        wanted["target_unit"] = target_unit.strip()[:16]
    if due_date is not None:
        wanted["due_date"] = due_date

    def check(item):
        if "due_date" in wanted and item.start_date and wanted["due_date"] < item.start_date:
            raise InvalidInput("完成时限早于开始日期", code="due_before_start", details={"field": "due_date"})

    def apply(item, when):
        changed = {}
        for name, value in wanted.items():
            old = getattr(item, name)
            if old != value:
                changed[name] = [_json(old), _json(value)]
                setattr(item, name, value)
        if not changed:
            raise InvalidInput("没有需要保存的修改", code="no_change")
        return list(changed), events.payload(events.Edited(changed=changed))

    return _transition(item_id=item_id, user=user, action="edit", at=at, apply=apply, check=check)


def _json(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# ---------------------------------------------------------------- milestones


def add_milestone(
    *,
    user: User | None,
    item_id: int,
    title: str,
    due_date: dt.date,
    due_text: str = "",
    target_value=None,
    at: dt.datetime | None = None,
) -> SupervisionItem:
    title = _text(title, field="title", label="节点名称")
    target = _decimal(target_value, field="target_value", label="节点目标值")

    def check(item):
        _check_milestone_date(title=title, due=due_date, start=item.start_date)

    def apply(item, when):
        seq = (item.milestones.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
        milestone = Milestone.objects.create(
            item=item, seq=seq, title=title, due_date=due_date, due_text=due_text[:64], target_value=target
        )
        payload = events.MilestoneAdded(milestone=milestone.pk, title=title, due_date=due_date.isoformat())
        return _projection(item), events.payload(payload)

    return _transition(item_id=item_id, user=user, action="add_milestone", at=at, apply=apply, check=check)


def reschedule_milestone(
    *, user: User | None, item_id: int, milestone_id: int, due_date: dt.date, reason: str, at: dt.datetime | None = None
) -> SupervisionItem:
    """调整节点时限 (only the supervisors; the reason stays in the history)."""
    reason = _text(reason, field="reason", label="调整理由", max_length=500)

    def check(item):
        milestone = _milestone(item, milestone_id)
        if milestone.done_at:
            raise InvalidInput("该节点已完成，不能调整时限", code="milestone_done")
        _check_milestone_date(title=milestone.title, due=due_date, start=item.start_date)
        if milestone.due_date == due_date:
            raise InvalidInput("新时限与原时限相同", code="no_change", details={"field": "due_date"})

    def apply(item, when):
        milestone = _milestone(item, milestone_id)
        old = milestone.due_date
        Milestone.objects.filter(pk=milestone.pk).update(due_date=due_date, due_text="")
        payload = events.MilestoneRescheduled(
            milestone=milestone.pk, title=milestone.title, due_date=[old.isoformat(), due_date.isoformat()]
        )
        return _projection(item), events.payload(payload)

    return _transition(
        item_id=item_id, user=user, action="reschedule_milestone", at=at, apply=apply, reason=reason, check=check
    )


def _milestone(item: SupervisionItem, milestone_id) -> Milestone:
    milestone = item.milestones.filter(pk=milestone_id).first() if milestone_id else None
    if milestone is None:
        raise InvalidInput("该事项没有这个节点", code="invalid_milestone", details={"field": "milestone"})
    return milestone


# ---------------------------------------------------------------- progress reports


def _needs_evidence(item: SupervisionItem, *, completing: bool) -> bool:
    if item.evidence == Evidence.EVERY:
        return True
    return item.evidence == Evidence.COMPLETION and completing


def _prepare_files(files: Iterable) -> list[attachments.Prepared]:
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise InvalidInput(f"一次最多上传{MAX_FILES}个佐证材料", code="too_many_files", details={"field": "files"})
    prepared = []
    for upload in files:
        try:
            prepared.append(attachments.prepare(upload=upload))
        except InvalidInput as exc:
            name = upload[0] if isinstance(upload, tuple) else getattr(upload, "name", "")
            raise InvalidInput(f"佐证材料“{name}”：{exc.message}", code=exc.code, details={"field": "files"}) from None
    return prepared


def report_progress(
    *,
    user: User | None,
    item_id: int,
    text: str,
    value=None,
    milestone_id: int | None = None,
    completes_milestone: bool = False,
    completes_item: bool = False,
    files: Iterable = (),
    at: dt.datetime | None = None,
    is_demo: bool = False,
) -> SupervisionItem:
    """报送进展 (only the lead unit): text, the current value toward the target, evidence files;
    optionally completes a milestone. With `completes_item` it is the completion report (报告完成)
    and moves the item to 已报完成. Evidence rules: data/supervision/rules.yaml."""
    text = _text(text, field="text", label="进展情况", max_length=MAX_TEXT)
    number = _decimal(value, field="value", label="当前值")
    if completes_milestone and not milestone_id:
        raise InvalidInput("请选择要完成的节点", code="required", details={"field": "milestone"})
    prepared = _prepare_files(files)  # every file checked before anything is written
    action = "report_completion" if completes_item else "report_progress"

    def check(item):
        milestone = _milestone(item, milestone_id) if milestone_id else None
        if milestone and milestone.done_at and completes_milestone:
            raise InvalidInput(f"节点“{milestone.title}”已完成", code="milestone_done")
        if _needs_evidence(item, completing=completes_milestone or completes_item) and not prepared:
            what = "完成节点或报告完成" if item.evidence == Evidence.COMPLETION else "每次报送"
            raise InvalidInput(
                f"{what}须上传佐证材料（图片或 PDF），请补充后再报送",
                code="evidence_required",
                details={"field": "files"},
            )

    def apply(item, when):
        milestone = _milestone(item, milestone_id) if milestone_id else None
        report = ProgressReport.objects.create(
            item=item,
            milestone=milestone,
            unit_id=user.unit_id if user else item.lead_unit_id,
            reported_by=user,
            at=when,
            text=text,
            value=number,
            completes_milestone=completes_milestone,
            completes_item=completes_item,
            is_demo=is_demo,
        )
        stored = attachments.store(prepared=prepared, owner=report, user=user, purpose="evidence", at=when)
        fields = ["last_report_at", "reports_count"]
        item.last_report_at, item.reports_count = when, item.reports_count + 1
        if number is not None:
            item.current_value = number
            fields.append("current_value")
        if completes_milestone:
            on_time = timezone.localtime(when).date() <= milestone.due_date
            Milestone.objects.filter(pk=milestone.pk).update(done_at=when, done_report=report, done_on_time=on_time)
            fields += _projection(item)
        if completes_item:
            item.completed_at = when
            fields.append("completed_at")
        payload = events.ProgressReported(
            report=report.pk,
            milestone=milestone.pk if milestone else None,
            completes_milestone=completes_milestone,
            value=str(number) if number is not None else None,
            evidence=[{"id": a.pk, "name": a.original_name} for a in stored],
            completes_item=completes_item,
        )
        return fields, events.payload(payload)

    with attachments.undo_files_on_error():
        return _transition(item_id=item_id, user=user, action=action, at=at, apply=apply, check=check)


def report_completion(*, user: User | None, item_id: int, text: str, value=None, files: Iterable = (), at=None):
    """报告完成: a progress report that declares the item done (all milestones must be done)."""
    return report_progress(user=user, item_id=item_id, text=text, value=value, completes_item=True, files=files, at=at)


def delete_evidence(
    *, user: User | None, item_id: int, attachment_id: int, reason: str, at: dt.datetime | None = None
) -> SupervisionItem:
    """删除佐证材料: the attachment becomes a tombstone; the item's history records it."""
    from jiesu.attachments.models import Attachment

    reason = _text(reason, field="reason", label="删除原因", max_length=200)
    row = Attachment.objects.filter(pk=attachment_id, owner_type__app_label="supervision").first()
    report = ProgressReport.objects.filter(pk=row.owner_id, item_id=item_id).first() if row else None
    if report is None:
        raise NotFound("该事项没有这个佐证材料", code="attachment_not_found")

    def apply(item, when):
        attachments.delete_attachment(user=user, attachment_id=attachment_id, reason=reason, at=when)
        return [], events.payload(events.EvidenceDeleted(attachment=row.pk, name=row.original_name, report=report.pk))

    return _transition(item_id=item_id, user=user, action="delete_evidence", at=at, apply=apply, reason=reason)


# ---------------------------------------------------------------- review


def return_completion(*, user: User | None, item_id: int, reason: str, at: dt.datetime | None = None):
    """退回完成报告: the supervisors do not accept the completion; the item is open again."""
    reason = _text(reason, field="reason", label="退回理由", max_length=500)

    def apply(item, when):
        item.completed_at = None
        return ["completed_at"], events.payload(events.Reviewed())

    return _transition(item_id=item_id, user=user, action="return_completion", at=at, apply=apply, reason=reason)


def close_item(*, user: User | None, item_id: int, reason: str = "", at: dt.datetime | None = None):
    """销号: the supervisors accept the completion."""

    def apply(item, when):
        item.closed_at = when
        return ["closed_at"], events.payload(events.Reviewed())

    return _transition(item_id=item_id, user=user, action="close", at=at, apply=apply, reason=reason.strip())


def reopen_item(*, user: User | None, item_id: int, reason: str, at: dt.datetime | None = None):
    reason = _text(reason, field="reason", label="恢复督办理由", max_length=500)

    def apply(item, when):
        item.closed_at = item.completed_at = None
        return ["closed_at", "completed_at"], events.payload(events.Reviewed())

    return _transition(item_id=item_id, user=user, action="reopen", at=at, apply=apply, reason=reason)


def supervise(*, user: User | None, item_id: int, reason: str, at: dt.datetime | None = None):
    """督办: a written urging to the lead unit; counted in the history."""
    reason = _text(reason, field="reason", label="督办意见", max_length=500)

    def apply(item, when):
        count = item.events.filter(action="supervise").count() + 1
        return [], events.payload(events.Reviewed(count=count))

    return _transition(item_id=item_id, user=user, action="supervise", at=at, apply=apply, reason=reason)


def set_public(*, user: User | None, item_id: int, is_public: bool, at: dt.datetime | None = None):
    def apply(item, when):
        if item.is_public == is_public:
            raise InvalidInput("公开设置没有变化", code="no_change")
        item.is_public = is_public
        return ["is_public"], events.payload(events.PublicSet(is_public=is_public))

    return _transition(item_id=item_id, user=user, action="set_public", at=at, apply=apply)


# ---------------------------------------------------------------- 未诉先办


def issue_order(
    *,
    user: User | None,
    item_id: int,
    lead_unit: Unit | int,
    content: str,
    title: str = "",
    address: str = "",
    at: dt.datetime | None = None,
) -> tuple[SupervisionItem, int]:
    """未诉先办: a 主动治理 item sends a work order to a unit without a citizen call (channel
    主动发现). The order is created and dispatched by jiesu.workorders.services in the same
    transaction; its create event names the item. A unit leader of the item's lead unit may do
    this too: the platform then creates and dispatches on their behalf (their name in the
    payload), since the order table reserves those actions to the 指挥部."""
    from jiesu.workorders import services as orders
    from jiesu.workorders import state_machine as order_machine
    from jiesu.workorders.models import Channel

    unit = _unit(lead_unit, label="承办单位", field="lead_unit")
    if unit is None:
        raise InvalidInput("请选择承办单位", code="required", details={"field": "lead_unit"})
    content = _text(content, field="content", label="工单内容", max_length=orders.MAX_CONTENT)

    def acts_itself(action: str) -> bool:
        return user is not None and user.role in order_machine.get(action).roles

    def apply(item, when):
        actor = user if acts_itself("create") and acts_itself("dispatch") else None
        note = {"supervision_item": item.pk, "supervision_number": item.number}
        if actor is None and user is not None:
            note.update(issued_by=user.pk, issued_by_name=str(user))
        order, _ = orders.create_order(
            user=actor,
            content=content,
            title=title,
            channel=Channel.PROACTIVE,
            address=address,
            category=item.category,
            street=item.street,
            at=when,
            payload=note,
            match_property_project=False,
        )
        orders.dispatch(user=actor, order_id=order.pk, lead_unit=unit, reason=f"未诉先办：{item.number}", at=when)
        issued.append(order.pk)
        payload = events.OrderIssued(
            order=order.pk, number=order.number, lead_unit=unit.pk, lead_unit_name=unit.name, on_behalf=actor is None
        )
        return [], events.payload(payload)

    issued: list[int] = []
    item = _transition(item_id=item_id, user=user, action="issue_order", at=at, apply=apply)
    return item, issued[0]


# ---------------------------------------------------------------- timers (called by jiesu.supervision.timers)


def fire_timer(
    *, item_id: int, action: str, target: str, title: str, due_date: dt.date, message: str, recipients: dict, at
):
    """remind / flag_overdue: the platform's own event, so the history shows what was sent."""

    def apply(item, when):
        payload = events.TimerFired(
            target=target, title=title, due_date=due_date.isoformat(), message=message, recipients=recipients
        )
        return [], events.payload(payload)

    return _transition(item_id=item_id, user=None, action=action, at=at, apply=apply)


def require_supervisor(user) -> None:
    from jiesu.supervision.access import is_supervisor

    if not is_supervisor(user):
        raise Forbidden("只有指挥部、区领导或管理员可以执行该操作")
