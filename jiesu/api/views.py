"""REST API v1: thin views over workorders services and selectors."""

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.api import idempotency
from jiesu.api import selectors as api_selectors
from jiesu.api import serializers as s
from jiesu.attachments import selectors as attachment_selectors
from jiesu.attachments.api import AttachmentSerializer
from jiesu.common.api import ERROR_RESPONSES, bool_param, date_param
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.dispatch.services import recommend_on_create
from jiesu.org.models import Unit
from jiesu.workorders import files, selectors, services
from jiesu.workorders.models import State, WorkOrder


class OrderPagination(PageNumberPagination):
    """PageNumberPagination (the same body) that can be told the total instead of counting it."""

    known_count: int | None = None

    def django_paginator_class(self, object_list, per_page):  # DRF calls it as the paginator's class
        paginator = Paginator(object_list, per_page)
        if self.known_count is not None:
            paginator.count = self.known_count  # a cached_property: set, it is never computed
        return paginator


class OrderListCreateView(generics.GenericAPIView):
    serializer_class = s.OrderListSerializer
    pagination_class = OrderPagination

    @extend_schema(
        summary="工单列表",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=State.values),
            OpenApiParameter("unit", OpenApiTypes.STR, description="主办单位编码"),
            OpenApiParameter("category", OpenApiTypes.STR, description="类别编码（含下级）"),
            OpenApiParameter("overdue", OpenApiTypes.BOOL),
            OpenApiParameter("received_from", OpenApiTypes.DATE),
            OpenApiParameter("received_to", OpenApiTypes.DATE),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: s.OrderListSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        params = request.query_params
        state = params.get("state") or None
        if state and state not in State.values:
            raise InvalidInput(f"未知状态：{state}", code="invalid_parameter")
        unit_id = None
        if params.get("unit"):
            unit = Unit.objects.filter(code=params["unit"]).first()
            if unit is None:
                raise InvalidInput(f"单位编码 {params['unit']} 不存在", code="invalid_parameter")
            unit_id = unit.pk
        filters = {
            "state": state,
            "unit_id": unit_id,
            "category_code": params.get("category") or None,
            "overdue": bool_param(params.get("overdue"), name="overdue"),
            "received_from": date_param(params.get("received_from"), name="received_from"),
            "received_to": date_param(params.get("received_to"), name="received_to"),
        }
        orders = selectors.filter_orders(selectors.visible_orders(user=request.user), **filters)
        if not request.user.is_unit_scoped and all(value is None for value in filters.values()):
            # Every order: the triggers' sum instead of COUNT(*) over the whole table (docs/performance.md).
            self.paginator.known_count = api_selectors.order_total()
        page = self.paginate_queryset(orders.values(*s.LIST_VALUES))
        return self.get_paginated_response(s.order_list_rows(page))

    @extend_schema(
        summary="受理新工单（client_ref 幂等）",
        request=s.OrderCreateSerializer,
        responses={201: s.OrderDetailSerializer, 200: s.OrderDetailSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = s.OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order, created = services.create_order(user=request.user, **data.validated_data)
        recommendation = None
        if created:  # the dispatch proposal (and auto-dispatch when allowed) comes with the new order
            recommendation = recommend_on_create(user=request.user, order_id=order.pk)
            order.refresh_from_db()
        body = s.order_detail_body(order, request=request)
        body["recommendation"] = recommendation
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderDetailView(APIView):
    @extend_schema(summary="工单详情（含期限与事件）", responses={200: s.OrderDetailSerializer, **ERROR_RESPONSES})
    def get(self, request, order_id: int):
        order = selectors.get_order(user=request.user, order_id=order_id)
        return Response(s.order_detail_body(order, request=request))


def _resolve_master(user, value: str) -> int:
    orders = selectors.visible_orders(user=user)
    found = orders.filter(number=value).values_list("pk", flat=True).first()
    if found is None and value.isdigit():
        found = orders.filter(pk=int(value)).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(f"主工单 {value} 不存在", code="master_not_found")
    return found


class OrderActionView(APIView):
    @extend_schema(
        summary="对工单执行闭环操作",
        description="action 取值及请求体字段（*为必填）："
        + "；".join(f"{name}（{s.input_fields(name) or '无'}）" for name in s.ACTION_INPUTS)
        + "。状态不允许返回409，角色不允许返回403。可带 Idempotency-Key 请求头：同一键的重试只执行一次，"
        "键已用于不同的请求返回409。",
        parameters=[
            OpenApiParameter("action", OpenApiTypes.STR, location=OpenApiParameter.PATH, enum=list(s.ACTION_INPUTS)),
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False),
        ],
        request=OpenApiTypes.OBJECT,
        responses={200: s.OrderDetailSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, order_id: int, action: str):
        if action not in services.ACTIONS:
            raise NotFound(f"未知操作：{action}", code="unknown_action")
        # Visibility first: another unit's order is "not found", not a hint that it exists.
        selectors.get_order(user=request.user, order_id=order_id)
        data = s.ACTION_INPUTS[action](data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = dict(data.validated_data)
        if action == "merge":
            kwargs["master_id"] = _resolve_master(request.user, kwargs.pop("master"))
        key = idempotency.header_key(request)
        if key is None:
            services.ACTIONS[action](user=request.user, order_id=order_id, **kwargs)
        else:
            # The key is stored in the action's transaction: a failed action leaves no key, and a
            # retry (or a concurrent duplicate) with the same key is answered without acting again.
            idempotency.run_once(
                user=request.user,
                key=key,
                order_id=order_id,
                action=action,
                body=request.data,
                run=lambda: services.ACTIONS[action](user=request.user, order_id=order_id, **kwargs),
            )
        order = WorkOrder.objects.select_related("lead_unit", "category", "street", "property_project__company").get(
            pk=order_id
        )
        return Response(s.order_detail_body(order, request=request))


class OrderUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG、PNG、WebP 图片或 PDF；类型按内容识别；可重复")
    purpose = serializers.ChoiceField(choices=list(files.PURPOSES), default="photo")


class OrderAttachmentsView(APIView):
    """`POST /api/v1/orders/{id}/attachments` (multipart `file`, repeatable; `purpose` photo|reply)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="工单附件列表", responses={200: AttachmentSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, order_id: int):
        order = selectors.get_order(user=request.user, order_id=order_id)
        rows = attachment_selectors.for_owner(order)
        return Response(AttachmentSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        summary="上传工单附件（照片、PDF；返回缩略图地址）",
        request={"multipart/form-data": OrderUploadSerializer},
        responses={201: AttachmentSerializer(many=True), **ERROR_RESPONSES},
    )
    def post(self, request, order_id: int):
        data = OrderUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = files.add_attachments(
            user=request.user,
            order_id=order_id,
            uploads=request.FILES.getlist("file"),
            purpose=data.validated_data["purpose"],
        )
        body = AttachmentSerializer(rows, many=True, context={"request": request}).data
        return Response(body[0] if len(body) == 1 else body, status=status.HTTP_201_CREATED)
