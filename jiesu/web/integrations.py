"""Optional features of other apps, shown when they are installed: duplicate hints from intake and
the dispatch recommendation. Both are looked up at call time, so the panels appear as soon as the
code lands, without a change here."""

import importlib
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


def _function(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def find_similar():
    """jiesu.intake.duplicates.find_similar, or None when it does not exist yet."""
    return _function("jiesu.intake.duplicates", "find_similar")


@dataclass(frozen=True)
class Recommendation:
    unit_id: int | None
    unit_name: str
    category_code: str
    category_name: str
    confidence: float | None
    reasons: list[str]


def _get(obj, *names, default=None):
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def _recommender():
    for module, name in (
        ("jiesu.dispatch.services", "recommend"),
        ("jiesu.dispatch.recommend", "recommend"),
        ("jiesu.dispatch.selectors", "recommend"),
    ):
        function = _function(module, name)
        if function:
            return function
    return None


def recommendation_available() -> bool:
    return _recommender() is not None


def recommend(*, order) -> Recommendation | None:
    """The recommender's proposal for `order`, or None (not installed, or it failed: the console
    must keep working without it)."""
    function = _recommender()
    if function is None:
        return None
    try:
        result = function(order=order)
    except Exception:  # a broken model must not take the dispatch console down
        logger.exception("dispatch recommendation failed for order %s", order.pk)
        return None
    if result is None:
        return None
    candidates = _get(result, "candidates", default=None)
    top = candidates[0] if candidates else result
    unit = _get(top, "lead_unit", "unit", default=None)
    category = _get(result, "category", default=None)
    unit_id = unit if isinstance(unit, int) else _get(unit, "pk", "id") if unit is not None else None
    unit_name = _get(top, "lead_unit_name", "unit_name", default="") or (str(unit) if unit is not None else "")
    category_code = category if isinstance(category, str) else _get(category, "code", default="") or ""
    category_name = _get(result, "category_path", "category_name", default="") or (
        _get(category, "path", default="") if category is not None and not isinstance(category, str) else ""
    )
    confidence = _get(result, "confidence", default=None)
    reasons = _get(top, "reasons", default=None) or _get(result, "reasons", default=None) or []
    if isinstance(reasons, str):
        reasons = [reasons]
    return Recommendation(
        unit_id=unit_id,
        unit_name=unit_name,
        category_code=category_code,
        category_name=category_name or category_code,
        confidence=float(confidence) if confidence is not None else None,
        reasons=[str(r) for r in reasons],
    )
