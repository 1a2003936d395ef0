"""Writes of attachments: check an upload completely before anything is stored (`prepare`), then
store its files and row together (`store`) — a refused or failed upload leaves nothing behind —
and delete as a tombstone (`delete_attachment`).

An owning app checks its own permissions, then calls `attach` (or `prepare` for every file first
and `store` inside its own transaction, so that a record and its evidence are written together)."""

import contextlib
import contextvars
import datetime as dt
import hashlib
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from jiesu.attachments import storage
from jiesu.attachments.images import inspect_image
from jiesu.attachments.limits import limits, megabytes
from jiesu.attachments.models import Attachment, AttachmentKind
from jiesu.attachments.owners import policy_for
from jiesu.attachments.sniff import refusal, sniff
from jiesu.common.errors import Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)
MAX_NAME = 200


@dataclass(frozen=True)
class Prepared:
    """An upload that passed every check, with its derived files, not stored yet."""

    original_name: str
    kind: str
    content_type: str
    extension: str
    size: int
    sha256: str
    original: bytes
    public: bytes
    thumbnail: bytes
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    exif_removed: tuple[str, ...] = ()
    gps: tuple[float, float] | None = None


def _read(upload, *, cap: int) -> tuple[bytes, str]:
    """The bytes and name of a Django UploadedFile (or any file object with .name, or a
    (name, bytes) pair), refusing one over `cap` before reading it."""
    if isinstance(upload, tuple):
        name, data = upload
        size = len(data)
    else:
        name = getattr(upload, "name", "") or ""
        size = getattr(upload, "size", None)
        data = None
    if size is not None and size > cap:
        raise InvalidInput(
            f"文件过大（{megabytes(size)}），单个附件不能超过 {megabytes(cap)}，请压缩后再上传",
            code="file_too_large",
            details={"size": size, "limit": cap},
        )
    if data is None:
        upload.seek(0)
        data = upload.read(cap + 1)
        if len(data) > cap:
            raise InvalidInput(f"文件过大，单个附件不能超过 {megabytes(cap)}，请压缩后再上传", code="file_too_large")
    return data, os.path.basename(str(name)).strip()[:MAX_NAME]


def prepare(*, upload) -> Prepared:
    """Check one upload (type by content, size, integrity, bombs) and derive its public copy and
    thumbnail. Raises InvalidInput with a Chinese message; stores nothing."""
    lim = limits()
    data, name = _read(upload, cap=lim.max_bytes)
    if not data:
        raise InvalidInput("文件为空", code="file_empty")
    found = sniff(data[:8192])
    if not found.accepted:
        code = "file_executable" if found.executable else "file_type_refused"
        raise InvalidInput(refusal(found, name=name or "未命名"), code=code, details={"detected": found.content_type})
    cap = lim.image_bytes if found.kind == AttachmentKind.IMAGE else lim.pdf_bytes
    if len(data) > cap:
        label = "图片" if found.kind == AttachmentKind.IMAGE else "PDF"
        raise InvalidInput(
            f"文件过大（{megabytes(len(data))}），{label}不能超过 {megabytes(cap)}，请压缩后再上传",
            code="file_too_large",
            details={"size": len(data), "limit": cap},
        )
    common = {
        "original_name": name or f"附件.{found.extension}",
        "kind": found.kind,
        "content_type": found.content_type,
        "extension": found.extension,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "original": data,
    }
    if found.kind == AttachmentKind.IMAGE:
        info = inspect_image(data, limits=lim)
        return Prepared(
            **common,
            public=info.public,
            thumbnail=info.thumbnail,
            width=info.width,
            height=info.height,
            exif_removed=info.exif_removed,
            gps=info.gps,
        )
    from jiesu.attachments.pdfs import inspect_pdf  # pypdfium2 loads only when a PDF arrives

    info = inspect_pdf(data, limits=lim)
    # The document itself is kept as uploaded: staff and public receive the same file.
    return Prepared(**common, public=data, thumbnail=info.thumbnail, pages=info.pages)


def _keys(prepared: Prepared, *, at: dt.datetime) -> tuple[str, str, str]:
    folder = f"{timezone.localtime(at):%Y/%m}/{uuid.uuid4().hex}"
    public = f"{folder}/public.{prepared.extension}" if prepared.public is not prepared.original else ""
    return f"{folder}/original.{prepared.extension}", public, f"{folder}/thumbnail.jpg"


# Keys written inside `undo_files_on_error()`: removed again if the caller's block fails later.
_UNDO: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("attachment_undo", default=None)


