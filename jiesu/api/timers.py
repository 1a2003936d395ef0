"""Timers of the API (jiesu.timers registry)."""

from django.utils import timezone
from knox.models import get_token_model

from jiesu.timers.registry import Daily, register


@register("api.purge_expired_tokens", label="清理过期的接口令牌", schedule=Daily(at="03:30"))
def purge_expired_tokens(*, now):
    """Expired tokens are refused when used (jiesu.api.auth); this removes the ones nobody uses again."""
    deleted, _ = get_token_model().objects.filter(expiry__lt=now or timezone.now()).delete()
    return {"deleted": deleted}
