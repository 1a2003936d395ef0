"""Idempotency keys of API actions: a retried request with the same `Idempotency-Key` header is
answered without running the action again (a retried supervise counts once)."""

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+")
    key = models.CharField("幂等键", max_length=64)
    order_id = models.BigIntegerField("工单ID")
    action = models.CharField("操作", max_length=32)
    fingerprint = models.CharField("请求摘要", max_length=64)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "操作幂等键"
        verbose_name_plural = "操作幂等键"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class OrderCountDelta(models.Model):
    """The number of work orders as a sum, for the API's unfiltered list (PostgreSQL only): COUNT(*) over
    every order is a full scan (≈ 25 ms of the server's CPU at 100,000 orders, most of a list page's
    cost). Triggers on workorders_workorder add one row per INSERT or DELETE statement (+n / −n) in the
    writer's own transaction, so SUM(delta) is exact in any snapshot; TRUNCATE empties the table. The
    timer `api.compact_order_count` folds the rows into one (migration 0002)."""

    delta = models.BigIntegerField("增减")

    class Meta:
        verbose_name = "工单总数增量"
        verbose_name_plural = "工单总数增量"

    def __str__(self) -> str:
        return f"{self.delta:+d}"
