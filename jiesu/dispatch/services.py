"""Writes of the dispatch app: recommendations (and the automatic dispatch they may trigger),
corrections learned from returns and redispatches, the routing memory, boundary polygons."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from jiesu.common import geo
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.dispatch import locator, recommend, router
from jiesu.dispatch.models import (
    CORRECTION_ACTIONS,
    Correction,
    CorrectionKind,
    DispatchSettings,
    Recommendation,
    RoutingMemory,
)
from jiesu.org.models import LOCAL_KINDS, Community, Grid, Unit, User
from jiesu.workorders import services as workorders
from jiesu.workorders.models import Category, WorkOrder, WorkOrderEvent
from jiesu.workorders.selectors import visible_orders

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- recommendation and auto-dispatch


def recommend_order(*, order_id: int, allow_auto: bool = False, classifier=None) -> dict:
    """Compute and record the proposal for an order. With `allow_auto` (the intake moment) the
    platform dispatches by itself when the settings and the rule allow it; that dispatch is an event
    with source "auto", the model version and the confidence. The caller checks visibility."""
    order = WorkOrder.objects.select_related("category").filter(pk=order_id).first()
    if order is None:
        raise NotFound("工单不存在", code="order_not_found")
    proposal = recommend.build(order=order, classifier=classifier)
    body = proposal.body
    done = False
    if (
        allow_auto
        and order.category_id is None
        and proposal.category is not None
        and proposal.category.scheme == "beijing"
    ):
        _record_model_category(order=order, proposal=proposal)
    if allow_auto and proposal.auto_eligible:
        try:
            workorders.dispatch(
                user=None,
                order_id=order.pk,
                lead_unit=proposal.lead_unit_id,
                assisting_units=list(Unit.objects.filter(pk__in=proposal.assisting_unit_ids)),
                category=proposal.category if order.category_id is None else None,
                reason="自动派单：" + "；".join(body["lead_units"][0]["reasons"][:1]),
                decision={
                    "source": "auto",
                    "model_version": proposal.model_version,
                    "confidence": round(proposal.confidence, 4),
                    "category_probability": proposal.category_probability,
                    "location_method": body["location"]["method"],
                },
            )
            done = True
            body["auto_dispatch"]["done"] = True
        except Exception as exc:  # a concurrent manual dispatch won: keep the proposal, report why
            log.info("auto-dispatch of order %s skipped: %s", order.pk, exc)
            body["auto_dispatch"]["reasons"].append(f"自动派单未执行：{getattr(exc, 'message', exc)}")
    Recommendation.objects.create(
        order=order,
        model_version=proposal.model_version[:64],
        category=proposal.category,
        category_probability=proposal.category_probability,
        street=proposal.street,
        lead_unit_id=proposal.lead_unit_id,
        confidence=proposal.confidence,
        auto_dispatched=done,
        payload=body,
    )
    return body


def _record_model_category(*, order: WorkOrder, proposal: recommend.Proposal) -> None:
    """Channels without a clerk (citizen page, API, Open311): the order keeps the model's category,
    marked as the model's (`category_by: model`, with its probability), for a dispatcher to confirm."""
    try:
        workorders.recategorize(
            user=None,
            order_id=order.pk,
            category=proposal.category,
            by="model",
            probability=proposal.category_probability,
            reason="受理渠道未选类别，记录派单模型推荐的类别",
        )
        proposal.body["category"]["recorded"] = True
    except Exception as exc:  # the order is accepted already; the dispatcher can still set it
        log.info("could not record the proposed category of order %s: %s", order.pk, exc)


def recommend_for_user(*, user: User, order_id: int, allow_auto: bool = False) -> dict:
    """The proposal as this user may see it: duplicates the user cannot see are left out."""
    body = recommend_order(order_id=order_id, allow_auto=allow_auto)
    ids = [d["order_id"] for d in body["duplicates"]]
    if ids:
        visible = set(visible_orders(user=user).filter(pk__in=ids).values_list("pk", flat=True))
        body["duplicates"] = [d for d in body["duplicates"] if d["order_id"] in visible]
    return body


def recommend_on_create(*, user: User | None, order_id: int) -> dict | None:
    """For intake channels right after create_order: propose and, if allowed, auto-dispatch. The
    order is already accepted, so a failure here is logged and answered with None, never raised."""
    try:
        if user is None:
            return recommend_order(order_id=order_id, allow_auto=True)
        return recommend_for_user(user=user, order_id=order_id, allow_auto=True)
    except Exception:
        log.exception("recommendation on create failed for order %s", order_id)
        return None


