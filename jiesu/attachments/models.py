"""Attachments (附件): images and PDFs that any record can own — supervision evidence today; work
orders, replies and grid reports later — through a generic relation (owner type + owner id).

Files live in the `attachments` storage (django-storages: local files by default, S3-compatible in
production) under keys the platform chooses, never the uploader's file name. Three files per
attachment: the original (staff only: it may carry EXIF GPS and device data), the public copy
(that personal data removed) and a thumbnail. A deleted attachment keeps its row as a tombstone
(name, type, size, hash, who deleted it, when, why) so that every history that names it still
reads; only its files go."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AttachmentKind(models.TextChoices):
    IMAGE = "image", "图片"
    PDF = "pdf", "PDF文件"


class TombstoneQuerySet(models.QuerySet):
    def delete(self):
        raise TypeError("附件记录不能物理删除：请用“删除附件”（保留记录，只删除文件）")

    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Attachment(models.Model):
    owner_type = models.ForeignKey(ContentType, verbose_name="所属记录类型", on_delete=models.PROTECT, related_name="+")
    owner_id = models.CharField("所属记录编号", max_length=64)
    owner = GenericForeignKey("owner_type", "owner_id")
    purpose = models.CharField("用途", max_length=32, blank=True, help_text="由所属模块定义，如 evidence（佐证材料）")

    kind = models.CharField("类别", max_length=8, choices=AttachmentKind.choices)
    content_type = models.CharField("文件类型", max_length=64, help_text="按文件内容识别，而非扩展名")
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    width = models.PositiveIntegerField("宽（像素）", null=True, blank=True)
    height = models.PositiveIntegerField("高（像素）", null=True, blank=True)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    original_key = models.CharField("原件存储键", max_length=300, blank=True)
    public_key = models.CharField("公开件存储键", max_length=300, blank=True)
    thumbnail_key = models.CharField("缩略图存储键", max_length=300, blank=True)
    exif_removed = models.JSONField("公开件已去除的EXIF项", default=list, blank=True)
    gps_lat = models.FloatField("拍摄纬度（EXIF）", null=True, blank=True)
    gps_lng = models.FloatField("拍摄经度（EXIF）", null=True, blank=True)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_unit = models.ForeignKey(
        "org.Unit", verbose_name="上传单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="删除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delete_reason = models.CharField("删除原因", max_length=200, blank=True)

    objects = TombstoneQuerySet.as_manager()

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="attachment_owner")]

    def __str__(self) -> str:
        return self.label

    def delete(self, *args, **kwargs):
        raise TypeError("附件记录不能物理删除：请用“删除附件”（保留记录，只删除文件）")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def label(self) -> str:
        """How a history names it: the file, or what is left of it."""
        if self.is_deleted:
            reason = f"：{self.delete_reason}" if self.delete_reason else ""
            return f"（附件已删除）{self.original_name}{reason}"
        return self.original_name
