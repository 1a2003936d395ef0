"""The work order (工单), its append-only event log, the category taxonomy and deadline rules.

The order row is a projection of its events; only jiesu.workorders.services writes either."""

import secrets

from django.db import models
from django.dispatch import Signal
from django.utils import timezone

from jiesu.common.history import HistoryEvent


class State(models.TextChoices):
    RECEIVED = "received", "已受理"
    DISPATCHED = "dispatched", "已派单"
    RETURNED = "returned", "已退单"
    ACKNOWLEDGED = "acknowledged", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    PENDING_CHECK = "pending_check", "待核查"  # 多级核查: the handler submitted, the unit leader checks
    SPOT_CHECK = "spot_check", "待抽查"  # the 指挥部 spot-checks a sample before the order counts as resolved
    RESOLVED = "resolved", "已办结"
    CALLBACK_DONE = "callback_done", "已回访"
    CLOSED = "closed", "已归档"
    MERGED = "merged", "已合并"
    UNREASONABLE = "unreasonable", "不合理诉求"


TERMINAL_STATES = (State.CLOSED, State.MERGED, State.UNREASONABLE)
# States in which the handling clock runs (the order is with a unit and not yet resolved).
OPEN_STATES = (State.DISPATCHED, State.RETURNED, State.ACKNOWLEDGED, State.IN_PROGRESS, State.PENDING_CHECK)


class Level(models.TextChoices):
    """The level an order is handled at (提级响应 raises it): 街镇 → 区部门 → 区领导."""

    STREET = "street", "街镇"
    DEPARTMENT = "department", "区部门"
    DISTRICT = "district", "区领导"


LEVEL_ORDER = [Level.STREET, Level.DEPARTMENT, Level.DISTRICT]


class Channel(models.TextChoices):
    HOTLINE = "hotline", "12345热线"
    WEB = "web", "市民网页"
    OPEN311 = "open311", "Open311接口"
    IMPORT = "import", "批量导入"
    APP = "app", "移动端"
    GRID = "grid", "网格上报"
    PROACTIVE = "proactive", "主动发现"  # 未诉先办: issued by a 主动治理 item, no citizen call
    REPORT_MEETING = "report_meeting", "向群众报告会"  # a question collected at a 向群众报告工作 meeting


class Urgency(models.TextChoices):
    URGENT = "urgent", "紧急"
    UTILITY = "utility", "水电气热"
    GENERAL = "general", "一般"
    COMPLEX = "complex", "疑难复杂"


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


class CategoryScheme(models.TextChoices):
    BEIJING = "beijing", "北京12345分类"
    TIPDM = "tipdm", "旧分类（TipDM）"


