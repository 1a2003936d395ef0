"""主动治理清单 (issue 15): items created from a finding — a hotspot, a forecast peak, a seasonal
problem (built by the insights module, referenced generically as kind + id + url + a snapshot of
its figures), the 每月一题 — or by hand. They run on the same engine as every item (lead and
assisting units, milestones, progress reports, overdue flags) and add a problem and a place, on
which their effect is measured (jiesu.supervision.effect), and 未诉先办 orders
(services.issue_order)."""

import datetime as dt
from collections.abc import Iterable, Sequence

from jiesu.common.errors import InvalidInput, NotFound
from jiesu.org.models import Community, Unit, User
from jiesu.supervision import services
from jiesu.supervision.models import Source, SupervisionItem
from jiesu.supervision.services import MilestoneSpec, Origin
from jiesu.workorders.models import Category

# Kinds of finding an item may come from (others are refused, so that typos do not pass).
ORIGIN_KINDS = {
    "hotspot": "热点",
    "forecast": "预测高峰",
    "seasonal": "季节性问题",
    "recurring": "周期性问题",
    "monthly_topic": "每月一题",
    "proposal": "治理建议",
    "manual": "手工录入",
}


def create_proactive(
    *,
    user: User | None,
    title: str,
    category: Category | None,
    street: Unit | None = None,
    community: Community | None = None,
    lead_unit: Unit | int | None,
    assisting_units: Iterable[Unit | int] = (),
    start_date: dt.date,
    due_date: dt.date | None = None,
    milestones: Sequence[MilestoneSpec] = (),
    description: str = "",
    origin: Origin | None = None,
    is_public: bool = False,
    is_demo: bool = False,
    at: dt.datetime | None = None,
) -> SupervisionItem:
    """A 主动治理 item. The problem (category) and the place (street or community) are required:
    they are what its effect is measured on."""
    origin = origin or Origin(kind="manual")
    if origin.kind not in ORIGIN_KINDS:
        raise InvalidInput(f"未知的来源类型：{origin.kind}", code="invalid_origin", details={"field": "origin"})
    if category is None:
        raise InvalidInput(
            "请选择问题所属的诉求类别（用于衡量治理成效）", code="required", details={"field": "category"}
        )
    if street is None and community is None:
        raise InvalidInput("请选择治理的街镇或社区（用于衡量治理成效）", code="required", details={"field": "street"})
    if lead_unit in (None, ""):
        raise InvalidInput("请选择牵头单位", code="required", details={"field": "lead_unit"})
    return services.create_item(
        user=user,
        source=Source.PROACTIVE,
        title=title,
        description=description,
        lead_unit=lead_unit,
        assisting_units=assisting_units,
        start_date=start_date,
        due_date=due_date,
        milestones=milestones,
        category=category,
        street=street,
        community=community,
        origin=origin,
        is_public=is_public,
        is_demo=is_demo,
        at=at,
    )


def origin_from_monthly_topic(*, topic_id: int) -> tuple[Origin, dict]:
    """The 每月一题 as an origin, and the item fields it suggests (title, category, lead unit, the
    street with most orders)."""
    from jiesu.insights.models import MonthlyTopic

    topic = MonthlyTopic.objects.select_related("category", "lead_unit").filter(pk=topic_id).first()
    if topic is None:
        raise NotFound("每月一题不存在", code="not_found")
    month = f"{topic.month:%Y-%m}"
    top_street = next((s for s in topic.streets if s.get("code")), None)
    snapshot = {
        "month": month,
        "category": topic.category.path,
        "volume": topic.volume,
        "previous_volume": topic.previous_volume,
        "growth": topic.growth,
        "growth_rate": topic.growth_rate,
        "lead_unit": topic.lead_label,
        "streets": topic.streets[:5],
    }
    origin = Origin(kind="monthly_topic", id=str(topic.pk), url=f"/insights/topic/{month}/", snapshot=snapshot)
    street = Unit.objects.filter(code=top_street["code"]).first() if top_street else None
    suggested = {
        "title": f"{topic.category.name}问题主动治理（{topic.month.year}年{topic.month.month}月每月一题）",
        "category": topic.category,
        "street": street,
        "lead_unit": topic.lead_unit or street,
    }
    return origin, suggested


def origin_from_proposal(*, ref: str) -> tuple[Origin, dict]:
    """A finding of the insights module (hotspot, forecast peak, recurring problem — by its stable
    ref) as an origin, with a snapshot of its figures, and the item fields it suggests."""
    from jiesu.insights.proposals import proposal

    found = proposal(ref)
    if found is None:
        raise NotFound("该发现已不存在（热点可能已消退），请刷新后重试", code="proposal_not_found")
    kind, _sep, key = ref.partition(":")
    origin = Origin(
        kind=kind,
        id=key,
        url=found.url,
        snapshot={"title": found.title, "place": found.place, "lead_basis": found.lead_basis, **found.evidence},
    )
    suggested = {
        "title": f"{found.place}{found.title}主动治理"
        if found.place and found.place not in found.title
        else f"{found.title}（主动治理）",
        "category": Category.objects.filter(pk=found.category_id).first() if found.category_id else None,
        "street": Unit.objects.filter(pk=found.street_id).first() if found.street_id else None,
        "lead_unit": Unit.objects.filter(pk=found.lead_unit_id).first() if found.lead_unit_id else None,
        "due_hint": found.due_hint,
        "ref": ref,
        "source_label": found.as_dict()["source_label"],
    }
    return origin, suggested


def open_proposals(*, limit: int = 8) -> list:
    """Findings not yet on the list (an item made from a finding keeps its kind and id)."""
    from jiesu.insights.proposals import proactive_proposals

    taken = set(
        SupervisionItem.objects.filter(source=Source.PROACTIVE)
        .exclude(origin_id="")
        .values_list("origin_kind", "origin_id")
    )
    return [p for p in proactive_proposals(limit=limit) if tuple(p.ref.split(":", 1)) not in taken]
