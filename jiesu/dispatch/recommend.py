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
from jiesu.org.models import Unit
from jiesu.workorders.duplicates import find_similar
from jiesu.workorders.models import Category, State, WorkOrder, WorkOrderEvent

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
        category.code == a
        or category.code.startswith(a + ".")
        or category.path == a
        or category.path.startswith(a + "/")
        for a in items
    )


def _routing_model():
    from jiesu.dispatch.routing import load_routing_model

    return load_routing_model()


def category_set_by_person(order: WorkOrder) -> bool:
    """Was the order's category chosen by a person (clerk, dispatcher) rather than proposed by the model?
    The create/recategorize events record how (`category_by`); orders from before that are a person's."""
    if not order.category_id:
        return False
    for payload in (
        WorkOrderEvent.objects.filter(order_id=order.pk, action__in=("create", "recategorize"))
        .order_by("-seq")
        .values_list("payload", flat=True)
    ):
        if "category_by" in (payload or {}):
            return payload["category_by"] != "model"
    return True


def build(
    *,
    order: WorkOrder,
    classifier=None,
    routing_model=None,
    settings: DispatchSettings | None = None,
    check_duplicates: bool = True,
) -> Proposal:
    """The proposal. With the routing model (the default) categories are leaves of the Beijing-style tree
    and units come from the model mixed with the 权责清单; a `classifier` (the old 7-label model, or a
    test's stand-in) or a missing routing model falls back to routing by the classifier's labels."""
    if classifier is None:
        try:
            model = routing_model or _routing_model()
        except Exception as exc:  # RoutingModelMissing or an unreadable file: the older path still works
            log.warning("routing model unavailable: %s", exc)
        else:
            return _build_routed(order=order, model=model, settings=settings, check_duplicates=check_duplicates)
    return _build_classified(order=order, classifier=classifier, settings=settings, check_duplicates=check_duplicates)


def _duplicates(order: WorkOrder, *, text: str, days: int) -> list[dict]:
    return [
        d.as_dict()
        for d in find_similar(
            content=text,
            address=order.address,
            requester_phone=order.requester_phone,
            lat=order.lat,
            lng=order.lng,
            days=days,
            now=order.received_at,
            exclude_id=order.pk,
        )
    ]


def order_text(order: WorkOrder) -> str:
    """Title and content, without the title when it is just the content's beginning (the default title)."""
    title, content = (order.title or "").strip(), (order.content or "").strip()
    return content if not title or content.startswith(title) else f"{title}\n{content}"


def _build_routed(*, order: WorkOrder, model, settings, check_duplicates: bool) -> Proposal:
    from jiesu.dispatch.routing.propose import propose

    data = router.cache.get()
    settings = settings or data.settings
    text = order_text(order)
    location, street = _locate(order)
    given = data.categories.get(order.category.code) if order.category_id and category_set_by_person(order) else None
    result = propose(text=text, street=street, model=model, data=data, given_category=given)
    model_rows = [
        {"code": c.code, "path": c.path, "name": c.name, "probability": c.probability} for c in result.categories
    ]
    if given is not None:
        chosen, chosen_p, source = given, 1.0, "order"
    elif result.categories:
        chosen, chosen_p, source = (
            data.categories.get(result.categories[0].code),
            result.categories[0].probability,
            "model",
        )
    else:
        chosen, chosen_p, source = None, None, "model"
    lead_rows = [
        {
            "unit_id": u.unit_id,
            "code": u.key if u.unit_id else "",
            "name": u.name,
            "short_name": u.short_name,
            "confidence": u.probability,
            "reasons": u.reasons,
            "assisting_units": [
                {"unit_id": a, "code": router.unit_label(a, data=data)[0], "name": router.unit_label(a, data=data)[1]}
                for a in u.assisting
            ],
        }
        for u in result.units
    ]
    duplicates = _duplicates(order, text=text, days=settings.duplicate_days) if check_duplicates else []
    top = lead_rows[0] if lead_rows else None
    confidence = top["confidence"] if top else 0.0
    version = f"{result.model_version or 'none'}+memory:{data.memory_version or 'none'}"
    auto, why = _auto_decision(
        order=order,
        settings=settings,
        category=chosen,
        category_p=chosen_p,
        category_source=source,
        confidence=confidence,
        location=location,
        has_duplicates=bool(duplicates),
        has_lead=top is not None and top["unit_id"] is not None,
        lead_is_local=bool(top) and top["unit_id"] is not None and data.units[top["unit_id"]].is_local,
    )
    if result.abstained:
        auto, why = False, [f"转人工：{result.reason}"]
    dims = dimensions_of(chosen) if chosen else {"qiyou": "", "wuxing": ""}
    body = {
        "order_id": order.pk,
        "order_number": order.number,
        "model_version": version,
        "classifier_version": result.model_version,
        "category": {
            "source": source,
            "source_label": "受理时已选" if source == "order" else "模型推荐",
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
        "abstained": {"abstained": result.abstained, "reason": result.reason},
        "duplicates": duplicates,
        "auto_dispatch": {"eligible": auto, "done": False, "reasons": why},
        "notes": result.notes,
        "warnings": [],
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


def _build_classified(
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
                entry["reasons"] = [
                    r.replace(f"类别：{category.path}", f"类别：{category.path}{prob}", 1) for r in cand.reasons
                ]
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
                    {
                        "unit_id": a,
                        "code": router.unit_label(a, data=data)[0],
                        "name": router.unit_label(a, data=data)[1],
                    }
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
        "abstained": {"abstained": False, "reason": ""},
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
    *,
    order,
    settings,
    category,
    category_p,
    category_source,
    confidence,
    location,
    has_duplicates,
    has_lead,
    lead_is_local,
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