class Category(models.Model):
    """The category taxonomy (一级/二级/三级), loaded from data/taxonomy; `path` is the name path.

    Two schemes live side by side: the Beijing 12345-style tree (data/taxonomy/beijing12345.yaml, codes
    from 21) used at intake and by the router, and the old TipDM label system (codes 01–15) kept so that
    old orders, events and reports stay readable; each old node `maps_to` its nearest new category."""

    code = models.CharField("编码", max_length=16, unique=True)
    name = models.CharField("名称", max_length=64)
    path = models.CharField("路径", max_length=200, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField("层级")
    qiyou = models.CharField("七有维度", max_length=8, blank=True)
    wuxing = models.CharField("五性维度", max_length=8, blank=True)
    default_urgency = models.CharField("默认紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.GENERAL)
    is_active = models.BooleanField("启用", default=True)
    scheme = models.CharField("分类体系", max_length=16, choices=CategoryScheme.choices, default=CategoryScheme.TIPDM)
    keywords = models.TextField("关键词", blank=True, help_text="受理时检索与分类模型的种子词，空格分隔")
    initials = models.CharField(
        "拼音首字母", max_length=64, blank=True, help_text="名称的拼音首字母（检索用，载入时生成）"
    )
    tipdm_label = models.CharField(
        "对应旧一级标签", max_length=16, blank=True, help_text="TipDM 7 个一级标签之一（评估用）"
    )
    maps_to = models.ForeignKey(
        "self",
        verbose_name="对应新类别",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="旧分类节点对应的北京12345分类类别（迁移旧工单用）",
    )

    class Meta:
        verbose_name = "诉求类别"
        verbose_name_plural = "诉求类别"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.path


class DeadlineRule(models.Model):
    """Time limits per urgency class (条例第十三条: each order carries its own deadline).

    A new version with a later `effective_from` replaces the old one for orders dispatched after."""

    UNITS = [("hours", "自然小时"), ("workhours", "工作小时"), ("workdays", "工作日")]

    version = models.CharField("版本", max_length=32)
    effective_from = models.DateField("生效日期")
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices)
    response_amount = models.DecimalField("响应时限", max_digits=6, decimal_places=2)
    response_unit = models.CharField("响应时限单位", max_length=16, choices=UNITS)
    handling_amount = models.DecimalField("办理时限", max_digits=6, decimal_places=2)
    handling_unit = models.CharField("办理时限单位", max_length=16, choices=UNITS)

    class Meta:
        verbose_name = "办理时限规则"
        verbose_name_plural = "办理时限规则"
        unique_together = [("version", "urgency")]
        ordering = ["-effective_from", "urgency"]

    def __str__(self) -> str:
        return f"{self.version} {self.get_urgency_display()}"


# 查询码: what the citizen gets to follow their order. Random, not derived from the sequential
# number: 10 characters of 32 (no 0/O/1/I) ≈ 50 bits, nothing to guess from a neighbour's code.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


class WorkOrder(models.Model):
    # On PostgreSQL the `varchar_pattern_ops` twins Django adds beside the indexes of number,
    # tracking_code, client_ref and requester_phone are dropped (migration 0014: no prefix search on
    # them; each action writes every index of the row). An AlterField of one of these fields would
    # create its twin again: drop it in the same migration.
    number = models.CharField("工单编号", max_length=32, unique=True)
    tracking_code = models.CharField(
        "查询码", max_length=16, unique=True, null=True, blank=True, default=new_tracking_code, editable=False
    )
    client_ref = models.CharField("客户端幂等键", max_length=64, null=True, blank=True, unique=True)
    external_ref = models.CharField("来源系统编号", max_length=64, null=True, blank=True, unique=True)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices, default=Channel.HOTLINE)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=300, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    occurred_at = models.DateTimeField("发生时间", null=True, blank=True)
    received_at = models.DateTimeField("受理时间", db_index=True)
    requester_name = models.CharField("诉求人", max_length=64, blank=True)
    requester_phone = models.CharField("联系电话", max_length=32, blank=True, db_index=True)
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.GENERAL)
    # state, category, street and lead_unit have no index of their own: the composite indexes of Meta
    # lead with them (every action changes `state`, so each index is written again on each action).
    category = models.ForeignKey(
        Category, verbose_name="类别", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    street = models.ForeignKey(
        "org.Unit",
        verbose_name="所属街镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="located_orders",
        db_index=False,
    )
    # community, grid, property_project, coordinator_unit, merged_into: mostly empty, so indexed
    # only where set (Meta.indexes, wo_*_set): every query of them asks for a value.
    community = models.ForeignKey(
        "org.Community", verbose_name="社区", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    grid = models.ForeignKey(
        "org.Grid", verbose_name="网格", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    property_project = models.ForeignKey(
        "org.PropertyProject", verbose_name="物业项目", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )

    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.RECEIVED)
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_orders",
        db_index=False,
    )
    assisting_units = models.ManyToManyField(
        "org.Unit", verbose_name="协办单位", blank=True, related_name="assisted_orders"
    )

    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    responded_at = models.DateTimeField("响应时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("归档时间", null=True, blank=True)
    response_due = models.DateTimeField("响应期限", null=True, blank=True)
    handling_due = models.DateTimeField("办理期限", null=True, blank=True, db_index=True)
    deadline_rule_version = models.CharField("时限规则版本", max_length=32, blank=True)
    calendar_estimated = models.BooleanField(
        "日历为推算",
        default=False,
        help_text="期限用到的日子尚无国务院通知，按周末和法定节日规则推算；通知录入后自动重算",
    )

    reply = models.TextField("答复意见", blank=True)
    solved = models.BooleanField("回访-是否解决", null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField("回访-满意度", choices=Satisfaction.choices, null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("提级次数", default=0)
    level = models.CharField(
        "处理层级",
        max_length=16,
        choices=Level.choices,
        blank=True,
        help_text="提级响应后的层级；空为按主办单位的常规层级",
    )
    coordinator_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="提级统筹单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_orders",
        db_index=False,
    )
    check_due = models.DateTimeField("核查期限", null=True, blank=True, help_text="待核查/待抽查环节的期限")
    check_from = models.DateTimeField(
        "核查环节开始", null=True, blank=True, help_text="待核查/待抽查环节开始的时间（临期预警按其到核查期限的比例）"
    )
    dissatisfied_count = models.PositiveSmallIntegerField("回访不满意次数", default=0)
    supervision_count = models.PositiveIntegerField("督办次数", default=0)
    return_count = models.PositiveIntegerField("退单次数", default=0)
    reopen_count = models.PositiveIntegerField("重办次数", default=0)
    extension_count = models.PositiveIntegerField("延期次数", default=0)
    pending_extension = models.JSONField("待审批延期", null=True, blank=True)
    # 先行核实 sent to a grid worker and not answered yet (the VerificationRequested payload).
    pending_verification = models.JSONField("待先行核实", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        db_index=False,
    )
    unreasonable_reason = models.CharField("不合理原因", max_length=200, blank=True)

    version = models.PositiveIntegerField("版本", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="wo_state_received"),
            models.Index(fields=["lead_unit", "state"], name="wo_lead_state"),
            models.Index(fields=["category", "received_at"], name="wo_cat_received"),
            # The callback queue (resolved, oldest first) and the street filter of the list pages.
            models.Index(fields=["state", "resolved_at"], name="wo_state_resolved"),
            models.Index(fields=["street", "received_at"], name="wo_street_received"),
            # The few orders whose deadlines wait for an official calendar (recompute_deadlines).
            models.Index(fields=["id"], name="wo_calendar_estimated", condition=models.Q(calendar_estimated=True)),
            # The 提级响应 queue (escalated orders by deadline): without it PostgreSQL walks the whole
            # handling_due index filtering out the ≈ 99 % never escalated (130 ms at 125 k orders).
            models.Index(fields=["handling_due", "id"], name="wo_escalated_due", condition=~models.Q(level="")),
            # Foreign keys most orders leave empty: indexed only where set, so that an order's update
            # (never HOT: every action changes `state`) writes no entry for them (issue 19). Every
            # query of them asks for a value (=, IN, a join), which implies IS NOT NULL.
            *(
                models.Index(fields=[name], name=f"wo_{name}_set", condition=models.Q(**{f"{name}__isnull": False}))
                for name in ("community", "grid", "property_project", "coordinator_unit", "merged_into")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def level_label(self) -> str:
        """The level shown on every page: the escalated one, else the lead unit's usual one."""
        if self.level:
            return Level(self.level).label
        kind = self.lead_unit.kind if self.lead_unit_id else ""
        return Level.DEPARTMENT.label if kind in ("department", "enterprise") else Level.STREET.label

    @property
    def repeat_dissatisfied(self) -> bool:
        """不满意 at two callbacks or more: flagged on the 重办 queue."""
        return self.dissatisfied_count >= 2

    def is_response_overdue(self, *, now=None) -> bool:
        return is_late(due=self.response_due, done=self.responded_at, now=now)

    def is_handling_overdue(self, *, now=None) -> bool:
        return is_late(due=self.handling_due, done=self.resolved_at, now=now)

    def is_overdue(self, *, now=None) -> bool:
        return self.is_response_overdue(now=now) or self.is_handling_overdue(now=now)


def is_late(*, due, done, now=None) -> bool:
    """A step is late when it was done (or is still open) after its due time; no due time, never late."""
    if due is None:
        return False
    return (done or now or timezone.now()) > due


# Sent (order_ids=[…]) after events were inserted in bulk, bypassing post_save (jiesu.workorders.bulk).
events_bulk_written = Signal()

# Events counted one by one in an assessment cycle (supervision notices, reopenings, returns).
COUNTED_ACTIONS = ("supervise", "reopen", "return")


class WorkOrderEvent(HistoryEvent):
    """One change of one order. Never updated or deleted (also enforced by a PostgreSQL trigger)."""

    history_noun = "工单事件"

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "工单事件"
        verbose_name_plural = "工单事件"
        ordering = ["order_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="event_order_seq_unique")]
        indexes = [
            # The few events the monthly assessment counts one by one inside a cycle.
            models.Index(fields=["at"], name="event_counted_at", condition=models.Q(action__in=COUNTED_ACTIONS)),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.action}"


class WhistleCall(models.Model):
    """A unit called in by 吹哨报到: it must 报到 before `report_due` (data/rules/whistle.yaml) and
    record its contribution. A projection of the whistle / report_in / contribute events."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="whistle_calls")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="报到单位", on_delete=models.PROTECT, related_name="whistle_calls"
    )
    called_at = models.DateTimeField("吹哨时间")
    report_due = models.DateTimeField("报到期限")
    reported_at = models.DateTimeField("报到时间", null=True, blank=True)
    contribution = models.TextField("履职情况", blank=True)
    contributed_at = models.DateTimeField("履职记录时间", null=True, blank=True)

    class Meta:
        verbose_name = "吹哨报到"
        verbose_name_plural = "吹哨报到"
        constraints = [models.UniqueConstraint(fields=["order", "unit"], name="whistle_order_unit_unique")]
        indexes = [models.Index(fields=["unit", "called_at"], name="whistle_unit_called")]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.unit_id}"


class JointHandling(models.Model):
    """A joint handling on site (联合处置) after 吹哨: who came, when, where, with what result."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="joint_handlings")
    held_at = models.DateTimeField("处置时间")
    place = models.CharField("地点", max_length=200)
    result = models.TextField("处置结果")
    participants = models.ManyToManyField("org.Unit", verbose_name="到场单位", related_name="joint_handlings")
    event_seq = models.PositiveIntegerField("事件序号")

    class Meta:
        verbose_name = "联合处置记录"
        verbose_name_plural = "联合处置记录"
        ordering = ["order_id", "held_at"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.held_at:%Y-%m-%d} {self.place}"
