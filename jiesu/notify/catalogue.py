"""The kinds of message and their default templates (data/notify/templates.yaml)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    label: str
    fields: tuple[str, ...]
    subject: str
    body: str
    sms: str


def _file() -> Path:
    return Path(settings.BASE_DIR) / "data" / "notify" / "templates.yaml"


@cache
def specs() -> dict[str, TemplateSpec]:
    raw = yaml.safe_load(_file().read_text(encoding="utf-8"))["templates"]
    return {
        key: TemplateSpec(
            key=key,
            label=row["label"],
            fields=tuple(row["fields"]),
            subject=row["subject"],
            body=row["body"].rstrip("\n"),
            sms=row.get("sms") or "",
        )
        for key, row in raw.items()
    }


def spec(key: str) -> TemplateSpec:
    try:
        return specs()[key]
    except KeyError:
        raise KeyError(f"未知消息类型：{key}") from None


def label_of(key: str) -> str:
    found = specs().get(key)
    return found.label if found else key


def choices() -> list[tuple[str, str]]:
    return [(key, s.label) for key, s in specs().items()]
