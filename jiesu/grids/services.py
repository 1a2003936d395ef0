"""Writes of grid layers and assignments. Loading is all or nothing: every feature is checked
(closed, valid, inside Beijing) before the first row is written."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from jiesu.common import geo
from jiesu.common.errors import Forbidden, InvalidInput, NotFound
from jiesu.grids import lookup, shapes
from jiesu.grids.models import GridAssignment
from jiesu.org.models import LOCAL_KINDS, Grid, GridLayer, GridLayerKind, Role, Unit, User

GRID_ADMIN_ROLES = (Role.ADMIN, Role.DISPATCHER)


@dataclass(frozen=True)
class LayerLoad:
    layer: GridLayer
    created: int
    updated: int


def _unit(code_or_unit: Unit | str) -> Unit:
    unit = code_or_unit if isinstance(code_or_unit, Unit) else Unit.objects.filter(code=code_or_unit).first()
    if unit is None:
        raise InvalidInput(f"单位编码 {code_or_unit} 不存在", code="invalid_unit")
    return unit


def _street_for(feature: shapes.Feature, *, street_property: str, owner: Unit, streets: dict[str, Unit]) -> Unit | None:
    code = str(feature.properties.get(street_property) or "").strip()
    if code:
        street = streets.get(code)
        if street is None:
            raise InvalidInput(f"网格「{feature.name}」的街镇编码 {code} 不存在", code="invalid_unit")
        return street
    return owner if owner.kind in LOCAL_KINDS else None


def read_geojson(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"无法读取 GeoJSON 文件 {path}：{exc}", code="invalid_geojson") from exc


def load_layer(
    *,
    spec: dict,
    layer_code: str,
    layer_name: str,
    owner: Unit | str,
    kind: str,
    crs: str = geo.GCJ02,
    is_derived: bool = False,
    source: str = "",
    code_property: str = "code",
    name_property: str = "name",
    street_property: str = "street_code",
) -> LayerLoad:
    """Create or update a layer and its grids (matched by code) from a GeoJSON FeatureCollection."""
    if kind not in GridLayerKind.values:
        raise InvalidInput(f"未知图层类型：{kind}（可选 community、department）", code="invalid_choice")
    if not layer_code.strip() or not layer_name.strip():
        raise InvalidInput("请填写图层编码和名称", code="required")
    owner = _unit(owner)
    if kind == GridLayerKind.COMMUNITY and owner.kind not in LOCAL_KINDS:
        raise InvalidInput("属地社区网格图层必须属于街道或镇", code="invalid_unit")
    features = shapes.read_features(spec, crs=crs, code_property=code_property, name_property=name_property)
    streets = {u.code: u for u in Unit.objects.filter(kind__in=LOCAL_KINDS)}
    located = [(f, _street_for(f, street_property=street_property, owner=owner, streets=streets)) for f in features]
    with transaction.atomic():
        layer, _ = GridLayer.objects.update_or_create(
            code=layer_code.strip(),
            defaults={
                "name": layer_name.strip(),
                "kind": kind,
                "owner": owner,
                "is_derived": is_derived,
                "source": source[:300],
            },
        )
        clash = (
            Grid.objects.filter(code__in=[f.code for f, _ in located])
            .exclude(layer=layer)
            .values_list("code", flat=True)
            .first()
        )
        if clash:
            raise InvalidInput(f"网格编码 {clash} 已属于其他图层", code="duplicate_code")
        existing = {g.code: g for g in Grid.objects.filter(layer=layer)}
        created = updated = 0
        for feature, street in located:
            values = {
                "name": feature.name,
                "layer": layer,
                "street": street,
                "boundary": feature.geometry,
                "is_derived": is_derived,
            }
            grid = existing.get(feature.code)
            if grid is None:
                Grid.objects.create(code=feature.code, **values)
                created += 1
            else:
                Grid.objects.filter(pk=grid.pk).update(**values)
                updated += 1
        lookup.watch.bump()
    return LayerLoad(layer=layer, created=created, updated=updated)


def create_grid(
    *,
    user: User,
    layer: GridLayer | str,
    code: str,
    name: str,
    boundary: dict,
    crs: str = geo.WGS84,
    street: Unit | str | None = None,
) -> Grid:
    """One grid added to an existing layer (the API's POST)."""
    if user is None or user.role not in GRID_ADMIN_ROLES:
        raise Forbidden("只有管理员或派单员可以维护网格", code="forbidden")
    if not isinstance(layer, GridLayer):
        found = GridLayer.objects.filter(code=layer).first()
        if found is None:
            raise InvalidInput(f"图层 {layer} 不存在", code="invalid_layer")
        layer = found
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name or len(code) > 32 or len(name) > 64:
        raise InvalidInput("请填写网格编码（≤32字）和名称（≤64字）", code="required")
    if crs not in geo.CRS_CHOICES:
        raise InvalidInput(f"未知坐标系：{crs}（可选 gcj02、wgs84）", code="invalid_crs")
    geometry, _ = shapes.check_geometry(boundary, crs=crs, label=f"网格「{name}」")
    street_unit = _unit(street) if street else (layer.owner if layer.owner.kind in LOCAL_KINDS else None)
    with transaction.atomic():
        if Grid.objects.filter(code=code).exists():
            raise InvalidInput(f"网格编码 {code} 已存在", code="duplicate_code")
        grid = Grid.objects.create(
            code=code, name=name, layer=layer, street=street_unit, boundary=geometry, is_derived=layer.is_derived
        )
        lookup.watch.bump()
    return grid


def assign(
    *,
    user: User | None,
    grid: Grid | int,
    worker: User | None,
    unit: Unit | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> GridAssignment:
    """Make `worker` (and `unit`, default: the layer's owner) answer for the grid from `at`; the
    current assignment ends at the same moment. `user=None` is the platform (demo loader)."""
    if user is not None and user.role not in GRID_ADMIN_ROLES:
        raise Forbidden("只有管理员或派单员可以分配网格", code="forbidden")
    when = at or timezone.now()
    with transaction.atomic():
        grid = (
            Grid.objects.select_for_update(of=("self",))
            .select_related("layer__owner")
            .filter(pk=grid.pk if isinstance(grid, Grid) else grid)
            .first()
        )
        if grid is None:
            raise NotFound("网格不存在", code="grid_not_found")
        if worker is not None and worker.role != Role.GRID_WORKER:
            raise InvalidInput(f"{worker} 不是网格员，不能负责网格", code="invalid_worker")
        unit = unit or (grid.layer.owner if grid.layer_id else grid.street)
        if unit is None:
            raise InvalidInput("请指定网格的责任单位", code="required")
        current = GridAssignment.objects.filter(grid=grid, ended_at__isnull=True).first()
        if current is not None:
            if current.started_at > when:
                raise InvalidInput("分配时间早于当前分配的开始时间", code="invalid_time")
            GridAssignment.objects.filter(pk=current.pk).update(ended_at=when)
        return GridAssignment.objects.create(
            grid=grid,
            unit=unit,
            worker=worker,
            started_at=when,
            assigned_by=user,
            note=(note or "")[:200],
        )
