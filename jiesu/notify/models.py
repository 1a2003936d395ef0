"""Messages (站内消息、电子邮件、短信): every message is recorded with its status and attempts; the
templates admins edit; opt-outs; and the rules of deadline warnings and escalation."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Channel(models.TextChoices):
    INBOX = "inbox", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"


class Status(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    RETRY = "retry", "待重试"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "未发送"


class Message(models.Model):
    kind = models.CharField("类型", max_length=32, db_index=True)
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    address = models.CharField("地址/号码", max_length=254, blank=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    order = models.ForeignKey(
        "workorders.WorkOrder", verbose_name="工单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    note = models.CharField("说明", max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    claim = models.CharField("发送批次", max_length=32, blank=True)
    provider_id = models.CharField("网关编号", max_length=100, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField("创建时间", db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="msg_inbox"),
            models.Index(
                fields=["next_attempt_at"],
                name="msg_outbox",
                condition=models.Q(status__in=["pending", "retry", "sending"]),
            ),
            # The rate limit counts the messages of an address that were not skipped: at most the
            # limit per window, however many a flood of requests from one number was refused.
            models.Index(
                fields=["channel", "address", "created_at"], name="msg_rate_sent", condition=~models.Q(status="skipped")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.subject}"


class MessageTemplate(models.Model):
    """An admin's version of a template of data/notify/templates.yaml (the file's text is used
    while none is saved). Validated before saving: see jiesu.notify.templating."""

    key = models.CharField("模板", max_length=32, unique=True)
    subject = models.CharField("标题（站内消息/邮件）", max_length=200)
    body = models.TextField("正文（站内消息/邮件）")
    sms = models.CharField("短信内容", max_length=500, blank=True, help_text="留空则此类消息不发短信")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "消息模板"
        verbose_name_plural = "消息模板"
        ordering = ["key"]

    def __str__(self) -> str:
        from jiesu.notify.catalogue import label_of

        return label_of(self.key)

    def clean(self):
        from jiesu.notify.templating import validate_template

        validate_template(key=self.key, subject=self.subject, body=self.body, sms=self.sms)


class OptOut(models.Model):
    """Who does not want which messages on which channel: a user (any address), or an address —
    a citizen's phone, an e-mail. `kind` empty: every kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField("号码/邮箱", max_length=254, blank=True, db_index=True)
    channel = models.CharField("渠道", max_length=8, choices=[c for c in Channel.choices if c[0] != "inbox"])
    kind = models.CharField("消息类型", max_length=32, blank=True, help_text="留空表示全部类型")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "退订"
        verbose_name_plural = "退订"
        constraints = [
            models.UniqueConstraint(fields=["user", "address", "channel", "kind"], name="optout_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.address} {self.get_channel_display()} {self.kind or '全部'}"

    def clean(self):
        if not self.user_id and not self.address.strip():
            raise ValidationError("请填写用户或号码/邮箱之一")


class RecipientProfile(models.Model):
    """A staff member's mobile number for SMS (the e-mail is the user's own)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="notify_profile"
    )
    phone = models.CharField("手机号", max_length=32, blank=True)

    class Meta:
        verbose_name = "接收设置"
        verbose_name_plural = "接收设置"

    def __str__(self) -> str:
        return f"{self.user} {self.phone}"


class AlertRule(models.Model):
    """Warnings and escalation for one deadline (response, handling, or a 多级核查 step's check
    deadline), versioned like the deadline rules; see data/rules/alerts.yaml for the fields."""

    DEADLINES = [
        ("response", "响应期限"),
        ("handling", "办理期限"),
        ("leader_check", "单位领导核查期限"),
        ("spot_check", "指挥部抽查期限"),
    ]

    version = models.CharField("版本", max_length=32)
    effective_from = models.DateField("生效日期")
    deadline = models.CharField("期限", max_length=16, choices=DEADLINES)
    warn_shares = models.JSONField("预警比例", help_text="例如 [0.5, 0.8]：期限用去一半、八成时预警")
    warn_notify = models.JSONField("预警对象", default=list)
    ladder = models.JSONField("超期升级", help_text="每级：after（超期多久）、supervise、notify、template")
    catch_up_days = models.PositiveIntegerField("补发天数上限", default=30)

    class Meta:
        verbose_name = "预警与督办规则"
        verbose_name_plural = "预警与督办规则"
        ordering = ["-effective_from", "deadline"]
        unique_together = [("version", "deadline")]

    def __str__(self) -> str:
        return f"{self.version} {self.get_deadline_display()}"

    def clean(self):
        from jiesu.notify.rules import validate_rule

        validate_rule(
            warn_shares=self.warn_shares,
            warn_notify=self.warn_notify,
            ladder=self.ladder,
            deadline=self.deadline,
        )
