"""data/supervision/rules.yaml, read once per process."""

from dataclasses import dataclass, field
from functools import cache

import yaml
from django.conf import settings

from jiesu.supervision.models import Evidence, Source


@dataclass(frozen=True)
class Rules:
    before_due_workdays: int = 3
    evidence_default: str = Evidence.COMPLETION
    evidence_by_source: dict = field(default_factory=dict)
    effect_window_days: int = 90
    effect_min_window_days: int = 14

    def evidence_for(self, source: str) -> str:
        return self.evidence_by_source.get(source, self.evidence_default)


@cache
def rules() -> Rules:
    path = settings.BASE_DIR / "data" / "supervision" / "rules.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    evidence = doc.get("evidence") or {}
    by_source = dict(evidence.get("by_source") or {})
    for source, value in [("default", evidence.get("default", Evidence.COMPLETION)), *by_source.items()]:
        if value not in Evidence.values or (source != "default" and source not in Source.values):
            raise ValueError(f"data/supervision/rules.yaml: evidence {source}: {value}")
    effect = doc.get("effect") or {}
    return Rules(
        before_due_workdays=int((doc.get("reminders") or {}).get("before_due_workdays", 3)),
        evidence_default=evidence.get("default", Evidence.COMPLETION),
        evidence_by_source=by_source,
        effect_window_days=int(effect.get("window_days", 90)),
        effect_min_window_days=int(effect.get("min_window_days", 14)),
    )
