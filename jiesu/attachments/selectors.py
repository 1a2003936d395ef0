"""Reads of attachments that respect who is asking."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from jiesu.attachments.models import Attachment
from jiesu.attachments.owners import is_staff, policy_for
from jiesu.common.errors import Forbidden, NotFound

VARIANTS = ("original", "public", "thumbnail")


def for_owner(owner: models.Model, *, purpose: str | None = None) -> QuerySet[Attachment]:
    """Every attachment of `owner`, the deleted ones too (as tombstones), oldest first."""
    owner_type = ContentType.objects.get_for_model(owner, for_concrete_model=False)
    rows = Attachment.objects.filter(owner_type=owner_type, owner_id=str(owner.pk))
    if purpose is not None:
        rows = rows.filter(purpose=purpose)
    return rows.select_related("uploaded_by", "deleted_by").order_by("uploaded_at", "id")


def for_owners(model: type[models.Model], ids) -> dict[str, list[Attachment]]:
    """Attachments of many owners of one type at once: owner id (as text) → rows."""
    owner_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    result: dict[str, list[Attachment]] = {}
    rows = Attachment.objects.filter(owner_type=owner_type, owner_id__in=[str(i) for i in ids])
    for row in rows.select_related("uploaded_by").order_by("uploaded_at", "id"):
        result.setdefault(row.owner_id, []).append(row)
    return result


def can_view(*, user, attachment: Attachment) -> bool:
    policy = policy_for(attachment.owner_type.model_class())
    owner = attachment.owner
    if policy is None or owner is None:
        return False
    if user is not None and user.is_authenticated and policy.can_view(user, owner):
        return True
    return policy.is_public(owner)


def get_for_download(*, user, attachment_id: int, variant: str) -> tuple[Attachment, str]:
    """The attachment and the storage key `user` may receive for `variant`. The original (with
    its EXIF) goes to staff only; anyone else asking for it receives the public copy."""
    if variant not in VARIANTS:
        raise NotFound("未知的附件版本", code="not_found")
    row = Attachment.objects.select_related("owner_type").filter(pk=attachment_id).first()
    if row is None or not can_view(user=user, attachment=row):
        raise NotFound("附件不存在或无权查看", code="attachment_not_found")
    if row.is_deleted:
        raise Forbidden(f"该附件已于{row.deleted_at:%Y-%m-%d}删除", code="attachment_deleted")
    if variant == "thumbnail":
        return row, row.thumbnail_key
    if variant == "original" and is_staff(user):
        return row, row.original_key
    return row, row.public_key or row.original_key
