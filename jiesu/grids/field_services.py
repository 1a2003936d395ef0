"""A grid worker's writes: report a problem (it becomes an order, channel 网格上报, through
`workorders.services.create_order` like every other channel), record a minor finding and close it
on the spot with a photo (自发现自处置), check in at an order's place (到场).

Photos are checked completely (`attachments.prepare`) before anything is written; the record and
its photos are then written in one transaction whose failure also removes the files."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiesu.attachments import services as attachments
from jiesu.common import geo
from jiesu.common.errors import Forbidden, InvalidInput, NotFound
from jiesu.grids import selectors, shapes
from jiesu.grids.models import CheckIn, GridReport, LocationSource, ReportKind
from jiesu.org.models import Grid, Role, User
from jiesu.workorders import services as orders
from jiesu.workorders.models import TERMINAL_STATES, Channel, WorkOrder

MAX_PHOTOS = 6
MAX_TEXT = 2000


def _require_role(user: User | None) -> None:
    if user is None or getattr(user, "role", "") != Role.GRID_WORKER:
        raise Forbidden("只有网格员可以进行网格上报", code="forbidden")


def _require_worker(user: User | None) -> list[Grid]:
    _require_role(user)
    mine = list(selectors.grids_of_worker(user=user))
    if not mine:
        raise Forbidden("您当前没有负责的网格，请联系管理员分配", code="no_grid")
    return mine


def _prepare(files: Iterable) -> list[attachments.Prepared]:
    files = [f for f in files or [] if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(f"一次最多上传{MAX_PHOTOS}张照片", code="too_many_files")
    out = []
    for upload in files:
        item = attachments.prepare(upload=upload)
        if item.kind != "image":
            raise InvalidInput(
                f"「{item.original_name}」不是照片：网格上报只接受 JPEG、PNG、WebP 图片", code="not_a_photo"
            )
        out.append(item)
    return out


def _where(*, lat: float | None, lng: float | None, photos: list[attachments.Prepared]) -> tuple[float, float, str]:
    """WGS-84 point of a finding: the browser's position, else the first photo's EXIF GPS."""
    if (lat is None) != (lng is None):
        raise InvalidInput("经纬度须同时提供", code="invalid_location")
    if lat is not None:
        shapes.require_in_beijing(lat=lat, lng=lng, what="定位")
        return lat, lng, LocationSource.BROWSER
    for photo in photos:
        if photo.gps:
            shapes.require_in_beijing(
                lat=photo.gps[0], lng=photo.gps[1], what=f"照片「{photo.original_name}」的拍摄位置"
            )
            return photo.gps[0], photo.gps[1], LocationSource.EXIF
    raise InvalidInput("没有位置：请允许浏览器定位，或上传带GPS信息的现场照片", code="location_required")


def _grid_for(point: tuple[float, float], mine: list[Grid]) -> Grid:
    """The worker's grid holding the point, else their first grid (GPS drifts near edges)."""
    from jiesu.grids import lookup

    ids = {h.grid_id for h in lookup.grids_at(lat=point[0], lng=point[1])}
    return next((g for g in mine if g.pk in ids), mine[0])


def _order_datum(lat: float, lng: float) -> tuple[float, float]:
    """Orders keep coordinates in JIESU_ORDER_COORDINATES (GCJ-02 like map apps by default)."""
    if getattr(settings, "JIESU_ORDER_COORDINATES", geo.GCJ02) == geo.GCJ02:
        return geo.wgs84_to_gcj02(lat, lng)
    return lat, lng


