"""Timers of the API (jiesu.timers registry)."""

import logging

from django.utils import timezone
from knox.models import get_token_model

from jiesu.api import services
from jiesu.timers.registry import Daily, Every, register


@register("api.purge_expired_tokens", label="清理过期的接口令牌", schedule=Daily(at="03:30"))
def purge_expired_tokens(*, now):
    """Expired tokens are refused when used (jiesu.api.auth); this removes the ones nobody uses again."""
    deleted, _ = get_token_model().objects.filter(expiry__lt=now or timezone.now()).delete()
    return {"deleted": deleted}


@register("api.compact_order_count", label="合并工单总数增量", schedule=Every(minutes=10))
def compact_order_count(*, now):
    """Keeps the sum the API's unfiltered list reads short: one row per order-writing statement until here."""
    return {"folded": services.compact_order_count()}


@register("api.order_count_check", label="核对工单总数", schedule=Daily(at="03:40"))
def order_count_check(*, now):
    """The sum against COUNT(*) once a night; a difference (writes that bypassed the triggers) is corrected."""
    corrected = services.correct_order_count()
    if corrected:
        logging.getLogger("jiesu.timers").warning("order count corrected by %+d", corrected)
    return {"corrected": corrected}
