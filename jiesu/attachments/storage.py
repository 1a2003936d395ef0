"""The storage attachments live in: Django's `attachments` storage alias (settings.STORAGES) —
FileSystemStorage under var/media/attachments by default, django-storages' S3Storage when
JIESU_S3_BUCKET is set (any S3-compatible server: MinIO, Ceph, OSS/COS S3 endpoints)."""

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

ALIAS = "attachments"


def storage() -> Storage:
    return storages[ALIAS]


def put(key: str, data: bytes, *, content_type: str) -> str:
    """Write `data` under exactly `key` (names are fresh UUIDs; an existing key is a bug)."""
    file = ContentFile(data, name=key)
    file.content_type = content_type  # S3Storage sends it as Content-Type
    saved = storage().save(key, file)
    if saved != key:
        storage().delete(saved)
        raise RuntimeError(f"attachment key {key} already existed")
    return saved


def remove(key: str) -> None:
    if key:
        storage().delete(key)


def open_file(key: str):
    return storage().open(key, "rb")


def is_local() -> bool:
    """True when files are on this machine's disk (served through the app), False for object
    storage (served by short-lived signed URLs)."""
    return not hasattr(storage(), "bucket_name")
