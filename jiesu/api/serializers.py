"""API shapes. Input serializers validate types; the services validate meaning."""

import copy
import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone
from rest_framework import serializers

from jiesu.common.api import StrictInputSerializer
from jiesu.grids.api import VerifyInputSerializer
from jiesu.org.models import Unit
from jiesu.workorders import selectors, state_machine
from jiesu.workorders.models import (
    TERMINAL_STATES,
    Category,
    Channel,
    Satisfaction,
    State,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
    is_late,
)
from jiesu.workorders.services import UNREASONABLE_KINDS


class UnitCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Unit.objects.all())
        kwargs.setdefault("error_messages", {"does_not_exist": "单位编码 {value} 不存在", "invalid": "单位编码无效"})
        super().__init__(**kwargs)


class CategoryCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Category.objects.all())
        kwargs.setdefault("error_messages", {"does_not_exist": "类别编码 {value} 不存在", "invalid": "类别编码无效"})
        super().__init__(**kwargs)


class OrderCreateSerializer(StrictInputSerializer):
    content = serializers.CharField(max_length=10000, trim_whitespace=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.HOTLINE)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(
        required=False, allow_null=True, default=None, help_text="WGS-84 纬度，须在北京市范围内"
    )
    lng = serializers.FloatField(
        required=False, allow_null=True, default=None, help_text="WGS-84 经度，须在北京市范围内"
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    requester_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    requester_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.GENERAL)
    category = CategoryCodeField(required=False, allow_null=True, default=None)
    client_ref = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    property_project = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="物业项目ID（红黑榜依据）。不填时，地址或诉求内容中提到已登记的物业项目且匹配可信则自动关联",
    )


class PropertyProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    company_id = serializers.IntegerField()
    company_name = serializers.CharField(source="company.name")


