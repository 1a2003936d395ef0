"""API pieces any owner reuses: the attachment's representation (with the URLs the caller may
use), the multipart upload field, and the generic detail and delete endpoints.

An owner's upload endpoint (e.g. `POST /api/v1/orders/{id}/attachments`) checks its own rule,
then: `row = services.attach(user=request.user, owner=order, upload=UploadSerializer(...).validated_data["file"])`
and answers `AttachmentSerializer(row, context={"request": request}).data` (201)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.attachments import selectors, services
from jiesu.attachments.models import Attachment
from jiesu.attachments.owners import is_staff
from jiesu.common.api import ERROR_RESPONSES
from jiesu.common.errors import NotFound


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG、PNG、WebP 图片或 PDF；类型按内容识别")


class DeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="删除原因（保留删除记录）")


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    uploaded_by = serializers.SerializerMethodField()
    deleted = serializers.BooleanField(source="is_deleted")
    url = serializers.SerializerMethodField(help_text="员工得到原件，其他人得到去除EXIF个人信息的公开件；已删除为空")
    thumbnail_url = serializers.SerializerMethodField()
    gps = serializers.SerializerMethodField(help_text="照片EXIF中的拍摄位置 [纬度, 经度]，仅员工可见")

    class Meta:
        model = Attachment
        fields = [
            "id",
            "name",
            "kind",
            "content_type",
            "size",
            "width",
            "height",
            "pages",
            "purpose",
            "uploaded_at",
            "uploaded_by",
            "deleted",
            "deleted_at",
            "delete_reason",
            "url",
            "thumbnail_url",
            "gps",
        ]

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def _url(self, obj: Attachment, variant: str) -> str | None:
        if obj.is_deleted:
            return None
        path = reverse("attachments:file", kwargs={"pk": obj.pk, "variant": variant})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_uploaded_by(self, obj: Attachment) -> str:
        user = obj.uploaded_by
        if user is None:
            return ""
        return str(user) if is_staff(self._user()) else (obj.uploaded_unit.name if obj.uploaded_unit_id else "")

    def get_url(self, obj: Attachment) -> str | None:
        return self._url(obj, "original" if is_staff(self._user()) else "public")

    def get_thumbnail_url(self, obj: Attachment) -> str | None:
        return self._url(obj, "thumbnail")

    def get_gps(self, obj: Attachment) -> list[float] | None:
        if obj.gps_lat is None or not is_staff(self._user()):
            return None
        return [obj.gps_lat, obj.gps_lng]


class AttachmentDetailView(APIView):
    @extend_schema(summary="附件信息", responses={200: AttachmentSerializer, **ERROR_RESPONSES})
    def get(self, request, pk: int):
        row = Attachment.objects.select_related("owner_type", "uploaded_by", "uploaded_unit").filter(pk=pk).first()
        if row is None or not selectors.can_view(user=request.user, attachment=row):
            raise NotFound("附件不存在或无权查看", code="attachment_not_found")
        return Response(AttachmentSerializer(row, context={"request": request}).data)


class AttachmentDeleteView(APIView):
    @extend_schema(
        summary="删除附件（保留删除记录，文件移除）",
        request=DeleteSerializer,
        responses={200: AttachmentSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, pk: int):
        row = Attachment.objects.select_related("owner_type").filter(pk=pk).first()
        if row is None or not selectors.can_view(user=request.user, attachment=row):
            raise NotFound("附件不存在或无权查看", code="attachment_not_found")
        data = DeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.delete_attachment(user=request.user, attachment_id=pk, reason=data.validated_data["reason"])
        return Response(AttachmentSerializer(row, context={"request": request}).data)
