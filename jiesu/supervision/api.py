"""REST API of the supervision engine: thin views over its services and selectors. Errors are the
platform's `{code, message}` (jiesu.api.errors maps the services' domain errors)."""

import datetime as dt

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.attachments.api import AttachmentSerializer
from jiesu.common.api import ERROR_RESPONSES
from jiesu.common.errors import InvalidInput, NotFound
from jiesu.common.parsers import LimitedJSONParser
from jiesu.org.models import Unit
from jiesu.supervision import access, effect, selectors, services
from jiesu.supervision.models import Area, Source, Status, SupervisionItem
from jiesu.supervision.services import MilestoneSpec

# ---------------------------------------------------------------- representations


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class NextStepSerializer(serializers.Serializer):
    due_date = serializers.DateField(allow_null=True)
    title = serializers.CharField()


def _unit(unit) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit else None


def _today(context) -> dt.date:
    return context.get("today") or selectors.today()


class ItemListSerializer(serializers.ModelSerializer):
    source_label = serializers.CharField(source="get_source_display")
    area = serializers.SerializerMethodField()
    lead_unit = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    next_milestone = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionItem
        fields = [
            "id",
            "number",
            "source",
            "source_label",
            "title",
            "year",
            "area",
            "lead_unit",
            "state",
            "status",
            "status_label",
            "next_milestone",
            "target_value",
            "target_unit",
            "target_text",
            "current_value",
            "start_date",
            "due_date",
            "due_text",
            "milestones_total",
            "milestones_done",
            "is_public",
            "is_demo",
            "url",
        ]

    def get_area(self, obj) -> dict | None:
        return {"code": obj.area.code, "name": obj.area.name} if obj.area_id else None

    def get_lead_unit(self, obj) -> dict | None:
        return _unit(obj.lead_unit)

    def get_status(self, obj) -> str:
        return selectors.status_of(obj, today=_today(self.context))

    def get_status_label(self, obj) -> str:
        return Status(self.get_status(obj)).label

    def get_next_milestone(self, obj) -> dict | None:
        due, title = selectors.next_step(obj)
        return {"due_date": due.isoformat(), "title": title} if due else None

    def get_url(self, obj) -> str:
        return reverse("supervision:item", kwargs={"item_id": obj.pk})


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    title = serializers.CharField()
    due_date = serializers.DateField()
    due_text = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    unit = serializers.CharField()
    reported_by = serializers.CharField(allow_null=True, help_text="报送人；公开接口不返回")
    text = serializers.CharField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    milestone = serializers.IntegerField(allow_null=True)
    completes_milestone = serializers.BooleanField()
    completes_item = serializers.BooleanField()
    evidence = AttachmentSerializer(many=True)


class HistorySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    action = serializers.CharField()
    summary = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    actor_unit = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class EffectSerializer(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField()
    place = serializers.CharField()
    problem = serializers.CharField()
    before = serializers.IntegerField()
    after = serializers.IntegerField()
    before_last_year = serializers.IntegerField()
    after_last_year = serializers.IntegerField()
    change = serializers.FloatField(allow_null=True)
    seasonal_change = serializers.FloatField(allow_null=True)
    beyond_season = serializers.FloatField(allow_null=True)
    enough = serializers.BooleanField()
    summary = serializers.CharField()


class ItemDetailSerializer(ItemListSerializer):
    description = serializers.CharField()
    assisting_units = serializers.SerializerMethodField()
    responsible_leader = serializers.SerializerMethodField()
    milestones = serializers.SerializerMethodField()
    reports = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    origin = serializers.SerializerMethodField()
    effect = serializers.SerializerMethodField()

    class Meta(ItemListSerializer.Meta):
        fields = [
            *ItemListSerializer.Meta.fields,
            "description",
            "assisting_units",
            "responsible_leader",
            "evidence",
            "source_ref",
            "milestones",
            "reports",
            "history",
            "allowed_actions",
            "origin",
            "effect",
        ]

    @property
    def _detail(self) -> selectors.ItemDetail:
        return self.context["detail"]

    @property
    def _public(self) -> bool:
        return not access.is_logged_in(getattr(self.context.get("request"), "user", None))

    def get_assisting_units(self, obj) -> list[dict]:
        return [_unit(u) for u in self._detail.assisting]

    def get_responsible_leader(self, obj) -> str | None:
        return str(obj.responsible_leader) if obj.responsible_leader_id else None

    def get_milestones(self, obj) -> list[dict]:
        late = set(self._detail.overdue_milestones)
        return MilestoneSerializer(
            [
                {
                    "id": m.pk,
                    "seq": m.seq,
                    "title": m.title,
                    "due_date": m.due_date,
                    "due_text": m.due_text,
                    "done_at": m.done_at,
                    "overdue": m.pk in late,
                }
                for m in self._detail.milestones
            ],
            many=True,
        ).data

    def get_reports(self, obj) -> list[dict]:
        rows = []
        for row in self._detail.reports:
            r = row.report
            rows.append(
                {
                    "id": r.pk,
                    "at": r.at,
                    "unit": r.unit.name,
                    "reported_by": None if self._public or r.reported_by_id is None else str(r.reported_by),
                    "text": r.text,
                    "value": r.value,
                    "milestone": r.milestone_id,
                    "completes_milestone": r.completes_milestone,
                    "completes_item": r.completes_item,
                    "evidence": [e.attachment for e in row.evidence],
                }
            )
        return ReportSerializer(rows, many=True, context=self.context).data

    def get_history(self, obj) -> list[dict]:
        rows = [
            {
                "seq": h.event.seq,
                "action": h.event.action,
                "summary": h.summary,
                "at": h.event.at,
                "actor": None if self._public else (str(h.event.actor) if h.event.actor_id else "平台"),
                "actor_unit": h.event.actor_unit.name if h.event.actor_unit_id else None,
                "reason": "" if self._public else h.event.reason,
            }
            for h in self._detail.history
        ]
        return HistorySerializer(rows, many=True).data

    def get_allowed_actions(self, obj) -> list[dict]:
        return [{"action": t.action, "label": t.label} for t in self._detail.allowed]

    def get_origin(self, obj) -> dict | None:
        if not obj.origin_kind:
            return None
        return {"kind": obj.origin_kind, "id": obj.origin_id, "url": obj.origin_url, "snapshot": obj.origin_snapshot}

    def get_effect(self, obj) -> dict | None:
        if obj.source != Source.PROACTIVE:
            return None
        measured = effect.measure(obj, today=_today(self.context))
        if measured is None:
            return None
        return EffectSerializer(
            {
                **measured.__dict__,
                "change": measured.change,
                "seasonal_change": measured.seasonal_change,
                "beyond_season": measured.beyond_season,
                "summary": measured.summary,
            }
        ).data


# ---------------------------------------------------------------- inputs


class MilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    due_date = serializers.DateField()
    due_text = serializers.CharField(max_length=64, required=False, default="")
    target_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class ItemCreateSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=Source.choices)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    area = serializers.CharField(required=False, allow_blank=True, help_text="领域编码")
    lead_unit = serializers.CharField(required=False, allow_blank=True, help_text="牵头单位编码")
    assisting_units = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    target_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    target_unit = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    target_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    start_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    milestones = MilestoneInputSerializer(many=True, required=False, default=list)
    is_public = serializers.BooleanField(required=False, default=False)
    origin = inline_serializer(
        "OriginInput",
        {
            "kind": serializers.CharField(),
            "id": serializers.CharField(required=False, allow_blank=True),
            "url": serializers.CharField(required=False, allow_blank=True),
            "snapshot": serializers.DictField(required=False),
        },
        required=False,
    )


class ProgressInputSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="进展情况")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    milestone = serializers.IntegerField(required=False, allow_null=True, help_text="节点编号")
    completes_milestone = serializers.BooleanField(required=False, default=False)
    completes_item = serializers.BooleanField(required=False, default=False, help_text="报告事项完成")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, help_text="佐证材料")


class RescheduleSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField()


ACTION_INPUTS = {
    "assign": {
        "lead_unit": serializers.CharField(help_text="牵头单位编码"),
        "assisting_units": serializers.ListField(child=serializers.CharField(), required=False, default=list),
        "responsible_leader": serializers.IntegerField(required=False, allow_null=True),
        "reason": serializers.CharField(required=False, allow_blank=True, default=""),
    },
    "supervise": {"reason": serializers.CharField()},
    "close": {"reason": serializers.CharField(required=False, allow_blank=True, default="")},
    "return_completion": {"reason": serializers.CharField()},
    "reopen": {"reason": serializers.CharField()},
    "set_public": {"is_public": serializers.BooleanField()},
    "issue_order": {
        "lead_unit": serializers.CharField(help_text="承办单位编码"),
        "content": serializers.CharField(),
        "title": serializers.CharField(required=False, allow_blank=True, default=""),
        "address": serializers.CharField(required=False, allow_blank=True, default=""),
    },
    "delete_evidence": {"attachment": serializers.IntegerField(), "reason": serializers.CharField()},
}


