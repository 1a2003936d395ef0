"""Overdue hazards escalate (逐级升级): level 1 at the deadline (the street's leaders), level 2 some
days later (also the 指挥部's dispatchers); steps in data/hazards/checklists.yaml. Each level once
per hazard: the escalation is an event (escalation_level moves), the message has a dedupe key."""

import datetime as dt
from pathlib import Path

import yaml
from django.conf import settings
from django.db.models import Q

from jiesu.hazards import services
from jiesu.hazards.models import Hazard, HazardState
from jiesu.notify.services import Outgoing, send_many
from jiesu.org.models import Role, User
from jiesu.timers.registry import Every, register


def _steps() -> list[int]:
    spec = yaml.safe_load((Path(settings.BASE_DIR) / services.CHECKLISTS).read_text(encoding="utf-8"))
    return [int(d) for d in spec.get("escalation_days", [0])]


def _recipients(hazard: Hazard, level: int) -> list[User]:
    who = Q(unit_id=hazard.lead_unit_id, role=Role.UNIT_LEADER)
    if level >= 2:
        who |= Q(role=Role.DISPATCHER)
    return list(User.objects.filter(who, is_active=True))


@register("hazards.escalate_overdue", label="安全隐患逾期升级", schedule=Every(minutes=30))
def escalate_overdue(*, now: dt.datetime) -> dict:
    steps = _steps()
    open_ = Hazard.objects.filter(state__in=[HazardState.OPEN, HazardState.AWAITING], due_at__lt=now)
    escalated, batch = 0, []
    for hazard in open_.select_related("enterprise").filter(escalation_level__lt=len(steps)).order_by("due_at"):
        if now < hazard.due_at + dt.timedelta(days=steps[hazard.escalation_level]):
            continue
        hazard = services.escalate(hazard_id=hazard.pk, at=now)
        escalated += 1
        overdue = (now - hazard.due_at).total_seconds() / 86400
        batch.append(
            Outgoing(
                kind="hazard_overdue",
                context={
                    "企业": hazard.enterprise.name,
                    "隐患": hazard.description[:40],
                    "级别": hazard.get_level_display(),
                    "整改期限": f"{hazard.due_at:%Y-%m-%d}",
                    "逾期天数": f"{overdue:.0f}",
                    "升级层级": str(hazard.escalation_level),
                    "链接": f"/hazards/{hazard.pk}/",
                },
                users=_recipients(hazard, hazard.escalation_level),
                dedupe=f"hazard:{hazard.pk}:escalate:{hazard.escalation_level}",
            )
        )
    sent = send_many(batch, now=now) if batch else 0
    return {"escalated": escalated, "messages": sent}
