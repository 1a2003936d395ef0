"""Attachments of orders: photos and PDFs added to an order by whoever may see it (purpose
`photo`, or `reply` for the handling unit's evidence with its reply). Every file is checked
(`attachments.prepare`) — and a photo's EXIF position must lie in the region — before any is
stored; a batch is stored together or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from jiesu.attachments import services as attachments
from jiesu.attachments.models import Attachment
from jiesu.common import geo
from jiesu.common.errors import InvalidInput
from jiesu.org.models import User
from jiesu.workorders.selectors import get_order

PURPOSES = {"photo": "现场照片", "reply": "答复材料"}
MAX_FILES = 10


def add_attachments(
    *, user: User, order_id: int, uploads: Iterable, purpose: str = "photo", at: dt.datetime | None = None
) -> list[Attachment]:
    if purpose not in PURPOSES:
        raise InvalidInput(f"未知附件用途：{purpose}（可选 {'、'.join(PURPOSES)}）", code="invalid_choice")
    order = get_order(user=user, order_id=order_id)  # 404 when the user may not see it
    uploads = [u for u in uploads or [] if u]
    if not uploads:
        raise InvalidInput("请选择要上传的文件", code="required", details={"field": "file"})
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"一次最多上传{MAX_FILES}个文件", code="too_many_files")
    prepared = []
    for upload in uploads:
        item = attachments.prepare(upload=upload)
        if item.gps:
            geo.require_in_region(lat=item.gps[0], lng=item.gps[1], what=f"照片「{item.original_name}」的拍摄位置")
        prepared.append(item)
    with attachments.undo_files_on_error(), transaction.atomic():
        return attachments.store(prepared=prepared, owner=order, user=user, purpose=purpose, at=at)