ACTION_SERIALIZERS = {
    name: type(f"{name.title().replace('_', '')}Input", (serializers.Serializer,), fields)
    for name, fields in ACTION_INPUTS.items()
}


def _unit_by_code(code: str | None, *, field: str) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise InvalidInput(f"单位编码 {code} 不存在", code="invalid_unit", details={"field": field})
    return unit


def _run_action(user, item_id: int, action: str, data: dict):
    if action == "assign":
        return services.assign(
            user=user,
            item_id=item_id,
            lead_unit=_unit_by_code(data["lead_unit"], field="lead_unit"),
            assisting_units=[_unit_by_code(c, field="assisting_units") for c in data["assisting_units"]],
            responsible_leader=data.get("responsible_leader"),
            reason=data["reason"],
        )
    if action == "supervise":
        return services.supervise(user=user, item_id=item_id, reason=data["reason"])
    if action == "close":
        return services.close_item(user=user, item_id=item_id, reason=data["reason"])
    if action == "return_completion":
        return services.return_completion(user=user, item_id=item_id, reason=data["reason"])
    if action == "reopen":
        return services.reopen_item(user=user, item_id=item_id, reason=data["reason"])
    if action == "set_public":
        return services.set_public(user=user, item_id=item_id, is_public=data["is_public"])
    if action == "issue_order":
        item, _order = services.issue_order(
            user=user,
            item_id=item_id,
            lead_unit=_unit_by_code(data["lead_unit"], field="lead_unit"),
            content=data["content"],
            title=data["title"],
            address=data["address"],
        )
        return item
    return services.delete_evidence(user=user, item_id=item_id, attachment_id=data["attachment"], reason=data["reason"])


# ---------------------------------------------------------------- views


def _detail_response(request, item_id: int, *, code=status.HTTP_200_OK) -> Response:
    detail = selectors.item_detail(user=request.user, item_id=item_id)
    context = {"request": request, "detail": detail}
    return Response(ItemDetailSerializer(detail.item, context=context).data, status=code)


LIST_PARAMETERS = [
    OpenApiParameter("source", OpenApiTypes.STR, enum=Source.values, description="target_responsibility = 目标责任书"),
    OpenApiParameter("area", OpenApiTypes.STR, description="领域编码"),
    OpenApiParameter("unit", OpenApiTypes.STR, description="单位编码（牵头或配合）"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Status.values),
    OpenApiParameter("leader", OpenApiTypes.INT, description="责任区领导用户编号"),
    OpenApiParameter("q", OpenApiTypes.STR, description="名称或编号包含"),
    OpenApiParameter("page", OpenApiTypes.INT),
]


def _filters(params) -> dict:
    leader = params.get("leader") or None
    if leader is not None and not leader.isdigit():
        raise InvalidInput("参数 leader 须为用户编号", code="invalid_parameter")
    return {
        "source": params.get("source") or None,
        "area": params.get("area") or None,
        "unit": params.get("unit") or None,
        "status": params.get("status") or None,
        "leader": int(leader) if leader else None,
        "q": (params.get("q") or "").strip() or None,
    }


