"""Reads for the dispatch console: return rate (退单率) per category, how often the recommendation
was followed, the current settings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from jiesu.dispatch.models import DispatchSettings, Recommendation
from jiesu.workorders.models import Category, WorkOrderEvent


def _window(events, *, since: dt.date | None, until: dt.date | None):
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        events = events.filter(at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return events


def return_rate_by_category(
    *, since: dt.date | None = None, until: dt.date | None = None, level: int = 1
) -> list[dict]:
    """Per category (rolled up to `level`): orders dispatched in the window, how many of them were
    returned (退单) or redispatched (改派), and 退单率 = returned ÷ dispatched. Highest rate first;
    orders without a category are reported as 未分类."""
    events = _window(
        WorkOrderEvent.objects.filter(action__in=("dispatch", "return", "redispatch")), since=since, until=until
    )
    rows = events.values("order__category_id", "action").annotate(orders=Count("order_id", distinct=True))
    categories = {c.pk: c for c in Category.objects.all()}
    by_code = {c.code: c for c in categories.values()}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"dispatch": 0, "return": 0, "redispatch": 0})
    for row in rows:
        cat = categories.get(row["order__category_id"])
        key = ".".join(cat.code.split(".")[:level]) if cat else ""
        totals[key][row["action"]] += row["orders"]
    out = []
    for code, t in totals.items():
        cat = by_code.get(code)
        dispatched = t["dispatch"]
        out.append(
            {
                "category_code": code,
                "category_path": cat.path if cat else "未分类",
                "dispatched": dispatched,
                "returned": t["return"],
                "redispatched": t["redispatch"],
                "return_rate": round(t["return"] / dispatched, 4) if dispatched else None,
            }
        )
    return sorted(out, key=lambda r: (-(r["return_rate"] or 0), -r["dispatched"], r["category_code"]))


def recommendation_acceptance(*, since: dt.date | None = None, until: dt.date | None = None) -> dict:
    """How often the first dispatch went to the recommended lead unit (automatic ones counted apart)."""
    recs = Recommendation.objects.exclude(lead_unit=None)
    if since or until:
        tz = timezone.get_current_timezone()
        if since:
            recs = recs.filter(created_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
        if until:
            recs = recs.filter(created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    latest = {}
    for order_id, unit_id, auto in recs.order_by("created_at", "id").values_list(
        "order_id", "lead_unit_id", "auto_dispatched"
    ):
        latest[order_id] = (unit_id, auto)
    dispatched = dict(
        WorkOrderEvent.objects.filter(action="dispatch", order_id__in=list(latest)).values_list(
            "order_id", "payload__lead_unit"
        )
    )
    manual = [oid for oid, (_, auto) in latest.items() if not auto and oid in dispatched]
    followed = sum(1 for oid in manual if dispatched[oid] == latest[oid][0])
    return {
        "recommended": len(latest),
        "auto_dispatched": sum(1 for _, auto in latest.values() if auto),
        "manually_dispatched": len(manual),
        "followed": followed,
        "acceptance_rate": round(followed / len(manual), 4) if manual else None,
    }


def latest_recommendation(*, order_id: int) -> Recommendation | None:
    return Recommendation.objects.filter(order_id=order_id).order_by("-created_at", "-id").first()


def current_settings() -> DispatchSettings:
    return DispatchSettings.current()


@dataclass(frozen=True)
class CategoryProposal:
    category: Category | None
    probability: float | None
    note: str  # why (or why none), in Chinese


def propose_category(*, text: str) -> CategoryProposal:
    """The routing model's category for a text being typed at intake (no order yet); never raises."""
    from jiesu.dispatch.routing import load_routing_model
    from jiesu.dispatch.routing.propose import text_problem

    problem = text_problem(text)
    if problem:
        return CategoryProposal(None, None, problem)
    try:
        model = load_routing_model()
        _, leaf_p = model.predict([text])
    except Exception as exc:  # no model yet: the clerk picks by hand
        return CategoryProposal(None, None, f"派单模型不可用：{getattr(exc, 'message', exc)}")
    best = int(leaf_p[0].argmax())
    category = Category.objects.filter(path=model.leaves[best], is_active=True).first()
    if category is None:
        return CategoryProposal(None, None, "模型推荐的类别已停用，请人工选择")
    p = float(leaf_p[0][best])
    return CategoryProposal(category, round(p, 4), f"派单模型推荐（概率 {p:.2f}）")
