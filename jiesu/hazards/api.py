"""REST of 企安安: `GET /api/v1/hazards` (filters: state, street, level, overdue), one hazard and its
actions, the enterprise register, the checklists in force, inspections (docs/hazards.md)."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.fields import empty
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import APIView

from jiesu.common import validation
from jiesu.common.api import ERROR_RESPONSES, StrictInputSerializer, bool_param
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.hazards import selectors, services
from jiesu.hazards.lifecycle import TABLE
from jiesu.hazards.models import Checklist, Enterprise, Hazard, HazardEvent, HazardLevel, HazardState, Inspection


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
        selectors.require_viewer(user=self.request.user)
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


# ---------------------------------------------------------------- the workflow (issue 17)
# Register an enterprise, find the checklists in force for it, post an inspection (findings →
# hazards, photos), then 报告整改完成 / 复查通过销号 / 复查未通过 on a hazard. Every input passes the
# one validation layer (StrictInputSerializer); the services check roles, scope and state, and
# write all or nothing; refusals are `{code, message}`.

ACTIONS = ("rectified", "reinspect_pass", "reinspect_fail")
_PHOTOS_HELP = "现场照片（multipart，可重复；JPEG、PNG、WebP，类型按内容识别）"


class EnterpriseSerializer(serializers.ModelSerializer):
    street = serializers.CharField(source="street.code")
    street_name = serializers.CharField(source="street.name")
    grid = serializers.CharField(source="grid.code", default=None, allow_null=True)
    grid_name = serializers.CharField(source="grid.name", default=None, allow_null=True)
    demo = serializers.BooleanField(source="is_demo", help_text="演示数据")

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "industry", "address", "street", "street_name", "grid", "grid_name",
                  "lat", "lng", "demo"]  # fmt: skip


class EnterpriseInputSerializer(StrictInputSerializer):
    text_kinds = {"name": "title", "credit_code": "code", "industry": "code", "street": "code"}

    name = serializers.CharField(max_length=128, help_text="企业名称")
    credit_code = serializers.CharField(max_length=18, help_text="统一社会信用代码（18位）")
    industry = serializers.CharField(max_length=32, help_text="行业（决定适用的检查表）")
    street = serializers.CharField(max_length=16, help_text="所属街镇编码")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, default=None, help_text="WGS-84 纬度")
    lng = serializers.FloatField(required=False, allow_null=True, default=None, help_text="WGS-84 经度")


class ChecklistSerializer(serializers.ModelSerializer):
    class Meta:
        model = Checklist
        fields = ["code", "version", "title", "effective_from", "industries", "items"]


class ItemResultInputSerializer(StrictInputSerializer):
    text_kinds = {"item": "code"}

    item = serializers.CharField(max_length=16, help_text="检查项编码")
    passed = serializers.BooleanField(help_text="符合")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                 help_text="隐患情况（不符合时必填）")  # fmt: skip
    level = serializers.ChoiceField(choices=HazardLevel.choices, required=False, allow_null=True, default=None,
                                    help_text="提高隐患级别（默认按检查表）")  # fmt: skip


class ResultsField(serializers.ListField):
    """A JSON array of item results: as such in a JSON body, as a JSON string in a multipart form."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            return dictionary.get(self.field_name, empty)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("results 须为 JSON 数组") from None
        return super().to_internal_value(data)


class InspectionInputSerializer(StrictInputSerializer):
    text_kinds = {"checklist": "code"}

    enterprise = serializers.IntegerField(help_text="企业ID")
    checklist = serializers.CharField(max_length=32, help_text="检查表编码（使用当天生效的版本）")
    results = ResultsField(child=ItemResultInputSerializer(), allow_empty=False, max_length=200,
                           help_text="每个检查项的结果（multipart 时为 JSON 字符串）")  # fmt: skip
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, help_text=_PHOTOS_HELP)


class HazardActionInputSerializer(StrictInputSerializer):
    note = serializers.CharField(max_length=500, help_text="整改情况或复查意见（必填）")
    photos = serializers.ListField(child=serializers.FileField(), required=False,
                                   help_text=_PHOTOS_HELP + "；复查时保存")  # fmt: skip


class HazardEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.__str__", default=None, allow_null=True)

    class Meta:
        model = HazardEvent
        fields = ["seq", "action", "from_state", "to_state", "actor", "at", "reason", "payload"]


class HazardDetailSerializer(HazardSerializer):
    item = serializers.CharField(source="finding.item_code")
    inspection = serializers.IntegerField(source="finding.inspection_id")
    events = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(HazardSerializer.Meta):
        fields = [*HazardSerializer.Meta.fields, "item", "inspection", "events", "allowed_actions"]

    def get_events(self, obj) -> list[dict]:
        rows = obj.events.select_related("actor").order_by("seq")
        return HazardEventSerializer(rows, many=True).data

    def get_allowed_actions(self, obj) -> list[str]:
        user = self.context["request"].user
        return [t.action for t in TABLE.allowed(user=user, record=obj) if t.roles]


class InspectionResultSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.name")
    checklist = serializers.CharField(source="checklist.code")
    checklist_version = serializers.CharField(source="checklist.version")
    findings = serializers.SerializerMethodField()
    hazards = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "enterprise", "checklist", "checklist_version", "inspected_at", "note", "findings", "hazards",
                  "photos"]  # fmt: skip

    def get_findings(self, obj) -> list[dict]:
        return list(obj.findings.order_by("pk").values("item_code", "item_text", "passed", "note"))

    def get_hazards(self, obj) -> list[dict]:
        rows = Hazard.objects.filter(finding__inspection=obj).select_related("enterprise__street", "enterprise__grid")
        return HazardSerializer(rows.order_by("pk"), many=True).data

    def get_photos(self, obj) -> list[int]:
        from jiesu.attachments.selectors import for_owner

        return [a.pk for a in for_owner(obj)]


class EnterpriseListCreateView(generics.GenericAPIView):
    serializer_class = EnterpriseSerializer

    @extend_schema(
        summary="企业名录（企安安）",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="名称或统一社会信用代码"),
            OpenApiParameter("street", OpenApiTypes.STR, description="街镇编码"),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: EnterpriseSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        selectors.require_viewer(user=request.user)
        q = validation.clean_text(request.query_params.get("q", ""), kind="query", field="q", label="查询")
        rows = selectors.enterprises(q=q, street=request.query_params.get("street") or None, user=request.user)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EnterpriseSerializer(page, many=True).data)

    @extend_schema(
        summary="登记企业（按统一社会信用代码新建或更新）",
        request=EnterpriseInputSerializer,
        responses={201: EnterpriseSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = EnterpriseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.register_enterprise(user=request.user, **data.validated_data)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)


class ChecklistsView(APIView):
    @extend_schema(
        summary="企业适用的检查表（当天生效的版本，含检查项）",
        parameters=[OpenApiParameter("enterprise", OpenApiTypes.INT, required=True, description="企业ID")],
        responses={200: ChecklistSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        selectors.require_viewer(user=request.user)
        raw = request.query_params.get("enterprise", "")
        if not raw.isdigit():
            raise InvalidInput("请用 enterprise 参数给出企业ID", code="invalid_parameter")
        enterprise = Enterprise.objects.filter(pk=int(raw)).first()
        if enterprise is None:
            raise NotFound("企业不存在", code="enterprise_not_found")
        rows = selectors.applicable_checklists(enterprise=enterprise)
        return Response(ChecklistSerializer(rows, many=True).data)


class InspectionCreateView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="登记排查：每个检查项的结果，不符合项生成隐患（整改期限按工作日）；照片与记录同时写入或都不写入",
        request={"application/json": InspectionInputSerializer, "multipart/form-data": InspectionInputSerializer},
        responses={201: InspectionResultSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = InspectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        inspection = services.inspect(
            user=request.user,
            enterprise_id=values["enterprise"],
            checklist=values["checklist"],
            results=[services.ItemResult(**r) for r in values["results"]],
            files=request.FILES.getlist("photos"),
            note=values["note"],
        )
        return Response(InspectionResultSerializer(inspection).data, status=status.HTTP_201_CREATED)


class HazardDetailView(APIView):
    @extend_schema(
        summary="隐患详情（含处理记录与可执行操作）", responses={200: HazardDetailSerializer, **ERROR_RESPONSES}
    )
    def get(self, request, hazard_id: int):
        selectors.require_viewer(user=request.user)
        hazard = selectors.hazards().filter(pk=hazard_id).first()
        if hazard is None:
            raise NotFound("隐患不存在", code="not_found")
        return Response(HazardDetailSerializer(hazard, context={"request": request}).data)


class HazardActionView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="隐患操作：rectified 报告整改完成、reinspect_pass 复查通过销号、reinspect_fail 复查未通过（重新计算期限）",
        description="状态不允许返回409，角色或街镇不允许返回403。",
        parameters=[OpenApiParameter("action", OpenApiTypes.STR, location=OpenApiParameter.PATH, enum=list(ACTIONS))],
        request={"application/json": HazardActionInputSerializer, "multipart/form-data": HazardActionInputSerializer},
        responses={200: HazardDetailSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, hazard_id: int, action: str):
        if action not in ACTIONS:
            raise NotFound(f"未知操作：{action}", code="unknown_action")
        data = HazardActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = data.validated_data["note"]
        if action == "rectified":
            if request.FILES:
                raise InvalidInput("报告整改完成不带照片；复查时上传现场照片", code="unexpected_file")
            services.report_rectified(user=request.user, hazard_id=hazard_id, note=note)
        else:
            services.reinspect(
                user=request.user,
                hazard_id=hazard_id,
                passed=action == "reinspect_pass",
                note=note,
                files=request.FILES.getlist("photos"),
            )
        hazard = selectors.hazards().get(pk=hazard_id)
        return Response(HazardDetailSerializer(hazard, context={"request": request}).data)