@contextlib.contextmanager
def undo_files_on_error():
    """Wrap an owner's transaction with it (`with undo_files_on_error(), transaction.atomic():`):
    files stored inside are removed again when the block — or its commit — fails, so a record and
    its evidence are written together or not at all."""
    written: list[str] = []
    token = _UNDO.set(written)
    try:
        yield
    except BaseException:
        _remove_quietly(written)
        raise
    finally:
        _UNDO.reset(token)


def _remove_quietly(keys: list[str]) -> None:
    for key in keys:
        try:
            storage.remove(key)
        except Exception:  # the original error matters more; the file is logged for cleanup
            log.exception("could not remove attachment file %s after a failed write", key)


def store(
    *,
    prepared: Iterable[Prepared],
    owner: models.Model,
    user=None,
    purpose: str = "",
    at: dt.datetime | None = None,
) -> list[Attachment]:
    """Write the files, then the rows (in the caller's transaction when there is one). If
    anything fails, every file written here is removed again and the error goes on."""
    when = at or timezone.now()
    owner_type = ContentType.objects.get_for_model(owner, for_concrete_model=False)
    written: list[str] = []
    rows: list[Attachment] = []
    try:
        for item in prepared:
            original_key, public_key, thumb_key = _keys(item, at=when)
            written.append(storage.put(original_key, item.original, content_type=item.content_type))
            if public_key:
                written.append(storage.put(public_key, item.public, content_type=item.content_type))
            written.append(storage.put(thumb_key, item.thumbnail, content_type="image/jpeg"))
            with transaction.atomic():
                row = Attachment.objects.create(
                    owner_type=owner_type,
                    owner_id=str(owner.pk),
                    purpose=purpose[:32],
                    kind=item.kind,
                    content_type=item.content_type,
                    original_name=item.original_name,
                    size=item.size,
                    sha256=item.sha256,
                    width=item.width,
                    height=item.height,
                    pages=item.pages,
                    original_key=original_key,
                    public_key=public_key,
                    thumbnail_key=thumb_key,
                    exif_removed=list(item.exif_removed),
                    gps_lat=item.gps[0] if item.gps else None,
                    gps_lng=item.gps[1] if item.gps else None,
                    uploaded_by=user if getattr(user, "pk", None) else None,
                    uploaded_unit_id=getattr(user, "unit_id", None),
                    uploaded_at=when,
                )
            rows.append(row)
        collector = _UNDO.get()
        if collector is not None:
            collector.extend(written)
    except BaseException:
        _remove_quietly(written)
        raise
    return rows


def attach(*, user, owner: models.Model, upload, purpose: str = "", at: dt.datetime | None = None) -> Attachment:
    """Check and store one upload for `owner` (the caller has checked that `user` may add it)."""
    return store(prepared=[prepare(upload=upload)], owner=owner, user=user, purpose=purpose, at=at)[0]


def delete_attachment(*, user, attachment_id: int, reason: str, at: dt.datetime | None = None) -> Attachment:
    """Delete as a tombstone: the row stays (name, type, size, hash, who, when, why) so that
    every history that names it still reads; the files are removed after the commit. Allowed to
    the uploader, an admin, or whom the owner's policy admits."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写删除原因", code="required", details={"field": "reason"})
    if len(reason) > 200:
        raise InvalidInput("删除原因不能超过200字", code="too_long", details={"field": "reason"})
    with transaction.atomic():
        row = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if row is None:
            raise NotFound("附件不存在", code="attachment_not_found")
        if row.is_deleted:
            raise InvalidInput("附件已删除", code="already_deleted")
        owner = row.owner
        policy = policy_for(row.owner_type.model_class()) if row.owner_type_id else None
        allowed = user is not None and (
            getattr(user, "role", "") == "admin"
            or (row.uploaded_by_id is not None and row.uploaded_by_id == user.pk)
            or (policy is not None and owner is not None and policy.can_delete(user, owner, row))
        )
        if not allowed:
            raise Forbidden("只有上传人或管理员可以删除该附件", code="forbidden")
        keys = [row.original_key, row.public_key, row.thumbnail_key]
        Attachment.objects.filter(pk=row.pk).update(
            deleted_at=at or timezone.now(),
            deleted_by=user,
            delete_reason=reason,
            original_key="",
            public_key="",
            thumbnail_key="",
        )
        transaction.on_commit(lambda: _remove_quietly([k for k in keys if k]))
    row.refresh_from_db()
    return row
