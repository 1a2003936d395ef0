"""API: indicator values for systems that push them (POST, all or nothing) and for readers (GET,
every signed-in user: the review's figures are published inside the government), and the catalogue
in force. Validation is the app's own (jiesu.indicators.validation), the same as for files."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.common.api import ERROR_RESPONSES
from jiesu.common.errors import DomainError, InvalidInput
from jiesu.common.months import parse_month
from jiesu.indicators import selectors, services


@extend_schema_field({"type": "number", "example": 96.5, "description": "数值（数字，百分比不带%）"})
class NumberField(serializers.JSONField):
    """Any JSON here: the indicator's own rules say what is a valid number (with a Chinese reason)."""


class ValueSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="指标编码")
    indicator_name = serializers.CharField(help_text="指标名称（该月适用的指标体系）")
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    value = serializers.FloatField(allow_null=True, help_text="数值；平台计算样本不足时为空")
    participants = serializers.IntegerField(allow_null=True, help_text="市级排名的参评区数")
    origin = serializers.CharField(help_text="platform 平台计算 / import 文件导入 / api 接口推送 / demo 演示数据")
    source = serializers.CharField(help_text="来源说明")
    updated_at = serializers.DateTimeField()


class PushItemSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="指标编码或名称，如 demolition_writeoff / 拆违腾地销账率")
    unit = serializers.CharField(help_text="单位编码、全称或简称，如 110106003 / 西罗园街道")
    month = serializers.CharField(help_text="YYYY-MM，不能在未来")
    value = NumberField()
    source = serializers.CharField(required=False, allow_blank=True, help_text="本条来源（缺省用请求的 source）")
    participants = serializers.IntegerField(required=False, allow_null=True, help_text="市级排名的参评区数")


class PushSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="数据来源，如“区城管委拆违系统”")
    replace = serializers.BooleanField(default=False, help_text="true：允许更正已有的不同数值（原值留存）")
    values = PushItemSerializer(many=True)


class PushResultSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    replaced = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="已有相同数值，未重复写入")


class IndicatorSpecSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    owner = serializers.CharField(help_text="责任部门")
    unit = serializers.CharField(help_text="计量单位")
    direction = serializers.CharField(help_text="higher 越高越好 / lower 越低越好")
    kinds = serializers.ListField(child=serializers.CharField(), help_text="street / department / district")
    area = serializers.CharField(help_text="所属方面")
    source = serializers.CharField(help_text="platform 平台计算 / import 导入")
    provider = serializers.CharField()
    importable = serializers.BooleanField(help_text="当前是否接受导入/推送")
    period = serializers.CharField()
    judge = serializers.CharField()
    target = serializers.FloatField(allow_null=True)
    minimum = serializers.FloatField(allow_null=True)
    maximum = serializers.FloatField(allow_null=True)
    participants = serializers.IntegerField(allow_null=True)


class CatalogueSerializer(serializers.Serializer):
    version = serializers.CharField()
    name = serializers.CharField()
    effective_from = serializers.CharField(help_text="YYYY-MM")
    indicators = IndicatorSpecSerializer(many=True)


class IndicatorValuesView(generics.GenericAPIView):
    serializer_class = ValueSerializer

    @extend_schema(
        summary="月度点评指标数值",
        parameters=[
            OpenApiParameter("indicator", OpenApiTypes.STR, description="指标编码"),
            OpenApiParameter("unit", OpenApiTypes.STR, description="单位编码、全称或简称"),
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
            OpenApiParameter("from", OpenApiTypes.STR, description="起始月份 YYYY-MM"),
            OpenApiParameter("to", OpenApiTypes.STR, description="结束月份 YYYY-MM"),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: ValueSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        q = request.query_params
        month = parse_month(q["month"]) if q.get("month") else None
        start = parse_month(q["from"]) if q.get("from") else None
        end = parse_month(q["to"]) if q.get("to") else None
        if start and end and end < start:
            raise InvalidInput("结束月份早于起始月份", code="invalid_parameter")
        rows = selectors.value_rows(
            indicator=q.get("indicator") or None, unit=q.get("unit") or None, month=month, start=start, end=end
        )
        page = self.paginate_queryset(rows)
        names: dict = {}

        def name(code, when):
            if (code, when) not in names:
                try:
                    spec = selectors.catalogue_for(when).get(code)
                except DomainError:  # no catalogue for that month: show the code
                    spec = None
                names[(code, when)] = spec.name if spec else code
            return names[(code, when)]

        data = [
            {
                "indicator": v.indicator,
                "indicator_name": name(v.indicator, v.month),
                "unit_code": v.unit.code,
                "unit_name": v.unit.name,
                "month": f"{v.month:%Y-%m}",
                "value": v.value,
                "participants": v.participants,
                "origin": v.origin,
                "source": v.source,
                "updated_at": v.updated_at,
            }
            for v in page
        ]
        return self.get_paginated_response(ValueSerializer(data, many=True).data)

    @extend_schema(
        summary="推送月度点评指标数值（全部写入或全部不写入）",
        request=PushSerializer,
        responses={201: PushResultSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        body = PushSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = services.push_values(
            items=[dict(item) for item in body.validated_data["values"]],
            user=request.user,
            source=body.validated_data["source"],
            replace=body.validated_data["replace"],
        )
        result = {
            "batch_id": batch.pk,
            "total": batch.total_rows,
            "created": batch.created,
            "replaced": batch.replaced,
            "unchanged": batch.unchanged,
        }
        return Response(PushResultSerializer(result).data, status=status.HTTP_201_CREATED)


class CatalogueView(APIView):
    @extend_schema(
        summary="月度点评指标体系（某月适用的版本）",
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM；缺省为本月")],
        responses={200: CatalogueSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        from django.utils import timezone

        month = parse_month(request.query_params.get("month") or timezone.localdate())
        catalogue = selectors.catalogue_for(month)
        body = {
            "version": catalogue.version,
            "name": catalogue.name,
            "effective_from": f"{catalogue.effective_from:%Y-%m}",
            "indicators": [
                {**spec.__dict__, "kinds": list(spec.kinds), "importable": not selectors.has_provider(spec)}
                for spec in catalogue.indicators
            ],
        }
        return Response(CatalogueSerializer(body).data)
