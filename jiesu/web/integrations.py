"""What the pages show from other apps: duplicate hints (jiesu.workorders.duplicates) and
the dispatch recommendation (jiesu.dispatch), turned into small view models. The recommender may
fail (e.g. no trained model yet): the console must keep working without it."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from jiesu.dispatch import selectors as dispatch_selectors
from jiesu.dispatch import services as dispatch_services
from jiesu.workorders import duplicates
from jiesu.workorders.models import State

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- duplicate hints


@dataclass(frozen=True)
class Hint:
    order_id: int
    number: str
    title: str
    state_label: str
    received_at: dt.datetime | None
    similarity: float | None
    same_place: bool
    same_requester: bool
    reasons: list[str] = field(default_factory=list)


def _state_label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state


def hints(*, content: str, address: str, requester_phone: str, lat, lng, now, days: int = 7) -> list[Hint]:
    matches = duplicates.find_similar(
        content=content,
        address=address,
        requester_phone=requester_phone,
        lat=lat,
        lng=lng,
        days=days,
        now=now,
        limit=5,
    )
    return [
        Hint(
            order_id=m.order_id,
            number=m.number,
            title=m.title,
            state_label=_state_label(m.state),
            received_at=m.received_at,
            similarity=getattr(m, "similarity", None),
            same_place=bool(getattr(m, "same_place", False)),
            same_requester=bool(getattr(m, "same_requester", False)),
            reasons=[str(r) for r in getattr(m, "reasons", []) or []],
        )
        for m in matches or []
    ]


# ---------------------------------------------------------------- dispatch recommendation


@dataclass(frozen=True)
class Recommendation:
    unit_id: int | None
    unit_name: str
    category_code: str
    category_name: str
    confidence: float | None
    reasons: list[str]


def _from_body(body: dict) -> Recommendation | None:
    leads = body.get("lead_units") or []
    chosen = (body.get("category") or {}).get("chosen") or {}
    if not leads and not chosen:
        return None
    top = leads[0] if leads else {}
    return Recommendation(
        unit_id=top.get("unit_id"),
        unit_name=top.get("name", ""),
        category_code=chosen.get("code", ""),
        category_name=chosen.get("path", ""),
        confidence=top.get("confidence"),
        reasons=[str(r) for r in top.get("reasons", [])][:2],
    )


def recommend(*, order, compute: bool = True) -> Recommendation | None:
    """The latest stored proposal for `order`; when there is none and `compute`, ask the
    recommender (which records it, so the next view reads it). None when it fails."""
    try:
        stored = dispatch_selectors.latest_recommendation(order_id=order.pk)
        if stored is not None:
            return _from_body(stored.payload or {})
        if not compute:
            return None
        return _from_body(dispatch_services.recommend_order(order_id=order.pk, allow_auto=False))
    except Exception:  # a broken model must not take the dispatch console down
        logger.exception("dispatch recommendation failed for order %s", order.pk)
        return None