@transaction.atomic
def update_settings(
    *,
    auto_dispatch_enabled: bool | None = None,
    confidence_threshold: float | None = None,
    min_category_probability: float | None = None,
    allowed_categories: str | None = None,
    duplicate_days: int | None = None,
) -> DispatchSettings:
    current = DispatchSettings.current()
    for name, value in (
        ("confidence_threshold", confidence_threshold),
        ("min_category_probability", min_category_probability),
    ):
        if value is not None and not 0 <= value <= 1:
            raise InvalidInput("阈值须在 0 到 1 之间", code="invalid_threshold", details={"field": name})
    if duplicate_days is not None and not 1 <= duplicate_days <= 90:
        raise InvalidInput("重复件比对天数须在 1 到 90 之间", code="invalid_days")
    for name, value in {
        "auto_dispatch_enabled": auto_dispatch_enabled,
        "confidence_threshold": confidence_threshold,
        "min_category_probability": min_category_probability,
        "allowed_categories": allowed_categories,
        "duplicate_days": duplicate_days,
    }.items():
        if value is not None:
            setattr(current, name, value)
    current.save()
    return current


# ---------------------------------------------------------------- corrections (learning from returns)


def _place_and_category(order: WorkOrder) -> tuple[int | None, int | None]:
    """The order's category and street, else what the latest recommendation said."""
    category_id, street_id = order.category_id, order.street_id
    if category_id is None or street_id is None:
        last = Recommendation.objects.filter(order_id=order.pk).order_by("-created_at", "-id").first()
        if last is not None:
            category_id = category_id or last.category_id
            street_id = street_id or last.street_id
    return category_id, street_id


def record_correction(*, event: WorkOrderEvent) -> Correction | None:
    """The labelled correction one event carries (None for other actions). Idempotent per event."""
    if event.action not in CORRECTION_ACTIONS:
        return None
    existing = Correction.objects.filter(event_id=event.pk).first()
    if existing:
        return existing
    payload = event.payload or {}
    if event.action == "return":
        kind, wrong, right = CorrectionKind.RETURN, payload.get("returned_by_unit"), payload.get("suggested_unit")
    elif event.action == "redispatch":
        kind, wrong, right = CorrectionKind.REDISPATCH, payload.get("previous_unit"), payload.get("lead_unit")
    elif payload.get("upheld"):
        kind, wrong, right = CorrectionKind.DISPUTE_UPHELD, payload.get("previous_unit"), payload.get("lead_unit")
    else:  # the return was not accepted: the unit that returned it was right after all
        kind, wrong, right = CorrectionKind.DISPUTE_REJECTED, None, payload.get("previous_unit")
    order = WorkOrder.objects.get(pk=event.order_id)
    category_id, street_id = _place_and_category(order)
    return Correction.objects.create(
        event=event,
        order=order,
        kind=kind,
        at=event.at,
        category_id=category_id,
        street_id=street_id,
        wrong_unit_id=wrong,
        correct_unit_id=right,
        reason=event.reason[:500],
    )


def record_correction_safely(*, event: WorkOrderEvent) -> None:
    """Called from the post_save signal inside the workorders transaction: a failure here is logged
    and rolled back to a savepoint, never allowed to undo the return or redispatch itself
    (`sync_corrections` picks the event up later)."""
    try:
        with transaction.atomic():
            record_correction(event=event)
    except Exception:
        log.exception("could not record a dispatch correction for event %s", event.pk)


def sync_corrections() -> int:
    """Create the corrections of every return/redispatch/ruling event that has none yet."""
    done = Correction.objects.values("event_id")
    created = 0
    for event in WorkOrderEvent.objects.filter(action__in=CORRECTION_ACTIONS).exclude(pk__in=done).order_by("at", "pk"):
        record_correction(event=event)
        created += 1
    return created


@dataclass(frozen=True)
class TrainingResult:
    version: str
    corrections: int
    confirmations: int
    rows: int