class ItemListCreateView(generics.GenericAPIView):
    serializer_class = ItemListSerializer

    @extend_schema(
        summary="督办事项列表",
        parameters=LIST_PARAMETERS,
        responses={200: ItemListSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        items = selectors.list_items(user=request.user, **_filters(request.query_params))
        page = self.paginate_queryset(items)
        context = {"request": request, "today": selectors.today()}
        return self.get_paginated_response(ItemListSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="立项（指挥部、区领导、管理员）",
        request=ItemCreateSerializer,
        responses={201: ItemDetailSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = ItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        area = None
        if v.get("area"):
            area = Area.objects.filter(code=v["area"]).first()
            if area is None:
                raise InvalidInput(f"领域编码 {v['area']} 不存在", code="invalid_parameter", details={"field": "area"})
        origin = v.get("origin")
        item = services.create_item(
            user=request.user,
            source=v["source"],
            title=v["title"],
            description=v["description"],
            area=area,
            lead_unit=_unit_by_code(v.get("lead_unit"), field="lead_unit"),
            assisting_units=[_unit_by_code(c, field="assisting_units") for c in v["assisting_units"]],
            target_value=v.get("target_value"),
            target_unit=v["target_unit"],
            target_text=v["target_text"],
            start_date=v.get("start_date"),
            due_date=v.get("due_date"),
            milestones=[
                MilestoneSpec(
                    title=m["title"], due_date=m["due_date"], due_text=m["due_text"], target_value=m.get("target_value")
                )
                for m in v["milestones"]
            ],
            is_public=v["is_public"],
            origin=services.Origin(
                kind=origin["kind"],
                id=origin.get("id", ""),
                url=origin.get("url", ""),
                snapshot=origin.get("snapshot", {}),
            )
            if origin
            else None,
        )
        return _detail_response(request, item.pk, code=status.HTTP_201_CREATED)


class ItemDetailView(APIView):
    @extend_schema(
        summary="督办事项详情（节点、进展、佐证、历史）", responses={200: ItemDetailSerializer, **ERROR_RESPONSES}
    )
    def get(self, request, item_id: int):
        return _detail_response(request, item_id)


class ProgressView(APIView):
    parser_classes = [MultiPartParser, FormParser, LimitedJSONParser]

    @extend_schema(
        summary="报送进展（仅牵头单位；multipart 上传佐证材料 files）",
        description="完成节点或报告完成须附佐证材料（巡视整改每次报送均须附）；他单位报送返回403。",
        request={"multipart/form-data": ProgressInputSerializer, "application/json": ProgressInputSerializer},
        responses={201: ItemDetailSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, item_id: int):
        # No visibility check first: reporting on another unit's item is the service's 403
        # ("只有牵头单位可以执行“报送进展”"), as the issue asks; an unknown id is 404.
        data = ProgressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.report_progress(
            user=request.user,
            item_id=item_id,
            text=v["text"],
            value=v.get("value"),
            milestone_id=v.get("milestone"),
            completes_milestone=v["completes_milestone"],
            completes_item=v["completes_item"],
            files=v["files"],
        )
        return _detail_response(request, item_id, code=status.HTTP_201_CREATED)


class MilestoneCreateView(APIView):
    @extend_schema(
        summary="增加节点", request=MilestoneInputSerializer, responses={201: ItemDetailSerializer, **ERROR_RESPONSES}
    )
    def post(self, request, item_id: int):
        selectors.item_detail(user=request.user, item_id=item_id)
        data = MilestoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.add_milestone(
            user=request.user,
            item_id=item_id,
            title=v["title"],
            due_date=v["due_date"],
            due_text=v["due_text"],
            target_value=v.get("target_value"),
        )
        return _detail_response(request, item_id, code=status.HTTP_201_CREATED)


class MilestoneRescheduleView(APIView):
    @extend_schema(
        summary="调整节点时限", request=RescheduleSerializer, responses={200: ItemDetailSerializer, **ERROR_RESPONSES}
    )
    def post(self, request, item_id: int, milestone_id: int):
        selectors.item_detail(user=request.user, item_id=item_id)
        data = RescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reschedule_milestone(
            user=request.user,
            item_id=item_id,
            milestone_id=milestone_id,
            due_date=data.validated_data["due_date"],
            reason=data.validated_data["reason"],
        )
        return _detail_response(request, item_id)


class ItemActionView(APIView):
    @extend_schema(
        summary="督办事项操作",
        description="action 取值：" + "、".join(ACTION_INPUTS) + "。状态不允许返回409，角色或单位不允许返回403。",
        request=OpenApiTypes.OBJECT,
        responses={200: ItemDetailSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, item_id: int, action: str):
        if action not in ACTION_INPUTS:
            raise NotFound(f"未知操作：{action}", code="unknown_action")
        selectors.item_detail(user=request.user, item_id=item_id)
        data = ACTION_SERIALIZERS[action](data=request.data)
        data.is_valid(raise_exception=True)
        _run_action(request.user, item_id, action, data.validated_data)
        return _detail_response(request, item_id)


class RollupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    lagging = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    milestones_due = serializers.IntegerField()
    milestones_on_time = serializers.IntegerField()


class RollupView(APIView):
    @extend_schema(
        summary="督办汇总（完成率、按时率、滞后项）",
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=["area", "unit", "leader"], required=True),
            OpenApiParameter("source", OpenApiTypes.STR, enum=Source.values),
        ],
        responses={200: RollupSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        items = selectors.filter_items(
            access.visible_items(user=request.user), source=request.query_params.get("source") or None
        )
        rows = selectors.rollups(items=items, by=request.query_params.get("by", ""))
        return Response(RollupSerializer(rows, many=True).data)


class PublicItemListView(generics.GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = ItemListSerializer

    @extend_schema(
        summary="公开的督办事项（无需登录，不含个人信息）",
        parameters=[
            OpenApiParameter("source", OpenApiTypes.STR, enum=Source.values),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: ItemListSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        items = selectors.list_items(user=None, source=request.query_params.get("source") or None)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(ItemListSerializer(page, many=True, context={"request": request}).data)
