"""API: the monthly ranking. Every signed-in user may read it — the ranking is published inside the
government (月度点评会), so a street's handler sees the other streets too; see docs/assessment.md."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.assessment import selectors
from jiesu.assessment.rules import parse_month
from jiesu.common.api import ErrorSerializer


class UnitResultSerializer(serializers.Serializer):
    rank = serializers.IntegerField(
        allow_null=True,
        help_text="竞赛排名：同分同名次，下一名次顺延（1,1,3）；有效回访少于规则最小样本量（样本不足）或无有效回访时为 null，不参与排名",
    )
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    unit_kind = serializers.CharField()
    received = serializers.IntegerField(help_text="受理量")
    callbacks = serializers.IntegerField(help_text="有效回访数（三率分母）")
    response_rate = serializers.FloatField(allow_null=True, help_text="响应率 %")
    resolution_rate = serializers.FloatField(allow_null=True, help_text="解决率 %")
    satisfaction_rate = serializers.FloatField(allow_null=True, help_text="满意率 %")
    composite = serializers.FloatField(allow_null=True, help_text="综合得分（百分制）")
    overdue = serializers.IntegerField(help_text="超期件数")
    supervised = serializers.IntegerField(help_text="督办次数")
    returns = serializers.IntegerField(help_text="退单次数")
    reopens = serializers.IntegerField(help_text="重办次数")
    composite_change = serializers.FloatField(allow_null=True, help_text="综合得分环比变化")
    rank_change = serializers.IntegerField(allow_null=True, help_text="名次环比变化，正数为上升")
    ytd_composite = serializers.FloatField(allow_null=True, help_text="年度累计综合得分")
    ytd_response_rate = serializers.FloatField(allow_null=True)
    ytd_resolution_rate = serializers.FloatField(allow_null=True)
    ytd_satisfaction_rate = serializers.FloatField(allow_null=True)


class RuleSerializer(serializers.Serializer):
    version = serializers.CharField()
    name = serializers.CharField()
    effective_from = serializers.DateField(format="%Y-%m")


class RankingSerializer(serializers.Serializer):
    month = serializers.CharField()
    kind = serializers.CharField()
    rule = RuleSerializer()
    published = serializers.BooleanField(help_text="true：已发布快照；false：按事件日志实时计算")
    results = UnitResultSerializer(many=True)


class AssessmentMonthView(APIView):
    @extend_schema(
        summary="月度考评排名",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["street", "department"], description="街镇或区直部门"),
            OpenApiParameter("rule", OpenApiTypes.STR, description="规则版本；缺省为该月生效的版本"),
        ],
        responses={200: RankingSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, month: str):
        month_date = parse_month(month)
        kind = selectors.parse_kind(request.query_params.get("kind"))
        rule = selectors.resolve_rule(month=month_date, rule_version=request.query_params.get("rule") or None)
        rows = selectors.monthly_results(month=month_date, kind=kind, rule_version=rule.version)
        body = {
            "month": f"{month_date:%Y-%m}",
            "kind": kind,
            "rule": rule,
            "published": bool(rows) and rows[0].source == "snapshot",
            "results": [r.as_dict() for r in rows],
        }
        return Response(RankingSerializer(body).data)