def report(
    *,
    user: User,
    description: str,
    files: Iterable = (),
    lat: float | None = None,
    lng: float | None = None,
    kind: str = ReportKind.REPORT,
    address: str = "",
    at: dt.datetime | None = None,
) -> GridReport:
    """A finding in the worker's grid. `REPORT` becomes an order (channel 网格上报) that the
    dispatch recommendation then sees like any other; `SELF_HANDLED` stays a field record until the
    worker closes it (`close_finding`). A self-handled finding needs a photo."""
    mine = _require_worker(user)
    if kind not in ReportKind.values:
        raise InvalidInput(f"未知上报类型：{kind}", code="invalid_choice")
    text = (description or "").strip()
    if not text:
        raise InvalidInput("请填写问题描述", code="required", details={"field": "description"})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"问题描述不能超过{MAX_TEXT}字", code="too_long", details={"field": "description"})
    photos = _prepare(files)
    if kind == ReportKind.SELF_HANDLED and not photos:
        raise InvalidInput("自发现自处置须上传现场照片", code="photo_required")
    w_lat, w_lng, source = _where(lat=lat, lng=lng, photos=photos)
    grid = _grid_for((w_lat, w_lng), mine)
    when = at or timezone.now()
    with attachments.undo_files_on_error(), transaction.atomic():
        finding = GridReport.objects.create(
            grid=grid,
            reporter=user,
            kind=kind,
            description=text,
            lat=w_lat,
            lng=w_lng,
            location_source=source,
            reported_at=when,
        )
        if kind == ReportKind.REPORT:
            o_lat, o_lng = _order_datum(w_lat, w_lng)
            order, _ = orders.create_order(
                user=user,
                channel=Channel.GRID,
                content=text,
                address=(address or "").strip() or f"{grid.name}（网格员定位）",
                lat=o_lat,
                lng=o_lng,
                street=grid.street,
                grid=grid,
                at=when,
                payload={"grid_report": finding.pk, "grid": grid.code},
            )
            GridReport.objects.filter(pk=finding.pk).update(order=order)
            finding.order = order
            transaction.on_commit(lambda: _recommend(order.pk))
        if photos:
            attachments.store(prepared=photos, owner=finding, user=user, purpose="photo", at=when)
    return finding


def _recommend(order_id: int) -> None:
    from jiesu.dispatch.services import recommend_on_create

    recommend_on_create(user=None, order_id=order_id)


def close_finding(
    *, user: User, report_id: int, note: str, files: Iterable = (), at: dt.datetime | None = None
) -> GridReport:
    """自发现自处置: the worker closes their own minor finding, with a photo of the result (also
    after the grid passed to someone else)."""
    _require_role(user)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写处置说明", code="required", details={"field": "note"})
    if len(note) > 500:
        raise InvalidInput("处置说明不能超过500字", code="too_long", details={"field": "note"})
    photos = _prepare(files)
    if not photos:
        raise InvalidInput("处置完成须上传处置后的现场照片", code="photo_required")
    when = at or timezone.now()
    with attachments.undo_files_on_error(), transaction.atomic():
        finding = GridReport.objects.select_for_update().filter(pk=report_id).first()
        if finding is None:
            raise NotFound("上报记录不存在", code="report_not_found")
        if finding.reporter_id != user.pk:
            raise Forbidden("只能处置本人发现的问题", code="forbidden")
        if finding.kind != ReportKind.SELF_HANDLED:
            raise InvalidInput("该问题已转为工单，请按工单流程办理", code="not_self_handled")
        if finding.closed_at is not None:
            raise InvalidInput("该问题已处置完成", code="already_closed")
        GridReport.objects.filter(pk=finding.pk).update(closed_at=when, closing_note=note)
        attachments.store(prepared=photos, owner=finding, user=user, purpose="closing", at=when)
    finding.refresh_from_db()
    return finding


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> int:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return round(2 * 6371000 * math.asin(math.sqrt(h)))


def check_in(*, user: User, order_id: int, lat: float, lng: float, at: dt.datetime | None = None) -> CheckIn:
    """到场: the worker at an open order of one of their grids; where and when are kept, with the
    distance to the order's point when it has one."""
    mine = _require_worker(user)
    if lat is None or lng is None:
        raise InvalidInput("到场签到需要定位，请允许浏览器获取位置", code="location_required")
    shapes.require_in_beijing(lat=lat, lng=lng, what="定位")
    order = WorkOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound("工单不存在", code="order_not_found")
    grid = selectors.grid_of_order(order)
    if grid is None or grid.pk not in {g.pk for g in mine}:
        raise Forbidden("该工单不在您负责的网格内", code="forbidden")
    if order.state in TERMINAL_STATES:
        raise InvalidInput("工单已办结归档，无需到场", code="order_closed")
    point = selectors.order_point(order)
    return CheckIn.objects.create(
        order=order,
        grid=grid,
        worker=user,
        lat=lat,
        lng=lng,
        distance_m=_distance_m(point, (lat, lng)) if point else None,
        at=at or timezone.now(),
    )
