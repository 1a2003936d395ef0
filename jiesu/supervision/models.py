"""督办 (supervision): one accountability engine for whatever the district holds units to — the
目标责任书's key tasks, the 民生项目池, questions from 向群众报告工作 meetings, 巡视整改, the
主动治理清单, leaders' instructions and help for lagging units (指导帮扶).

A SupervisionItem is run like a work order: a lifecycle as data (state_machine.yaml, checked by
jiesu.common.transitions), an append-only history (SupervisionEvent, with a PostgreSQL trigger),
services that lock the row and check its version, deadlines on working days (jiesu.worktime),
evidence as attachments (jiesu.attachments). Its status (未启动/推进中/滞后/已完成/已销号) is
derived from its state, milestones and reports, never stored; the few columns that make it cheap
to derive (next open milestone, counts, last report) are a projection the services keep."""

from django.conf import settings
from django.db import models

from jiesu.common.history import AppendOnly, HistoryEvent


class Source(models.TextChoices):
    TARGET_RESPONSIBILITY = "target_responsibility", "目标责任书"
    LIVELIHOOD_PROJECT = "livelihood_project", "民生项目"
    REPORT_MEETING = "report_meeting", "报告会问题"
    INSPECTION = "inspection_rectification", "巡视整改"
    PROACTIVE = "proactive", "主动治理"
    LEADER_INSTRUCTION = "leader_instruction", "领导批示"
    ASSISTANCE = "assistance", "指导帮扶"


class ItemState(models.TextChoices):
    """The lifecycle the transition table moves (the status shown is derived from it)."""

    OPEN = "open", "在办"
    COMPLETED = "completed", "已报完成"
    CLOSED = "closed", "已销号"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    LAGGING = "lagging", "滞后"
    COMPLETED = "completed", "已完成"
    CLOSED = "closed", "已销号"


class Evidence(models.TextChoices):
    """Which progress reports must carry evidence (佐证材料)."""

    COMPLETION = "completion", "完成节点或报告完成时须附佐证"
    EVERY = "every", "每次报送均须附佐证"
    NONE = "none", "不强制"


