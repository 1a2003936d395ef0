"""REST: grid layers and grids (`GET/POST /api/v1/grids`), point → grid, assignment."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.common import geo
from jiesu.common.api import ERROR_RESPONSES, StrictInputSerializer, bool_param
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.grids import lookup, selectors, services, shapes
from jiesu.org.models import Grid, Role, User
from jiesu.workorders import selectors as order_selectors
from jiesu.workorders import services as order_services
from jiesu.workorders.verification import RESULTS


class GridSerializer(serializers.ModelSerializer):
    layer = serializers.CharField(source="layer.code", default=None)
    layer_name = serializers.CharField(source="layer.name", default=None)
    layer_kind = serializers.CharField(source="layer.kind", default=None)
    street = serializers.CharField(source="street.code", default=None)
    street_name = serializers.CharField(source="street.name", default=None)
    worker = serializers.SerializerMethodField(help_text="当前网格员")
    boundary = serializers.SerializerMethodField(help_text="WGS-84 GeoJSON；带 geometry=true 时返回")

    class Meta:
        model = Grid
        fields = [
            "id",
            "code",
            "name",
            "layer",
            "layer_name",
            "layer_kind",
            "street",
            "street_name",
            "is_derived",
            "worker",
            "boundary",
        ]

    def get_worker(self, obj) -> str | None:
        current = self.context.get("assignments", {}).get(obj.pk)
        return str(current.worker) if current and current.worker_id else None

    def get_boundary(self, obj) -> dict | None:
        return obj.boundary if self.context.get("geometry") else None


class GridCreateSerializer(serializers.Serializer):
    layer = serializers.CharField(help_text="图层编码")
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=64)
    boundary = serializers.JSONField(help_text="GeoJSON Polygon/MultiPolygon（首尾坐标须相同）")
    crs = serializers.ChoiceField(choices=list(geo.CRS_CHOICES), default=geo.WGS84)
    street = serializers.CharField(required=False, allow_blank=True, help_text="街镇编码（部门图层可选）")


class AssignSerializer(serializers.Serializer):
    worker = serializers.CharField(allow_blank=True, help_text="网格员用户名；留空表示暂无网格员")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


def _assignments(grids) -> dict:
    from jiesu.grids.models import GridAssignment

    rows = GridAssignment.objects.filter(grid__in=grids, ended_at__isnull=True).select_related("worker")
    return {a.grid_id: a for a in rows}


def _float(value: str, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"参数 {name} 须为数字", code="invalid_parameter") from None


class GridListCreateView(APIView):
    @extend_schema(
        summary="网格列表（可按图层筛选，或按坐标查所在网格）",
        parameters=[
            OpenApiParameter("layer", OpenApiTypes.STR, description="图层编码"),
            OpenApiParameter("lat", OpenApiTypes.NUMBER),
            OpenApiParameter("lng", OpenApiTypes.NUMBER),
            OpenApiParameter("crs", OpenApiTypes.STR, enum=list(geo.CRS_CHOICES), description="坐标系，默认同工单坐标"),
            OpenApiParameter("geometry", OpenApiTypes.BOOL, description="返回边界"),
        ],
        responses={200: GridSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        params = request.query_params
        grids = selectors.grids(layer=params.get("layer") or None)
        if params.get("lat") or params.get("lng"):
            crs = params.get("crs") or getattr(settings, "JIESU_ORDER_COORDINATES", geo.GCJ02)
            if crs not in geo.CRS_CHOICES:
                raise InvalidInput(f"未知坐标系：{crs}", code="invalid_parameter")
            lat, lng = geo.to_wgs84(_float(params.get("lat"), "lat"), _float(params.get("lng"), "lng"), crs=crs)
            shapes.require_in_beijing(lat=lat, lng=lng, what="坐标")
            grids = grids.filter(pk__in=[h.grid_id for h in lookup.grids_at(lat=lat, lng=lng)])
        rows = list(grids[:2000])
        context = {"assignments": _assignments(rows), "geometry": bool_param(params.get("geometry"), name="geometry")}
        return Response(GridSerializer(rows, many=True, context=context).data)

    @extend_schema(
        summary="新增网格（管理员、派单员）",
        request=GridCreateSerializer,
        responses={201: GridSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = GridCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        grid = services.create_grid(
            user=request.user,
            layer=v["layer"],
            code=v["code"],
            name=v["name"],
            boundary=v["boundary"],
            crs=v["crs"],
            street=v.get("street") or None,
        )
        grid = selectors.grids().get(pk=grid.pk)
        return Response(GridSerializer(grid, context={"geometry": True}).data, status=status.HTTP_201_CREATED)


class GridAssignView(APIView):
    @extend_schema(
        summary="指定网格员（结束当前分配，保留历史）",
        request=AssignSerializer,
        responses={200: GridSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, grid_id: int):
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        worker = None
        if data.validated_data["worker"]:
            worker = User.objects.filter(username=data.validated_data["worker"], role=Role.GRID_WORKER).first()
            if worker is None:
                raise InvalidInput("该用户不存在或不是网格员", code="invalid_worker")
        if not Grid.objects.filter(pk=grid_id).exists():
            raise NotFound("网格不存在", code="grid_not_found")
        services.assign(user=request.user, grid=grid_id, worker=worker, note=data.validated_data.get("note", ""))
        grid = selectors.grids().get(pk=grid_id)
        return Response(GridSerializer(grid, context={"assignments": _assignments([grid])}).data)


class VerifyInputSerializer(StrictInputSerializer):
    """The grid worker's answer to 先行核实 (also the input of the order action `verify`)."""

    result = serializers.ChoiceField(choices=list(RESULTS.items()), help_text="核实结果")
    note = serializers.CharField(max_length=500, help_text="核实情况（必填）")


class VerificationView(APIView):
    @extend_schema(
        summary="派网格员先行核实（同 actions/request_verification；时限见 data/grids/verification.yaml）",
        request=None,
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def post(self, request, order_id: int):
        order_selectors.get_order(user=request.user, order_id=order_id)
        StrictInputSerializer(data=request.data).is_valid(raise_exception=True)
        order = order_services.request_verification(user=request.user, order_id=order_id)
        return Response({"order": order.number, "pending_verification": order.pending_verification})


class VerificationAnswerView(APIView):
    @extend_schema(
        summary="网格员反馈先行核实结果（同 actions/verify）",
        request=VerifyInputSerializer,
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def post(self, request, order_id: int):
        data = VerifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_services.verify(user=request.user, order_id=order_id, **data.validated_data)
        event = order_selectors.events_of(order=order).filter(action="verify").last()
        return Response({"order": order.number, "verification": event.payload if event else None})
