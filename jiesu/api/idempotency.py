"""`Idempotency-Key` on action endpoints: the first request with a key runs the action and stores
the key in the same transaction; a retry with the same key and the same request is answered with
the order as it is, without acting again; the same key for a different request is a 409."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from jiesu.api.models import IdempotencyKey
from jiesu.common import validation
from jiesu.common.errors import Conflict

HEADER = "HTTP_IDEMPOTENCY_KEY"


def header_key(request) -> str | None:
    raw = request.META.get(HEADER)
    if raw is None:
        return None
    return validation.clean_text(
        raw, kind="code", field="Idempotency-Key", label="Idempotency-Key", required=True, multiline=False
    )


def _fingerprint(order_id: int, action: str, body) -> str:
    text = json.dumps(
        {"order": order_id, "action": action, "body": body}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay_or_conflict(found: IdempotencyKey, fingerprint: str) -> None:
    if found.fingerprint != fingerprint:
        raise Conflict(
            "Idempotency-Key 已用于另一请求（工单、操作或内容不同）；新请求请换用新的键",
            code="idempotency_key_reused",
        )


def run_once(*, user, key: str, order_id: int, action: str, body, run: Callable[[], object]) -> bool:
    """Run `run` unless this key was used before; returns True when it ran."""
    body = dict(body.items()) if hasattr(body, "items") else body
    fingerprint = _fingerprint(order_id, action, body)
    found = IdempotencyKey.objects.filter(user=user, key=key).first()
    if found is not None:
        _replay_or_conflict(found, fingerprint)
        return False
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=user, key=key, order_id=order_id, action=action, fingerprint=fingerprint)
            run()
    except IntegrityError:
        found = IdempotencyKey.objects.filter(user=user, key=key).first()
        if found is None:
            raise
        _replay_or_conflict(found, fingerprint)  # a concurrent duplicate committed first
        return False
    return True