class Area(models.Model):
    """A heading items are grouped under: one of the 目标责任书's areas (方面), a batch of the
    民生项目池, …"""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    source = models.CharField("来源", max_length=32, choices=Source.choices)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    source_ref = models.CharField("出处", max_length=200, blank=True)

    class Meta:
        verbose_name = "督办领域"
        verbose_name_plural = "督办领域"
        ordering = ["source", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class SupervisionItem(models.Model):
    number = models.CharField("编号", max_length=32, unique=True)
    source = models.CharField("来源", max_length=32, choices=Source.choices)
    title = models.CharField("事项", max_length=300)
    description = models.TextField("内容", blank=True)
    area = models.ForeignKey(Area, verbose_name="领域", null=True, blank=True, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任区领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name="牵头单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assisting_units = models.ManyToManyField("org.Unit", verbose_name="配合单位", blank=True, related_name="+")
    target_value = models.DecimalField("目标值", max_digits=14, decimal_places=2, null=True, blank=True)
    target_unit = models.CharField("目标单位", max_length=16, blank=True, help_text="如 %、家、个、亿元")
    target_text = models.CharField("目标原文", max_length=300, blank=True)
    current_value = models.DecimalField("当前值", max_digits=14, decimal_places=2, null=True, blank=True)
    start_date = models.DateField("开始日期", null=True, blank=True)
    due_date = models.DateField("完成时限", null=True, blank=True)
    due_text = models.CharField("时限原文", max_length=64, blank=True)
    evidence = models.CharField("佐证要求", max_length=16, choices=Evidence.choices, default=Evidence.COMPLETION)
    is_public = models.BooleanField("向社会公开", default=False)
    is_demo = models.BooleanField("演示数据", default=False)
    source_ref = models.CharField("出处", max_length=200, blank=True)

    # Where it came from (generic: a hotspot, a forecast peak, a 每月一题, a meeting question, …).
    origin_kind = models.CharField("来源记录类型", max_length=32, blank=True)
    origin_id = models.CharField("来源记录编号", max_length=64, blank=True)
    origin_url = models.CharField("来源记录链接", max_length=300, blank=True)
    origin_snapshot = models.JSONField("来源记录快照", default=dict, blank=True)

    # The problem and the place (主动治理: what the effect is measured on).
    category = models.ForeignKey(
        "workorders.Category",
        verbose_name="诉求类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    street = models.ForeignKey(
        "org.Unit", verbose_name="街镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "org.Community", verbose_name="社区(村)", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    state = models.CharField("办理状态", max_length=16, choices=ItemState.choices, default=ItemState.OPEN)
    version = models.PositiveIntegerField("版本", default=0)
    # Projection kept by the services in the transaction that changes them (status is derived).
    milestones_total = models.PositiveIntegerField("节点数", default=0)
    milestones_done = models.PositiveIntegerField("已完成节点", default=0)
    next_milestone_due = models.DateField("下一节点时限", null=True, blank=True)
    next_milestone_title = models.CharField("下一节点", max_length=300, blank=True)
    last_report_at = models.DateTimeField("最近报送", null=True, blank=True)
    reports_count = models.PositiveIntegerField("报送次数", default=0)
    completed_at = models.DateTimeField("报告完成时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        ordering = ["number"]
        indexes = [
            models.Index(fields=["source", "state"], name="sup_source_state"),
            models.Index(fields=["lead_unit", "state"], name="sup_lead_state"),
            models.Index(fields=["area", "state"], name="sup_area_state"),
            models.Index(fields=["state", "next_milestone_due"], name="sup_state_next_due"),
            models.Index(fields=["state", "due_date"], name="sup_state_due"),
            models.Index(fields=["is_public", "number"], name="sup_public"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Milestone(models.Model):
    """A dated step (节点) of an item."""

    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="milestones")
    seq = models.PositiveSmallIntegerField("序号")
    title = models.CharField("节点", max_length=300)
    due_date = models.DateField("时限")
    due_text = models.CharField("时限原文", max_length=64, blank=True)
    target_value = models.DecimalField("节点目标值", max_digits=14, decimal_places=2, null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_on_time = models.BooleanField(
        "按期完成", null=True, blank=True, help_text="完成日（本地日期）不晚于时限；完成时写入，供按时率统计"
    )
    done_report = models.ForeignKey(
        "ProgressReport", verbose_name="完成报送", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "节点"
        verbose_name_plural = "节点"
        ordering = ["item_id", "due_date", "seq"]
        constraints = [models.UniqueConstraint(fields=["item", "seq"], name="milestone_item_seq")]
        indexes = [models.Index(fields=["due_date"], name="milestone_open_due", condition=models.Q(done_at=None))]

    def __str__(self) -> str:
        return f"{self.item_id}.{self.seq} {self.title}"


class ProgressReport(AppendOnly):
    """What the lead unit reported (进展报送), with its evidence as attachments (purpose
    "evidence"). Written once, like an event."""

    history_noun = "进展报告"

    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="reports")
    milestone = models.ForeignKey(
        Milestone, verbose_name="节点", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="报送单位", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("报送时间", db_index=True)
    text = models.TextField("进展情况")
    value = models.DecimalField("当前值", max_digits=14, decimal_places=2, null=True, blank=True)
    completes_milestone = models.BooleanField("完成该节点", default=False)
    completes_item = models.BooleanField("报告事项完成", default=False)
    is_demo = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "进展报送"
        verbose_name_plural = "进展报送"
        ordering = ["item_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.at:%Y-%m-%d}"


class SupervisionEvent(HistoryEvent):
    """One change of one item. Never updated or deleted (also enforced by a PostgreSQL trigger)."""

    history_noun = "督办事件"

    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "督办事件"
        verbose_name_plural = "督办事件"
        ordering = ["item_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["item", "seq"], name="sup_event_item_seq")]

    def __str__(self) -> str:
        return f"{self.item_id}#{self.seq} {self.action}"


class ReminderKind(models.TextChoices):
    BEFORE_DUE = "before_due", "到期前提醒"
    OVERDUE = "overdue", "逾期标记"


class Reminder(models.Model):
    """What the timers did: one row per (kind, item, milestone or the item's own deadline, due
    date) — the unique key makes the timers idempotent; a rescheduled deadline gets new ones."""

    kind = models.CharField("类型", max_length=16, choices=ReminderKind.choices)
    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="reminders")
    target = models.CharField("对象", max_length=32, help_text="milestone:<id> 或 item")
    due_date = models.DateField("时限")
    run_at = models.DateTimeField("执行时间")
    message = models.TextField("消息")
    recipients = models.JSONField("接收人", default=dict)

    class Meta:
        verbose_name = "督办提醒记录"
        verbose_name_plural = "督办提醒记录"
        ordering = ["-run_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "item", "target", "due_date"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id} {self.target} {self.due_date}"


class LeaderPatch(models.Model):
    """区领导包片: a district leader covers a street or town for a period."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="区领导", on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey("org.Unit", verbose_name="包片街镇", on_delete=models.PROTECT, related_name="+")
    since = models.DateField("起始日期")
    until = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "区领导包片"
        verbose_name_plural = "区领导包片"
        ordering = ["leader_id", "street__sort_order"]

    def __str__(self) -> str:
        return f"{self.leader} → {self.street}"


class ReportMeeting(models.Model):
    """向群众报告工作: a meeting (or, with no street, a district-wide round of them)."""

    title = models.CharField("名称", max_length=200)
    held_on = models.DateField("日期", null=True, blank=True)
    street = models.ForeignKey(
        "org.Unit",
        verbose_name="街镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示全区汇总",
    )
    attendance = models.PositiveIntegerField("参会人数", null=True, blank=True)
    form = models.CharField("形式", max_length=200, blank=True)
    reported_asked = models.PositiveIntegerField("报送：现场提问", null=True, blank=True)
    reported_collected = models.PositiveIntegerField("报送：会前会后收集", null=True, blank=True)
    reported_solved = models.PositiveIntegerField("报送：已答复解决", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    source_ref = models.CharField("出处", max_length=200, blank=True)

    class Meta:
        verbose_name = "向群众报告工作会"
        verbose_name_plural = "向群众报告工作会"
        ordering = ["-held_on", "id"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    ASKED = "asked", "现场提问"
    COLLECTED = "collected", "会前会后收集"


class QuestionState(models.TextChoices):
    COLLECTED = "collected", "已收集"
    ASSIGNED = "assigned", "已交办"
    ANSWERED = "answered", "已答复"
    EVALUATED = "evaluated", "已评价"


class Evaluation(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class MeetingQuestion(models.Model):
    """One question or suggestion: 收集 → 交办 (a work order or a 督办事项) → 反馈 → 评价
    (question_machine.yaml)."""

    meeting = models.ForeignKey(ReportMeeting, on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField("类型", max_length=16, choices=QuestionKind.choices)
    text = models.TextField("内容")
    asker_name = models.CharField("提问人", max_length=64, blank=True)
    asker_phone = models.CharField("联系电话", max_length=32, blank=True)
    state = models.CharField("状态", max_length=16, choices=QuestionState.choices, default=QuestionState.COLLECTED)
    order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name="转办工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        SupervisionItem, verbose_name="转督办事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField("答复", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    evaluation = models.CharField("群众评价", max_length=16, choices=Evaluation.choices, blank=True)
    evaluated_at = models.DateTimeField("评价时间", null=True, blank=True)
    created_at = models.DateTimeField("收集时间", auto_now_add=True)

    class Meta:
        verbose_name = "报告会问题"
        verbose_name_plural = "报告会问题"
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return self.text[:30]
