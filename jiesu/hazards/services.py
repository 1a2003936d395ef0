"""Writes of 企安安: the register, checklists from data, an inspection with its findings and photos
(hazards for the failed items, deadlines in working days), rectification, re-inspection and the
overdue escalation. Hazard changes go through jiesu.common.lifecycle.run_transition."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiesu.attachments import services as attachments
from jiesu.common import geo
from jiesu.common.errors import Forbidden, InvalidInput, NotFound
from jiesu.common.lifecycle import now_or, run_transition
from jiesu.hazards.lifecycle import TABLE
from jiesu.hazards.models import (
    Checklist,
    Enterprise,
    Finding,
    Hazard,
    HazardEvent,
    HazardLevel,
    HazardState,
    Inspection,
)
from jiesu.org.models import LOCAL_KINDS, Unit, User
from jiesu.worktime.services import add_limit

CHECKLISTS = "data/hazards/checklists.yaml"
_CREDIT = re.compile(r"^[0-9A-Z]{18}$")


@cache
def rectification_days() -> dict[str, int]:
    spec = yaml.safe_load((Path(settings.BASE_DIR) / CHECKLISTS).read_text(encoding="utf-8"))
    return {k: int(v) for k, v in spec["rectification_days"].items()}


def load_checklists(*, path: Path | None = None) -> int:
    """Create the checklist versions of the file that are not there yet (a version never changes)."""
    spec = yaml.safe_load((path or Path(settings.BASE_DIR) / CHECKLISTS).read_text(encoding="utf-8"))
    created = 0
    with transaction.atomic():
        for row in spec["checklists"]:
            _, made = Checklist.objects.get_or_create(
                code=row["code"],
                version=str(row["version"]),
                defaults={
                    "effective_from": row["effective_from"],
                    "title": row["title"],
                    "industries": list(row.get("industries") or []),
                    "items": list(row["items"]),
                },
            )
            created += made
    rectification_days.cache_clear()
    return created


def checklist_for(*, code: str, on: dt.date) -> Checklist:
    found = Checklist.objects.filter(code=code, effective_from__lte=on).order_by("-effective_from").first()
    if found is None:
        raise InvalidInput(f"检查表 {code} 在 {on} 没有生效的版本", code="checklist_not_found")
    return found


def register_enterprise(
    *,
    name: str,
    credit_code: str,
    industry: str,
    street: Unit | str,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    is_demo: bool = False,
    user: User | None = None,
) -> Enterprise:
    """Create or update (by credit code) an enterprise of the register. `user=None` is the platform
    (demo, imports); a person must be allowed to register in that street (`can_register`)."""
    name, code, industry = (name or "").strip(), (credit_code or "").strip().upper(), (industry or "").strip()
    if user is not None and user.role not in REGISTER_ROLES:
        raise Forbidden("您的角色不能登记企业", code="forbidden")
    if not name or not industry:
        raise InvalidInput("请填写企业名称和行业", code="required")
    if not _CREDIT.match(code):
        raise InvalidInput("统一社会信用代码须为18位数字或大写字母", code="invalid_credit_code")
    unit = street if isinstance(street, Unit) else Unit.objects.filter(code=street, kind__in=LOCAL_KINDS).first()
    if unit is None:
        raise InvalidInput(f"街镇 {street} 不存在", code="invalid_unit")
    if user is not None:
        existing = Enterprise.objects.filter(credit_code=code).values_list("street_id", flat=True).first()
        for street_id in {unit.pk, existing} - {None}:
            if not can_register(user=user, street_id=street_id):
                raise Forbidden("街镇的承办人和负责人只能登记本街镇的企业", code="forbidden")
    grid = None
    if lat is not None and lng is not None:
        geo.require_in_region(lat=lat, lng=lng, what="企业位置")
        from jiesu.grids.selectors import grid_at

        hit = grid_at(lat=lat, lng=lng)
        grid = hit.grid_id if hit else None
    enterprise, _ = Enterprise.objects.update_or_create(
        credit_code=code,
        defaults={
            "name": name[:128],
            "industry": industry[:32],
            "street": unit,
            "address": (address or "")[:200],
            "lat": lat,
            "lng": lng,
            "grid_id": grid,
            "is_demo": is_demo,
        },
    )
    return enterprise


# Who registers enterprises: the platform's district roles anywhere, grid workers (field staff, like
# inspections) anywhere, a street's handlers and leaders in their own street.
REGISTER_ROLES = {"admin", "dispatcher", "grid_worker", "handler", "unit_leader"}


def can_register(*, user: User, street_id: int) -> bool:
    if user.role in ("handler", "unit_leader"):
        return user.unit_id == street_id
    return user.role in REGISTER_ROLES


@dataclass(frozen=True)
class ItemResult:
    item: str  # the checklist item code
    passed: bool
    note: str = ""
    level: str | None = None  # raise a failed item's level (default: the checklist's)


def inspect(
    *,
    user: User,
    enterprise_id: int,
    checklist: str,
    results: Iterable[ItemResult],
    files: Iterable = (),
    note: str = "",
    at: dt.datetime | None = None,
) -> Inspection:
    """Record one inspection: every item of the checklist version in force answered; a hazard for
    each failed item, due after the level's working days (data). Photos checked first; the
    inspection, its findings, hazards (with their create events) and photos are written together."""
    if user is not None and not TABLE.get("create").roles & {user.role}:
        raise Forbidden("您的角色不能登记隐患排查", code="forbidden")
    when = now_or(at)
    enterprise = Enterprise.objects.filter(pk=enterprise_id).select_related("street").first()
    if enterprise is None:
        raise NotFound("企业不存在", code="enterprise_not_found")
    version = checklist_for(code=checklist, on=timezone.localtime(when).date())
    if version.industries and enterprise.industry not in version.industries:
        raise InvalidInput(
            f"检查表「{version.title}」不适用于{enterprise.industry}行业", code="checklist_not_applicable"
        )
    items = {i["code"]: i for i in version.items}
    answers = {r.item: r for r in results}
    unknown = set(answers) - set(items)
    if unknown:
        raise InvalidInput(f"检查项 {'、'.join(sorted(unknown))} 不在检查表中", code="unknown_item")
    missing = [code for code in items if code not in answers]
    if missing:
        raise InvalidInput(f"还有检查项未填写：{'、'.join(missing)}", code="incomplete")
    for r in answers.values():
        if not r.passed and r.level and r.level not in HazardLevel.values:
            raise InvalidInput(f"未知隐患级别：{r.level}", code="invalid_choice")
        if not r.passed and not (r.note or "").strip():
            raise InvalidInput(f"检查项 {r.item} 不符合，请说明隐患情况", code="required")
    photos = [attachments.prepare(upload=f) for f in files or [] if f]
    days = rectification_days()
    with attachments.undo_files_on_error(), transaction.atomic():
        inspection = Inspection.objects.create(
            enterprise=enterprise, checklist=version, inspector=user, inspected_at=when, note=(note or "")[:500]
        )
        for code, item in items.items():
            answer = answers[code]
            finding = Finding.objects.create(
                inspection=inspection,
                item_code=code,
                item_text=item["text"][:200],
                passed=answer.passed,
                note=(answer.note or "").strip()[:500],
            )
            if answer.passed:
                continue
            level = answer.level or item.get("level", HazardLevel.GENERAL)
            due = add_limit(when, amount=days[level], unit="workdays")
            hazard = Hazard.objects.create(
                enterprise=enterprise,
                finding=finding,
                description=f"{item['text']}：{finding.note}"[:500],
                level=level,
                lead_unit=enterprise.street,
                found_at=when,
                due_at=due,
            )
            HazardEvent.objects.create(
                hazard=hazard,
                seq=1,
                action="create",
                from_state="",
                to_state=HazardState.OPEN,
                actor=user,
                actor_unit_id=getattr(user, "unit_id", None),
                at=when,
                payload={"level": level, "due_at": due.isoformat(), "workdays": days[level], "item": code},
            )
        if photos:
            attachments.store(prepared=photos, owner=inspection, user=user, purpose="photo", at=when)
    return inspection


def _act(*, user, hazard_id: int, action: str, at, apply, reason: str = "") -> Hazard:
    return run_transition(
        model=Hazard,
        event_model=HazardEvent,
        record_field="hazard",
        table=TABLE,
        record_id=hazard_id,
        user=user,
        action=action,
        at=at,
        apply=apply,
        reason=reason,
        not_found="隐患不存在",
    )


def report_rectified(*, user: User, hazard_id: int, note: str, at: dt.datetime | None = None) -> Hazard:
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请说明整改情况", code="required")

    def apply(hazard, when):
        hazard.rectified_at = when
        return ["rectified_at"], {"note": note[:500]}

    return _act(user=user, hazard_id=hazard_id, action="rectified", at=at, apply=apply, reason=note)


def reinspect(
    *, user: User, hazard_id: int, passed: bool, note: str, files: Iterable = (), at: dt.datetime | None = None
) -> Hazard:
    """复查: passed → 销号 (closed); failed → back to 整改中 with a new deadline from today."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写复查意见", code="required")
    photos = [attachments.prepare(upload=f) for f in files or [] if f]

    def apply(hazard, when):
        if passed:
            hazard.closed_at = when
            return ["closed_at"], {"note": note[:500], "on_time": when <= hazard.due_at}
        days = rectification_days()[hazard.level]
        hazard.due_at = add_limit(when, amount=days, unit="workdays")
        hazard.rectified_at = None
        return ["due_at", "rectified_at"], {"note": note[:500], "due_at": hazard.due_at.isoformat(), "workdays": days}

    action = "reinspect_pass" if passed else "reinspect_fail"
    with attachments.undo_files_on_error(), transaction.atomic():
        hazard = _act(user=user, hazard_id=hazard_id, action=action, at=at, apply=apply, reason=note)
        if photos:
            attachments.store(
                prepared=photos, owner=hazard.finding.inspection, user=user, purpose=f"reinspect:{hazard.pk}", at=at
            )
    return hazard


def escalate(*, hazard_id: int, at: dt.datetime | None = None) -> Hazard:
    """The platform raises an overdue hazard one level (the timer; user None)."""

    def apply(hazard, when):
        hazard.escalation_level += 1
        overdue = (when - hazard.due_at).total_seconds() / 86400
        return ["escalation_level"], {"level": hazard.escalation_level, "overdue_days": round(overdue, 1)}

    return _act(user=None, hazard_id=hazard_id, action="escalate", at=at, apply=apply)
