"""Writes of the assessment: loading rule versions, publishing a month (frozen snapshot) and keeping
the watch-list history."""

import datetime as dt
from pathlib import Path

import yaml
from django.db import transaction

from jiesu.assessment import aggregates, engine, selectors
from jiesu.assessment.models import AssessmentSnapshot, KindGroup, RuleVersion, WatchListEntry
from jiesu.assessment.rules import parse_month, parse_rules, previous_month
from jiesu.common.errors import InvalidInput


def save_rule_version(
    *, version: str, name: str, effective_from: dt.date | str, rules: dict, source: str = ""
) -> RuleVersion:
    """Create or update a rule version after validating its document. A version that has published
    snapshots is frozen: publish under a new version instead."""
    version = (version or "").strip()
    if not version or len(version) > 32:
        raise InvalidInput("规则版本号须为1至32个字符", code="invalid_rule")
    month = parse_month(effective_from if isinstance(effective_from, dt.date) else str(effective_from)[:7])
    parse_rules(version=version, effective_from=month, doc=rules)
    with transaction.atomic():
        existing = RuleVersion.objects.select_for_update().filter(version=version).first()
        if existing and existing.rules != rules and AssessmentSnapshot.objects.filter(rule_version=existing).exists():
            raise InvalidInput(f"规则版本 {version} 已用于发布考评结果，不能修改；请新增版本", code="rule_frozen")
        rule, _ = RuleVersion.objects.update_or_create(
            version=version,
            defaults={"name": name or version, "effective_from": month, "rules": rules, "source": source[:300]},
        )
        aggregates.forget()
    return rule


def load_rule_file(*, path: Path) -> RuleVersion:
    """Load one data/assessment/rules-*.yaml file (version, name, effective_from, source, rules)."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"无法读取规则文件 {path.name}：{exc}", code="invalid_rule") from None
    if not isinstance(spec, dict) or not {"version", "effective_from", "rules"} <= set(spec):
        raise InvalidInput(f"规则文件 {path.name} 须包含 version、effective_from、rules", code="invalid_rule")
    return save_rule_version(
        version=str(spec["version"]),
        name=str(spec.get("name", "")),
        effective_from=str(spec["effective_from"]),
        rules=spec["rules"] or {},
        source=str(spec.get("source", "")),
    )


def publish_month(*, month: dt.date | str, rule_version: str | None = None) -> dict[str, list]:
    """Freeze the month's figures (both unit groups) as AssessmentSnapshot rows and update the watch
    list. Publishing again returns the stored figures unchanged: published figures do not drift."""
    month = parse_month(month)
    rule = selectors.resolve_rule(month=month, rule_version=rule_version)
    result = {}
    with transaction.atomic(), engine.memo():
        RuleVersion.objects.select_for_update().filter(pk=rule.pk).first()  # one publisher at a time
        for kind in KindGroup.values:
            if not AssessmentSnapshot.objects.filter(month=month, rule_version=rule, kind=kind).exists():
                rows = selectors.compute_month(month=month, kind=kind, rule=rule)
                AssessmentSnapshot.objects.bulk_create(
                    AssessmentSnapshot(
                        month=month,
                        rule_version=rule,
                        unit_id=r.unit_id,
                        kind=kind,
                        received=r.received,
                        callbacks=r.callbacks,
                        responded=r.responded,
                        solved=r.solved,
                        satisfaction_points=r.satisfaction_points,
                        response_rate=r.response_rate,
                        resolution_rate=r.resolution_rate,
                        satisfaction_rate=r.satisfaction_rate,
                        composite=r.composite,
                        overdue=r.overdue,
                        supervised=r.supervised,
                        returns=r.returns,
                        reopens=r.reopens,
                        rank=r.rank,
                        ranked_count=r.ranked_count,
                        composite_change=r.composite_change,
                        rank_change=r.rank_change,
                        ytd_callbacks=r.ytd_callbacks,
                        ytd_response_rate=r.ytd_response_rate,
                        ytd_resolution_rate=r.ytd_resolution_rate,
                        ytd_satisfaction_rate=r.ytd_satisfaction_rate,
                        ytd_composite=r.ytd_composite,
                    )
                    for r in rows
                )
                # Stored live figures of this month (and the year to date of later ones) give way.
                aggregates.forget()
            result[kind] = selectors.monthly_results(month=month, kind=kind, rule_version=rule.version)
        update_watch_list(month=month, rule_version=rule.version)
    return result


def _is_low(row, *, watch) -> bool:
    if row.rank is None:
        return False
    bottom = watch.bottom_n > 0 and row.rank > row.ranked_count - watch.bottom_n
    below = watch.below_score is not None and row.composite < watch.below_score
    return bottom or below


def _low_reason(row, *, watch) -> str:
    parts = []
    if watch.bottom_n > 0 and row.rank > row.ranked_count - watch.bottom_n:
        parts.append(f"排名第{row.rank}/{row.ranked_count}（末{watch.bottom_n}位）")
    if watch.below_score is not None and row.composite < watch.below_score:
        parts.append(f"综合得分{row.composite:.2f}低于{watch.below_score:g}分")
    return "，".join(parts)


def update_watch_list(*, month: dt.date | str, rule_version: str | None = None) -> list[WatchListEntry]:
    """Apply the rule's watch-list thresholds to `month`: a unit low for `enter_months`
    consecutive months (ending with this one) enters; a listed unit not low for `exit_months`
    consecutive months exits. Re-running a month changes nothing. Returns the entries touched."""
    month = parse_month(month)
    rule = selectors.resolve_rule(month=month, rule_version=rule_version)
    watch = rule.parsed().watch
    span = max(watch.enter_months, watch.exit_months)
    months = [month]
    for _ in range(span - 1):
        months.append(previous_month(months[-1]))
    touched = []
    with transaction.atomic():
        for kind in watch.kinds:
            history = {
                m: {r.unit_id: r for r in selectors.month_ranking(month=m, kind=kind, rule_version=rule.version)}
                for m in months
            }
            for unit_id, row in history[month].items():
                open_entry = WatchListEntry.objects.filter(unit_id=unit_id, exited_month__isnull=True).first()
                lows = [
                    m in history and unit_id in history[m] and _is_low(history[m][unit_id], watch=watch) for m in months
                ]
                if open_entry is None:
                    if (
                        all(lows[: watch.enter_months])
                        and not WatchListEntry.objects.filter(unit_id=unit_id, exited_month=month).exists()
                    ):
                        reason = f"连续{watch.enter_months}个月低位：{_low_reason(row, watch=watch)}"
                        touched.append(
                            WatchListEntry.objects.create(
                                unit_id=unit_id, rule_version=rule, entered_month=month, reason=reason[:300]
                            )
                        )
                elif open_entry.entered_month < month and not any(lows[: watch.exit_months]):
                    open_entry.exited_month = month
                    score = "—" if row.composite is None else f"{row.composite:.2f}"
                    open_entry.exit_reason = (
                        f"连续{watch.exit_months}个月脱离低位（本月排名第{row.rank}/{row.ranked_count}，综合得分{score}）"
                    )[:300]
                    open_entry.save(update_fields=["exited_month", "exit_reason"])
                    touched.append(open_entry)
    return touched