def _prefixes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@transaction.atomic
def retrain_routing_memory(*, keep_versions: int = 3, include_resolved: bool = True) -> TrainingResult:
    """Rebuild the routing memory from every correction (and, with `include_resolved`, from orders
    their lead unit resolved without being corrected: the routes that worked).

    Per order the last word counts: units taken away by an upheld return or a redispatch are
    "rejected", the unit the order finally stayed with is "confirmed". Counts are kept for every
    category prefix (01, 01.03, 01.03.02) at the street and district-wide."""
    sync_corrections()
    by_order: dict[int, list[Correction]] = defaultdict(list)
    for c in Correction.objects.exclude(kind=CorrectionKind.RETURN).order_by("at", "pk"):
        by_order[c.order_id].append(c)
    categories = dict(Category.objects.values_list("pk", "code"))
    counts: dict[tuple[str, int | None, int], list[int]] = defaultdict(lambda: [0, 0])

    def count(category_id, street_id, unit_id, column):
        code = categories.get(category_id)
        if code is None or unit_id is None:
            return
        for prefix in _prefixes(code):
            for street in {street_id, None}:
                counts[(prefix, street, unit_id)][column] += 1

    for corrections in by_order.values():
        last = corrections[-1]
        rejected = {c.wrong_unit_id for c in corrections if c.wrong_unit_id and c.wrong_unit_id != last.correct_unit_id}
        for unit_id in rejected:
            count(last.category_id, last.street_id, unit_id, 1)
        count(last.category_id, last.street_id, last.correct_unit_id, 0)
    confirmations = 0
    if include_resolved:
        corrected = Correction.objects.values("order_id")
        resolved = WorkOrder.objects.filter(resolved_at__isnull=False, category__isnull=False).exclude(pk__in=corrected)
        for category_id, street_id, unit_id in resolved.values_list("category_id", "street_id", "lead_unit_id"):
            count(category_id, street_id, unit_id, 0)
            confirmations += 1
    version = timezone.now().strftime("m%Y%m%d%H%M%S%f")
    RoutingMemory.objects.bulk_create(
        [
            RoutingMemory(version=version, category_code=code, street_id=street, unit_id=unit, confirmed=c, rejected=r)
            for (code, street, unit), (c, r) in counts.items()
        ],
        batch_size=1000,
    )
    old = list(RoutingMemory.objects.values_list("version", flat=True).distinct().order_by("-version")[keep_versions:])
    if old:
        RoutingMemory.objects.filter(version__in=old).delete()
    transaction.on_commit(router.cache.clear)
    router.cache.clear()
    return TrainingResult(version=version, corrections=len(by_order), confirmations=confirmations, rows=len(counts))


# ---------------------------------------------------------------- boundaries


@dataclass(frozen=True)
class BoundaryLoad:
    loaded: int
    unmatched: list[str]


_LEVELS = {"street": "街镇", "community": "社区", "grid": "网格"}


def load_boundaries(
    *, path: Path, level: str, crs: str = geo.GCJ02, name_property: str = "name", code_property: str = "code"
) -> BoundaryLoad:
    """Store operator-supplied GeoJSON polygons (converted to WGS-84) on streets, communities or
    grids, matching each feature by its code or name property. Features that match nothing are
    reported, not guessed. (org has no boundary service; this is the only writer of `boundary`.)"""
    if level not in _LEVELS:
        raise InvalidInput(f"未知层级：{level}（可选 street、community、grid）", code="invalid_level")
    if crs not in geo.CRS_CHOICES:
        raise InvalidInput(f"未知坐标系：{crs}（可选 gcj02、wgs84）", code="invalid_crs")
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"无法读取 GeoJSON 文件 {path}：{exc}", code="invalid_geojson") from exc
    features = spec.get("features") if spec.get("type") == "FeatureCollection" else [spec]
    if not features:
        raise InvalidInput("GeoJSON 文件中没有要素", code="invalid_geojson")
    if level == "street":
        objects = list(Unit.objects.filter(kind__in=LOCAL_KINDS))
    elif level == "community":
        objects = list(Community.objects.all())
    else:
        objects = list(Grid.objects.all())
    by_key = {}
    for obj in objects:
        for key in (obj.code, obj.name, getattr(obj, "short_name", "")):
            if key:
                by_key[str(key)] = obj
    loaded, unmatched, updates = 0, [], []
    for feature in features:
        props = feature.get("properties") or {}
        key = str(props.get(code_property) or props.get(name_property) or "")
        target = by_key.get(key) or by_key.get(str(props.get(name_property) or ""))
        if target is None:
            unmatched.append(key or "(无名称)")
            continue
        geometry = geo.transform_geojson(feature.get("geometry") or {}, crs=crs)
        try:
            area = geo.geometry_of(geometry)
        except Exception as exc:
            raise InvalidInput(f"要素「{key}」的几何无效：{exc}", code="invalid_geojson") from exc
        if area.geom_type not in ("Polygon", "MultiPolygon") or not area.is_valid:
            raise InvalidInput(f"要素「{key}」不是有效的面（Polygon/MultiPolygon）", code="invalid_geojson")
        updates.append((target, geometry))
        loaded += 1
    with transaction.atomic():
        for target, geometry in updates:
            type(target).objects.filter(pk=target.pk).update(boundary=geometry)
    locator.cache.clear()
    return BoundaryLoad(loaded=loaded, unmatched=unmatched)
