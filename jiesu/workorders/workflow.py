"""The numbers of 多级核查, 提级响应, 吹哨报到 and 重办 (data/rules/workflow.yaml), loaded once per
process, and the deterministic spot-check sample."""

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings

from jiesu.worktime.services import add_limit

RULES_FILE = Path(settings.BASE_DIR) / "data" / "rules" / "workflow.yaml"
_UNITS = ("hours", "workhours", "workdays")


@lru_cache(maxsize=1)
def rules() -> dict:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    for path in (("checks", "leader_check"), ("checks", "spot_check"), ("checks", "redo_after_failed_check"),
                 ("whistle", "report_within"), ("redo", "handling")):  # fmt: skip
        amount, unit = data[path[0]][path[1]]
        if unit not in _UNITS or float(amount) <= 0:
            raise ValueError(f"{RULES_FILE.name}: {'.'.join(path)} must be [amount > 0, {'|'.join(_UNITS)}]")
    for kind, rate in data["checks"]["spot_check_rates"].items():
        if not 0 <= float(rate) <= 1:
            raise ValueError(f"{RULES_FILE.name}: spot-check rate of {kind} must lie in [0, 1]")
    return data


def version() -> str:
    return rules()["version"]


def due(start: dt.datetime, limit: list) -> dt.datetime:
    amount, unit = limit
    return add_limit(start, amount=float(amount), unit=unit)


def spot_check_rate(kind: str | None) -> float:
    return float(rules()["checks"]["spot_check_rates"].get(kind or "", 0.0))


def is_sampled(*, order_id: int, kind: str | None) -> bool:
    """Whether the 指挥部 spot-checks this order: sha256(salt:id) as a fraction in [0, 1) below the
    kind's rate. Deterministic (the same answer in every process and on every replay)."""
    rate = spot_check_rate(kind)
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"{rules()['checks']['salt']}:{order_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def check_limit(step: str) -> list:
    return rules()["checks"][step]


def escalation_level(level: str) -> dict:
    return rules()["escalation"][level]


def whistle_limit() -> list:
    return rules()["whistle"]["report_within"]


def redo_rules() -> dict:
    return rules()["redo"]
