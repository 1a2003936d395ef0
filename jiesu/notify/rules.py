"""The warning and escalation rules (AlertRule): loading from data/rules/alerts.yaml, validation,
and the rule in force (cached per process, refreshed in every process on an admin's edit through
the shared version counter)."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from jiesu.common.shared_version import VersionWatch
from jiesu.notify.catalogue import specs

AUDIENCES = {
    "unit_handlers": "主办单位承办人",
    "unit_leaders": "主办单位领导",
    "centre": "接诉即办指挥部",
    "district_leaders": "区领导",
}
UNITS = {"hours": "自然小时", "workhours": "工作小时", "workdays": "工作日"}
DEADLINE_LABELS = {
    "response": "响应期限",
    "handling": "办理期限",
    "leader_check": "单位领导核查期限",
    "spot_check": "指挥部抽查期限",
}
# The 多级核查 steps: the order is already reported done, so their ladder only notifies (a 督办
# needs an order in handling; 待抽查 admits none).
CHECK_DEADLINES = ("leader_check", "spot_check")


@dataclass(frozen=True)
class Step:
    level: int
    amount: float
    unit: str
    supervise: bool
    notify: tuple[str, ...]
    template: str


@dataclass(frozen=True)
class Rule:
    version: str
    deadline: str
    warn_shares: tuple[float, ...]
    warn_notify: tuple[str, ...]
    ladder: tuple[Step, ...]
    catch_up_days: int


def validate_rule(*, warn_shares, warn_notify, ladder, deadline: str = "") -> None:
    errors = []
    if deadline and deadline not in DEADLINE_LABELS:
        errors.append(f"期限只能是：{'、'.join(DEADLINE_LABELS)}")
    if not isinstance(warn_shares, list) or not all(isinstance(s, int | float) for s in warn_shares):
        errors.append("预警比例须为数字列表，例如 [0.5, 0.8]")
    elif any(not 0 < s < 1 for s in warn_shares):
        errors.append("预警比例须在 0 与 1 之间（不含），例如 0.5 表示期限用去一半时预警")
    elif len(set(warn_shares)) != len(warn_shares):
        errors.append("预警比例不能重复")
    if not isinstance(warn_notify, list) or any(a not in AUDIENCES for a in warn_notify):
        errors.append(f"预警对象只能是：{'、'.join(AUDIENCES)}")
    if not isinstance(ladder, list) or not ladder:
        errors.append("超期升级须至少一级")
    else:
        previous = None
        for index, step in enumerate(ladder, start=1):
            where = f"超期升级第{index}级"
            if not isinstance(step, dict):
                errors.append(f"{where}须为对象")
                continue
            after = step.get("after") or {}
            amount, unit = after.get("amount"), after.get("unit")
            if not isinstance(amount, int | float) or amount < 0:
                errors.append(f"{where}：after.amount 须为非负数")
            if unit not in UNITS:
                errors.append(f"{where}：after.unit 只能是 {'、'.join(UNITS)}")
            if any(a not in AUDIENCES for a in step.get("notify") or []):
                errors.append(f"{where}：notify 只能是 {'、'.join(AUDIENCES)}")
            if deadline in CHECK_DEADLINES and step.get("supervise"):
                errors.append(f"{where}：{DEADLINE_LABELS[deadline]}超期只发通知，supervise 须为 false")
            if step.get("template") not in specs():
                errors.append(f"{where}：未知消息模板 {step.get('template')}")
            if (
                previous is not None
                and unit == previous[1]
                and isinstance(amount, int | float)
                and amount <= previous[0]
            ):
                errors.append(f"{where}：须晚于上一级")
            previous = (amount, unit)
    if errors:
        raise ValidationError(errors)


def _file() -> Path:
    return Path(settings.BASE_DIR) / "data" / "rules" / "alerts.yaml"


def _from_yaml() -> list[dict]:
    raw = yaml.safe_load(_file().read_text(encoding="utf-8"))
    rows = []
    for deadline, spec in raw["deadlines"].items():
        rows.append(
            {
                "version": raw["version"],
                "effective_from": raw["effective_from"],
                "deadline": deadline,
                "warn_shares": spec["warn_shares"],
                "warn_notify": spec.get("warn_notify", ["unit_handlers"]),
                "ladder": spec["ladder"],
                "catch_up_days": raw.get("catch_up_days", 30),
            }
        )
    return rows


@transaction.atomic
def load_rules() -> int:
    """Load data/rules/alerts.yaml (a version already loaded is left as an admin may have edited it)."""
    from jiesu.notify.models import AlertRule

    created = 0
    for row in _from_yaml():
        validate_rule(
            warn_shares=row["warn_shares"],
            warn_notify=row["warn_notify"],
            ladder=row["ladder"],
            deadline=row["deadline"],
        )
        _rule, made = AlertRule.objects.get_or_create(
            version=row["version"], deadline=row["deadline"], defaults={k: v for k, v in row.items()}
        )
        created += made
    invalidate()
    return created


def _to_rule(row) -> Rule:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    steps = tuple(
        Step(
            level=index,
            amount=float(step["after"]["amount"]),
            unit=step["after"]["unit"],
            supervise=bool(step.get("supervise")),
            notify=tuple(step.get("notify") or ()),
            template=step["template"],
        )
        for index, step in enumerate(get("ladder"), start=1)
    )
    return Rule(
        version=get("version"),
        deadline=get("deadline"),
        warn_shares=tuple(sorted(float(s) for s in get("warn_shares"))),
        warn_notify=tuple(get("warn_notify") or ()),
        ladder=steps,
        catch_up_days=int(get("catch_up_days")),
    )


@lru_cache(maxsize=1)
def _all() -> list[tuple[dt.date, Rule]]:
    from jiesu.notify.models import AlertRule

    rows = list(AlertRule.objects.order_by("-effective_from"))
    if rows:
        return [(row.effective_from, _to_rule(row)) for row in rows]
    # Nothing loaded yet: the file's defaults (the platform warns from its first day).
    return [(dt.date.fromisoformat(str(r["effective_from"])), _to_rule(r)) for r in _from_yaml()]


watch = VersionWatch("alert_rules")
watch.on_change(_all.cache_clear)


def invalidate(**_kwargs) -> None:
    watch.bump()


def rule_for(*, deadline: str, on: dt.date) -> Rule | None:
    watch.check()
    for effective_from, rule in _all():
        if rule.deadline == deadline and effective_from <= on:
            return rule
    return None