class FieldsBuiltOnce:
    """A ModelSerializer whose fields are introspected from the model once per class: DRF rebuilds them
    for every serializer instance (≈ 20 % of an order detail request). Each instance gets its own copies,
    so binding them to it stays per instance."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


class EventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    actor_unit = serializers.CharField(source="actor_unit.name", default=None, allow_null=True)

    class Meta:
        model = WorkOrderEvent
        fields = ["seq", "action", "from_state", "to_state", "actor", "actor_unit", "at", "reason", "payload"]

    def get_actor(self, event) -> str | None:
        return str(event.actor) if event.actor_id else None


class OrderListSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display")
    # Null until categorised / dispatched: the schema says so (issue 14, schema truth).
    category = serializers.CharField(source="category.code", default=None, allow_null=True)
    category_name = serializers.CharField(source="category.path", default=None, allow_null=True)
    lead_unit = serializers.CharField(source="lead_unit.code", default=None, allow_null=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", default=None, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "title",
            "channel",
            "urgency",
            "state",
            "state_label",
            "level",
            "category",
            "category_name",
            "lead_unit",
            "lead_unit_name",
            "received_at",
            "response_due",
            "handling_due",
            "calendar_estimated",
            "overdue",
        ]

    def get_overdue(self, order) -> bool:
        return order.state not in TERMINAL_STATES and order.is_overdue()


# What the list's rows are read with (`QuerySet.values`), for `order_list_rows`.
LIST_VALUES = (
    *(f for f in OrderListSerializer.Meta.fields if f not in ("state_label", "category", "category_name", "lead_unit",
                                                               "lead_unit_name", "overdue")),
    "category__code", "category__path", "lead_unit__code", "lead_unit__name", "responded_at", "resolved_at",
)  # fmt: skip
_STATE_LABELS = dict(State.choices)


def iso_times() -> Callable[[dt.datetime | None], str | None]:
    """DRF DateTimeField's output (ISO 8601 in the current time zone, UTC as "Z") with the zone
    looked up once: per value, DRF's lookup was a quarter of a list page's time."""
    zone = timezone.get_current_timezone()

    def when(value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return when


def order_list_rows(rows: Iterable[dict], *, now: dt.datetime | None = None) -> list[dict]:
    """OrderListSerializer's output from `.values(*LIST_VALUES)` rows. The API list is the busiest read:
    DRF's per-field machinery costs ≈ 0.15 ms a row, this ≈ 0.02 ms. The serializer stays the schema;
    test_list_rows_equal_the_serializer keeps the two the same."""
    now = now or timezone.now()
    when = iso_times()
    return [
        {
            "id": r["id"],
            "number": r["number"],
            "title": r["title"],
            "channel": r["channel"],
            "urgency": r["urgency"],
            "state": r["state"],
            "state_label": _STATE_LABELS.get(r["state"], r["state"]),
            "level": r["level"],
            "category": r["category__code"],
            "category_name": r["category__path"],
            "lead_unit": r["lead_unit__code"],
            "lead_unit_name": r["lead_unit__name"],
            "received_at": when(r["received_at"]),
            "response_due": when(r["response_due"]),
            "handling_due": when(r["handling_due"]),
            "calendar_estimated": r["calendar_estimated"],
            "overdue": r["state"] not in TERMINAL_STATES
            and (
                is_late(due=r["response_due"], done=r["responded_at"], now=now)
                or is_late(due=r["handling_due"], done=r["resolved_at"], now=now)
            ),
        }
        for r in rows
    ]


class OrderDetailSerializer(OrderListSerializer):
    requester_name = serializers.SerializerMethodField()
    requester_phone = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField(
        help_text="诉求内容；无权查看个人信息的角色看到电话、证件号、邮箱、姓名已遮盖的文本"
    )
    address = serializers.SerializerMethodField()
    street = serializers.CharField(source="street.name", default=None, allow_null=True)
    assisting_units = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    response_overdue = serializers.SerializerMethodField()
    handling_overdue = serializers.SerializerMethodField()
    merged_into = serializers.CharField(source="merged_into.number", default=None, allow_null=True)
    property_project = PropertyProjectSerializer(allow_null=True, read_only=True)
    level_label = serializers.CharField(read_only=True)
    coordinator_unit = serializers.CharField(source="coordinator_unit.name", default=None, allow_null=True)
    repeat_dissatisfied = serializers.BooleanField(read_only=True)

    class Meta(OrderListSerializer.Meta):
        fields = [
            *OrderListSerializer.Meta.fields,
            "content",
            "address",
            "lat",
            "lng",
            "occurred_at",
            "requester_name",
            "requester_phone",
            "street",
            "property_project",
            "assisting_units",
            "client_ref",
            "dispatched_at",
            "acknowledged_at",
            "responded_at",
            "resolved_at",
            "closed_at",
            "deadline_rule_version",
            "response_overdue",
            "handling_overdue",
            "reply",
            "solved",
            "satisfaction",
            "escalation_level",
            "level",
            "level_label",
            "coordinator_unit",
            "check_due",
            "dissatisfied_count",
            "repeat_dissatisfied",
            "supervision_count",
            "return_count",
            "reopen_count",
            "extension_count",
            "pending_extension",
            "merged_into",
            "unreasonable_reason",
            "version",
            "events",
            "allowed_actions",
        ]

    def _personal(self, order) -> dict:
        if getattr(self, "_personal_for", None) != order.pk:
            request = self.context["request"]
            self._personal_cache = selectors.personal_view(user=request.user, order=order, channel=request.path)
            self._personal_for = order.pk
        return self._personal_cache

    def get_requester_name(self, order) -> str:
        return self._personal(order)["requester_name"]

    def get_requester_phone(self, order) -> str:
        return self._personal(order)["requester_phone"]

    def get_content(self, order) -> str:
        return self._personal(order)["content"]

    def get_address(self, order) -> str:
        return self._personal(order)["address"]

    def get_assisting_units(self, order) -> list[dict]:
        return [{"code": u.code, "name": u.name} for u in order.assisting_units.all()]

    def get_events(self, order) -> list[dict]:
        return EventSerializer(selectors.events_of(order=order), many=True).data

    def get_allowed_actions(self, order) -> list[dict]:
        user = self.context["request"].user
        return [
            {"action": t.action, "label": t.label, "style": t.style}
            for t in state_machine.allowed_actions(user=user, order=order)
        ]

    def get_response_overdue(self, order) -> bool:
        return order.is_response_overdue()

    def get_handling_overdue(self, order) -> bool:
        return order.is_handling_overdue()


DETAIL_FIELDS = tuple(dict.fromkeys(OrderDetailSerializer.Meta.fields))


def _event_rows(order: WorkOrder, *, when) -> list[dict]:
    rows = order.events.order_by("seq").values(
        "seq", "action", "from_state", "to_state", "actor_id", "actor__display_name", "actor__username",
        "actor_unit__name", "at", "reason", "payload",
    )  # fmt: skip
    return [
        {
            "seq": r["seq"],
            "action": r["action"],
            "from_state": r["from_state"],
            "to_state": r["to_state"],
            "actor": (r["actor__display_name"] or r["actor__username"]) if r["actor_id"] else None,  # User.__str__
            "actor_unit": r["actor_unit__name"],
            "at": when(r["at"]),
            "reason": r["reason"],
            "payload": r["payload"],
        }
        for r in rows
    ]


def order_detail_body(order: WorkOrder, *, request) -> dict:
    """OrderDetailSerializer's output, built directly: the detail is the API's second busiest read and
    DRF's per-field machinery was a third of its time. The serializer stays the schema;
    test_detail_body_equals_the_serializer keeps the two the same for every role and state."""
    personal = selectors.personal_view(user=request.user, order=order, channel=request.path)
    when = iso_times()
    project = order.property_project
    values = {
        **{f: getattr(order, f) for f in DETAIL_FIELDS if f in _PLAIN},
        **{f: when(getattr(order, f)) for f in _DATETIMES},
        "state_label": order.get_state_display(),
        "category": order.category.code if order.category_id else None,
        "category_name": order.category.path if order.category_id else None,
        "lead_unit": order.lead_unit.code if order.lead_unit_id else None,
        "lead_unit_name": order.lead_unit.name if order.lead_unit_id else None,
        "overdue": order.state not in TERMINAL_STATES and order.is_overdue(),
        "content": personal["content"],
        "address": personal["address"],
        "requester_name": personal["requester_name"],
        "requester_phone": personal["requester_phone"],
        "street": order.street.name if order.street_id else None,
        "property_project": None
        if project is None
        else {
            "id": project.id,
            "name": project.name,
            "company_id": project.company_id,
            "company_name": project.company.name,
        },
        "assisting_units": [{"code": u.code, "name": u.name} for u in order.assisting_units.all()],
        "response_overdue": order.is_response_overdue(),
        "handling_overdue": order.is_handling_overdue(),
        "level_label": order.level_label,
        "coordinator_unit": order.coordinator_unit.name if order.coordinator_unit_id else None,
        "repeat_dissatisfied": order.repeat_dissatisfied,
        "merged_into": order.merged_into.number if order.merged_into_id else None,
        "events": _event_rows(order, when=when),
        "allowed_actions": [
            {"action": t.action, "label": t.label, "style": t.style}
            for t in state_machine.allowed_actions(user=request.user, order=order)
        ],
    }
    return {f: values[f] for f in DETAIL_FIELDS}


_DATETIMES = (
    "received_at", "response_due", "handling_due", "occurred_at", "dispatched_at", "acknowledged_at", "responded_at",
    "resolved_at", "closed_at", "check_due",
)  # fmt: skip
_PLAIN = frozenset(
    (
        "id", "number", "title", "channel", "urgency", "state", "level", "calendar_estimated", "lat", "lng",
        "client_ref", "deadline_rule_version", "reply", "solved", "satisfaction", "escalation_level",
        "dissatisfied_count", "supervision_count", "return_count", "reopen_count", "extension_count",
        "pending_extension", "unreasonable_reason", "version",
    )
)  # fmt: skip


# ---------------------------------------------------------------- action inputs


class ReasonSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RequiredReasonSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=500)


class DispatchSerializer(StrictInputSerializer):
    lead_unit = UnitCodeField()
    assisting_units = UnitCodeField(many=True, required=False, default=list)
    category = CategoryCodeField(required=False, allow_null=True, default=None)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReturnSerializer(RequiredReasonSerializer):
    suggested_unit = UnitCodeField(required=False, allow_null=True, default=None)


class RuleDisputeSerializer(RequiredReasonSerializer):
    upheld = serializers.BooleanField()
    new_lead_unit = UnitCodeField(required=False, allow_null=True, default=None)


class RedispatchSerializer(RequiredReasonSerializer):
    lead_unit = UnitCodeField()


class RespondSerializer(StrictInputSerializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    contact_method = serializers.ChoiceField(
        choices=[("phone", "电话"), ("visit", "上门"), ("sms", "短信")], default="phone"
    )


class ExtensionRequestSerializer(RequiredReasonSerializer):
    days = serializers.IntegerField(min_value=1, max_value=30)
    requester_informed = serializers.BooleanField()


class WhistleSerializer(RequiredReasonSerializer):
    units = UnitCodeField(many=True)


class ResolveSerializer(StrictInputSerializer):
    reply = serializers.CharField(max_length=20000)


class CallbackSerializer(StrictInputSerializer):
    reached = serializers.BooleanField(default=True)
    solved = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        return {**attrs, "strict": True}


class NoteSerializer(StrictInputSerializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MergeSerializer(ReasonSerializer):
    master = serializers.CharField(help_text="主工单编号或ID")


class UnreasonableSerializer(ReasonSerializer):
    kind = serializers.ChoiceField(choices=list(UNREASONABLE_KINDS.items()))


class SetPropertySerializer(ReasonSerializer):
    property_project = serializers.IntegerField(allow_null=True, help_text="物业项目ID；null 表示清除关联")


class EscalateSerializer(RequiredReasonSerializer):
    coordinator_unit = UnitCodeField(required=False, allow_null=True, default=None)
    lead_unit = UnitCodeField(required=False, allow_null=True, default=None)


class ContributeSerializer(serializers.Serializer):
    contribution = serializers.CharField(max_length=2000)


class JointHandlingSerializer(serializers.Serializer):
    participants = UnitCodeField(many=True)
    held_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    result = serializers.CharField(max_length=2000)


ACTION_INPUTS: dict[str, type[serializers.Serializer]] = {
    "dispatch": DispatchSerializer,
    "acknowledge": StrictInputSerializer,
    "return": ReturnSerializer,
    "rule_dispute": RuleDisputeSerializer,
    "redispatch": RedispatchSerializer,
    "respond": RespondSerializer,
    "request_extension": ExtensionRequestSerializer,
    "approve_extension": ReasonSerializer,
    "deny_extension": RequiredReasonSerializer,
    "supervise": RequiredReasonSerializer,
    "escalate": EscalateSerializer,
    "report_in": NoteSerializer,
    "contribute": ContributeSerializer,
    "joint_handling": JointHandlingSerializer,
    "whistle": WhistleSerializer,
    "resolve": ResolveSerializer,
    "submit_check": ResolveSerializer,
    "approve_check": NoteSerializer,
    "approve_to_spot_check": NoteSerializer,
    "send_back": RequiredReasonSerializer,
    "pass_spot_check": NoteSerializer,
    "fail_spot_check": RequiredReasonSerializer,
    "callback": CallbackSerializer,
    "reopen": RequiredReasonSerializer,
    "close": NoteSerializer,
    "merge": MergeSerializer,
    "mark_unreasonable": UnreasonableSerializer,
    "set_property": SetPropertySerializer,
    # 先行核实 (热线+网格): the grid, its worker and the time limit are found by the platform.
    "request_verification": StrictInputSerializer,
    "verify": VerifyInputSerializer,
}


def input_fields(action: str) -> str:
    """An action's body fields for the schema's description: `result*、note*` (* = required)."""
    fields = ACTION_INPUTS[action]().fields
    return "、".join(f"{name}{'*' if field.required else ''}" for name, field in fields.items())
