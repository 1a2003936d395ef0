"""The SMS gateway interface. A deployment names its gateway's class in JIESU_SMS_BACKEND; the
platform ships a file backend (one JSON line per SMS in JIESU_SMS_FILE, the embedded default) and a
console backend (the log). A real gateway adapter implements `send` and raises on failure — the
delivery loop retries with backoff (jiesu.notify.services.deliver_pending)."""

import json
import logging
import uuid
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("jiesu.notify")


class SmsError(Exception):
    """The gateway refused or could not be reached."""


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> str:
        """Send one SMS; returns the gateway's id for it. Raises on failure."""


class FileSmsBackend:
    def __init__(self, path: Path | None = None):
        self.path = Path(path or settings.JIESU_SMS_FILE)

    def send(self, *, phone: str, text: str) -> str:
        gateway_id = uuid.uuid4().hex
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"id": gateway_id, "phone": phone, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False
        )
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return gateway_id


class ConsoleSmsBackend:
    def send(self, *, phone: str, text: str) -> str:
        gateway_id = uuid.uuid4().hex
        log.info("sms", extra={"phone": phone, "text": text, "gateway_id": gateway_id})
        return gateway_id


@cache
def _backend_class(path: str):
    return import_string(path)


def backend() -> SmsBackend:
    return _backend_class(settings.JIESU_SMS_BACKEND)()
