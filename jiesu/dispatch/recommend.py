"""The proposal for one order: category (top-3 with probabilities), 七有/五性, street/grid and how
it was located, lead unit top-3 with confidence and reasons, possible duplicates, and whether the
platform may dispatch it by itself. Pure reads; jiesu.dispatch.services stores and acts on it."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from jiesu.dispatch import locator, router
from jiesu.dispatch.models import DispatchSettings
from jiesu.intake.duplicates import find_similar
from jiesu.org.models import Unit
from jiesu.workorders.models import Category, State, WorkOrder

log = logging.getLogger(__name__)

TOP_N = 3


@dataclass(frozen=True)
class Proposal:
    """The recommendation as data (for services) and as the JSON body (`body`)."""

    body: dict
    category: Category | None
    category_probability: float | None
    street: Unit | None
    lead_unit_id: int | None
    assisting_unit_ids: tuple[int, ...]
    confidence: float
    model_version: str
    auto_eligible: bool


def _classifier():
    from jiesu.dispatch.classifier import load_classifier

    return load_classifier()


@lru_cache(maxsize=1)
def _dimension_table():
    from jiesu.dispatch.classifier.dimensions import load_table

    return load_table()


def dimensions_of(category: Category) -> dict[str, str]:
    if category.qiyou or category.wuxing:
        return {"qiyou": category.qiyou, "wuxing": category.wuxing}
    try:
        return _dimension_table().lookup(category.path)
    except Exception:  # the table is optional reference data; its absence must not stop dispatch
        log.warning("七有/五性对照表不可用", exc_info=True)
        return {"qiyou": "", "wuxing": ""}


def _classify(text: str, *, classifier, data: router.RoutingData) -> tuple[list[dict], str, str]:
    """Top categories from the model; (rows, model version, warning)."""
    try:
        clf = classifier or _classifier()
    except Exception as exc:  # ClassifierMissing or an unreadable file: recommend without a category
        return [], "", f"分类模型不可用：{getattr(exc, 'message', exc)}"
    proba = clf.predict_proba([text])[0]
    ranked = sorted(zip(clf.labels, proba, strict=True), key=lambda lp: -lp[1])[:TOP_N]
    rows = []
    for label, p in ranked:
        cat = data.by_path.get(label)
        rows.append(
            {
                "code": cat.code if cat else "",
                "path": label,
                "name": cat.name if cat else label,
                "probability": round(float(p), 4),
            }
        )
    return rows, clf.version, ""


def _locate(order: WorkOrder) -> tuple[locator.Location, Unit | None]:
    if order.street_id:
        unit = Unit.objects.filter(pk=order.street_id).first()
        found = locator.Location(
            method="given",
            street_id=order.street_id,
            street_name=unit.name if unit else "",
            community_id=order.community_id,
            grid_id=order.grid_id,
            confidence=1.0,
            explanation="受理时已填写所属街镇",
        )
        return found, unit
    found = locator.locate(address=order.address, lat=order.lat, lng=order.lng)
    street = router.cache.get().units.get(found.street_id) if found.street_id else None
    return found, street


def _allowed(category: Category | None, allowed: str) -> bool:
    items = [a.strip() for a in allowed.replace("，", ",").split(",") if a.strip()]
    if not items:
        return True
    if category is None:
        return False
    return any(
        category.code == a or category.code.startswith(a + ".") or category.path == a or category.path.startswith(a + "/")
        for a in items
    )


def build(
    *, order: WorkOrder, classifier=None, settings: DispatchSettings | None = None, check_duplicates: bool = True
) -> Proposal:
    data = router.cache.get()
    settings = settings or data.settings
    text = f"{order.title}\n{order.content}".strip()
    model_rows, model_version, warning = _classify(text, classifier=classifier, data=data)
    warnings = [warning] if warning else []

    # Routing categories: the one entered at intake is certain; otherwise the model's top-3.
    if order.category_id:
        given = data.categories.get(order.category.code) if order.category else None
        routed = [(given, 1.0)] if given else []
        category_source = "order"
    else:
        routed = [(data.categories[r["code"]], r["probability"]) for r in model_rows if r["code"] in data.categories]
        category_source = "model"
    chosen, chosen_p = routed[0] if routed else (None, None)

    location, street = _locate(order)
    units: dict[int, dict] = defaultdict(lambda: {"confidence": 0.0, "reasons": [], "assisting": (), "best": 0.0})
    notes: list[str] = []
    for category, p in routed:
        result = router.route(category=category, street=street, data=data)
        notes += [n for n in result.notes if n not in notes]
        for cand in result.candidates:
            entry = units[cand.unit_id]
            share = p * cand.confidence
            entry["confidence"] += share
            if share > entry["best"]:  # explain a unit by the category that contributes most
                prob = "" if category_source == "order" else f"（概率 {p:.2f}）"
                entry["best"], entry["assisting"] = share, cand.assisting
                entry["reasons"] = [r.replace(f"类别：{category.path}", f"类别：{category.path}{prob}", 1) for r in cand.reasons]
    ranked = sorted(units.items(), key=lambda kv: (-kv[1]["confidence"], kv[0]))[:TOP_N]
    lead_rows = []
    for unit_id, entry in ranked:
        code, name = router.unit_label(unit_id, data=data)
        lead_rows.append(
            {
                "unit_id": unit_id,
                "code": code,
                "name": name,
                "confidence": round(entry["confidence"], 4),
                "reasons": entry["reasons"],
                "assisting_units": [
                    {"unit_id": a, "code": router.unit_label(a, data=data)[0], "name": router.unit_label(a, data=data)[1]}
                    for a in entry["assisting"]
                ],
            }
        )

    duplicates = []
    if check_duplicates:
        duplicates = [
            d.as_dict()
            for d in find_similar(
                content=text,
                address=order.address,
                requester_phone=order.requester_phone,
                lat=order.lat,
                lng=order.lng,
                days=settings.duplicate_days,
                now=order.received_at,
                exclude_id=order.pk,
            )
        ]

    top = lead_rows[0] if lead_rows else None
    confidence = top["confidence"] if top else 0.0
    version = f"{model_version or 'none'}+memory:{data.memory_version or 'none'}"
    auto, why = _auto_decision(
        order=order,
        settings=settings,
        category=chosen,
        category_p=chosen_p,
        category_source=category_source,
        confidence=confidence,
        location=location,
        has_duplicates=bool(duplicates),
        has_lead=top is not None,
        lead_is_local=bool(top) and data.units[top["unit_id"]].is_local,
    )
    dims = dimensions_of(chosen) if chosen else {"qiyou": "", "wuxing": ""}
    body = {
        "order_id": order.pk,
        "order_number": order.number,
        "model_version": version,
        "classifier_version": model_version,
        "category": {
            "source": category_source,
            "source_label": "受理时已选" if category_source == "order" else "模型推荐",
            "chosen": (
                {"code": chosen.code, "path": chosen.path, "name": chosen.name, "probability": chosen_p}
                if chosen
                else None
            ),
            "top": model_rows,
        },
        "dimensions": {"qiyou": dims.get("qiyou", ""), "wuxing": dims.get("wuxing", "")},
        "location": location.as_dict(),
        "lead_units": lead_rows,
        "duplicates": duplicates,
        "auto_dispatch": {"eligible": auto, "done": False, "reasons": why},
        "notes": notes,
        "warnings": warnings,
    }
    return Proposal(
        body=body,
        category=chosen,
        category_probability=chosen_p,
        street=street,
        lead_unit_id=top["unit_id"] if top else None,
        assisting_unit_ids=tuple(a["unit_id"] for a in top["assisting_units"]) if top else (),
        confidence=confidence,
        model_version=version,
        auto_eligible=auto,
    )


def _auto_decision(
    *, order, settings, category, category_p, category_source, confidence, location, has_duplicates, has_lead, lead_is_local
) -> tuple[bool, list[str]]:
    """May the platform dispatch by itself? Every condition that fails is named."""
    why = []
    if not settings.auto_dispatch_enabled:
        why.append("自动派单未开启")
    if order.state != State.RECEIVED:
        why.append("工单已不在待派单状态")
    if not has_lead:
        why.append("没有可推荐的主办单位")
    if confidence < settings.confidence_threshold:
        why.append(f"主办单位置信度 {confidence:.2f} 低于阈值 {settings.confidence_threshold:.2f}")
    if category is None:
        why.append("类别未确定")
    elif category_source == "model" and (category_p or 0) < settings.min_category_probability:
        why.append(f"类别概率 {category_p:.2f} 低于下限 {settings.min_category_probability:.2f}")
    if category is not None and not _allowed(category, settings.allowed_categories):
        why.append(f"类别「{category.path}」不在允许自动派单的范围内")
    if lead_is_local and not location.known:
        why.append("未能确定所属街镇")
    if has_duplicates:
        why.append("疑似重复件，需人工判断是否合并")
    if why:
        return False, why
    return True, [f"置信度 {confidence:.2f} ≥ 阈值 {settings.confidence_threshold:.2f}，规则允许自动派单"]
