"""REST: `GET /api/v1/hazards` (filters: state, street, level, overdue)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from jiesu.common.api import ERROR_RESPONSES, bool_param
from jiesu.common.errors import InvalidInput
from jiesu.hazards import selectors
from jiesu.hazards.models import Hazard, HazardLevel, HazardState


class HazardSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.name")
    credit_code = serializers.CharField(source="enterprise.credit_code")
    industry = serializers.CharField(source="enterprise.industry")
    street = serializers.CharField(source="enterprise.street.code")
    street_name = serializers.CharField(source="enterprise.street.name")
    grid = serializers.CharField(source="enterprise.grid.code", default=None)
    level_label = serializers.CharField(source="get_level_display")
    state_label = serializers.CharField(source="get_state_display")
    overdue = serializers.SerializerMethodField()
    demo = serializers.BooleanField(source="enterprise.is_demo", help_text="演示数据")

    class Meta:
        model = Hazard
        fields = ["id", "enterprise", "credit_code", "industry", "street", "street_name", "grid", "description",
                  "level", "level_label", "state", "state_label", "found_at", "due_at", "rectified_at", "closed_at",
                  "escalation_level", "overdue", "demo"]  # fmt: skip

    def get_overdue(self, obj) -> bool:
        from django.utils import timezone

        return obj.state != HazardState.CLOSED and obj.due_at < timezone.now()


class HazardListView(generics.ListAPIView):
    serializer_class = HazardSerializer

    @extend_schema(
        summary="安全隐患列表（企安安）",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=HazardState.values),
            OpenApiParameter("street", OpenApiTypes.STR, description="街镇编码"),
            OpenApiParameter("level", OpenApiTypes.STR, enum=HazardLevel.values),
            OpenApiParameter("overdue", OpenApiTypes.BOOL),
        ],
        responses={200: HazardSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        state, level = p.get("state") or None, p.get("level") or None
        if state and state not in HazardState.values:
            raise InvalidInput(f"未知状态：{state}", code="invalid_parameter")
        if level and level not in HazardLevel.values:
            raise InvalidInput(f"未知级别：{level}", code="invalid_parameter")
        return selectors.hazards(
            state=state,
            street=p.get("street") or None,
            level=level,
            overdue=bool_param(p.get("overdue"), name="overdue"),
        )
