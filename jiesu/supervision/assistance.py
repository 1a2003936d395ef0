"""指导帮扶: a unit on the assessment's watch list (治理类, jiesu.assessment) gets a help plan run
as a 督办事项 (source 指导帮扶): the unit itself leads and reports (整改), the 指挥部 assists and
visits (milestones: planned visits and checks), 销号 when it has left the list."""

import datetime as dt
from collections.abc import Sequence

from jiesu.assessment.models import WatchListEntry
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.org.models import Unit, UnitKind, User
from jiesu.supervision import services
from jiesu.supervision.models import Source, SupervisionItem
from jiesu.supervision.services import MilestoneSpec, Origin


def open_assistance(
    *,
    user: User | None,
    watch_entry_id: int,
    plan: str,
    start_date: dt.date,
    due_date: dt.date | None = None,
    milestones: Sequence[MilestoneSpec] = (),
    at: dt.datetime | None = None,
) -> SupervisionItem:
    entry = WatchListEntry.objects.select_related("unit").filter(pk=watch_entry_id).first()
    if entry is None:
        raise NotFound("治理类记录不存在", code="not_found")
    existing = SupervisionItem.objects.filter(
        source=Source.ASSISTANCE, origin_kind="watch_list", origin_id=str(entry.pk)
    )
    if existing.exists():
        raise InvalidInput(f"{entry.unit.name}本次列入治理类已有帮扶计划：{existing.first().number}", code="duplicate")
    centre = Unit.objects.filter(kind=UnitKind.CENTRE).first()
    return services.create_item(
        user=user,
        source=Source.ASSISTANCE,
        title=f"{entry.unit.name}指导帮扶（{entry.entered_month:%Y年%m月}列入治理类）",
        description=plan,
        lead_unit=entry.unit,
        assisting_units=[],
        start_date=start_date,
        due_date=due_date,
        milestones=milestones,
        origin=Origin(
            kind="watch_list",
            id=str(entry.pk),
            url=f"/reports/dashboard/?month={entry.entered_month:%Y-%m}",
            snapshot={
                "unit": entry.unit.name,
                "entered_month": f"{entry.entered_month:%Y-%m}",
                "reason": entry.reason,
                "centre": centre.name if centre else "",
            },
        ),
        at=at,
    )


def watch_status(item: SupervisionItem) -> WatchListEntry | None:
    """The watch-list stay an assistance item was opened for (its exit month when it has left)."""
    if item.source != Source.ASSISTANCE or item.origin_kind != "watch_list":
        return None
    return WatchListEntry.objects.filter(pk=item.origin_id).first()
