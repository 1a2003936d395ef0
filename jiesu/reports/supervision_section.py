"""The supervision part of the monthly review pack (and of the supervision export): the 民生项目池
ranking, the lagging items (目标责任书 tasks first) and the 主动治理清单 with its measured effect,
as of the month's last day (or today, for the running month). Reads supervision's selectors."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from jiesu.common.months import next_month
from jiesu.supervision import effect, selectors
from jiesu.supervision.models import Milestone, Source, Status, SupervisionItem

LAGGING_LISTED = 40
PROACTIVE_LISTED = 60  # the newest; each one counts orders four times
_SOURCE_ORDER = [s for s, _ in Source.choices]


@dataclass
class LaggingRow:
    item: SupervisionItem
    next_due: dt.date | None
    next_title: str
    late_milestones: list[str]


@dataclass
class ProactiveRow:
    item: SupervisionItem
    status: str
    effect: effect.Effect | None

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass
class SupervisionSection:
    as_of: dt.date
    figures: dict
    by_source: list[tuple[str, dict]]
    pool: list
    lagging: list[LaggingRow]
    lagging_total: int
    proactive: list[ProactiveRow] = field(default_factory=list)

    @property
    def summary(self) -> str:
        f = self.figures
        if not f["total"]:
            return "尚无督办事项。"
        done = f[Status.COMPLETED] + f[Status.CLOSED]
        text = (
            f"截至{self.as_of.year}年{self.as_of.month}月{self.as_of.day}日，督办事项共{f['total']}项："
            f"已完成{done}项（其中已销号{f[Status.CLOSED]}项），推进中{f[Status.IN_PROGRESS]}项，"
            f"滞后{f[Status.LAGGING]}项，未启动{f[Status.NOT_STARTED]}项。"
        )
        if self.pool:
            top = [r.unit.name for r in self.pool if r.rank == 1]
            text += f"民生项目池完成数排名第一的是{'、'.join(top)}。"
        return text


def as_of_for(month: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if month is None:
        return today
    return min(today, next_month(month) - dt.timedelta(days=1))


def build_section(*, month: dt.date | None = None, source: str | None = None) -> SupervisionSection:
    day = as_of_for(month)
    items = SupervisionItem.objects.all()
    if source:
        items = items.filter(source=source)
    by_source = []
    for value, label in Source.choices:
        counted = selectors.counts(items=items.filter(source=value), day=day)
        if counted["total"]:
            by_source.append((label, counted))
    lagging_q = items.filter(selectors.status_q(Status.LAGGING, day=day)).select_related("lead_unit", "area")
    lagging_items = sorted(lagging_q, key=lambda i: (_SOURCE_ORDER.index(i.source), i.number))
    late = {}
    for m in (
        Milestone.objects.filter(item__in=lagging_items[:LAGGING_LISTED], done_at__isnull=True, due_date__lt=day)
        .order_by("due_date")
        .values("item_id", "title", "due_date")
    ):
        late.setdefault(m["item_id"], []).append(f"{m['due_date']:%Y-%m-%d} {m['title']}")
    rows = []
    for item in lagging_items[:LAGGING_LISTED]:
        due, title = selectors.next_step(item)
        rows.append(LaggingRow(item=item, next_due=due, next_title=title, late_milestones=late.get(item.pk, [])))
    proactive_items = items.filter(source=Source.PROACTIVE).select_related(
        "lead_unit", "category", "street", "community"
    )
    proactive = [
        ProactiveRow(item=i, status=selectors.status_of(i, today=day), effect=effect.measure(i, today=day))
        for i in proactive_items.order_by("-start_date", "number")[:PROACTIVE_LISTED]
    ]
    return SupervisionSection(
        as_of=day,
        figures=selectors.counts(items=items, day=day),
        by_source=by_source,
        pool=selectors.livelihood_ranking(day=day) if source in (None, Source.LIVELIHOOD_PROJECT) else [],
        lagging=rows,
        lagging_total=len(lagging_items),
        proactive=proactive,
    )
