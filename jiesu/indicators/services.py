"""Writes of the indicators app: catalogue versions, indicator values (imported, pushed, computed by
the platform, demo), the leader's comments and their follow-up."""

import contextlib
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiesu.assessment import engine
from jiesu.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from jiesu.common.months import parse_month
from jiesu.indicators import followup, importing, providers, selectors
from jiesu.indicators.catalogue import parse_catalogue
from jiesu.indicators.models import (
    CatalogueVersion,
    ImportBatch,
    IndicatorValue,
    Origin,
    ReviewComment,
    ValueRevision,
)
from jiesu.indicators.validation import KIND_UNITS, Checker, CleanRow, Problem, RawRow
from jiesu.org.models import Role, Unit

_EPS = 1e-9
BATCH = 2000


# ---------------------------------------------------------------- catalogue versions


def save_catalogue_version(
    *, version: str, name: str, effective_from: dt.date | str, document: dict, source: str = ""
) -> CatalogueVersion:
    """Create or update a catalogue version after validating its document."""
    version = (version or "").strip()
    if not version or len(version) > 32:
        raise InvalidInput("指标体系版本号须为1至32个字符", code="invalid_catalogue")
    month = parse_month(effective_from if isinstance(effective_from, dt.date) else str(effective_from)[:7])
    parse_catalogue(version=version, effective_from=month, doc=document)
    row, _ = CatalogueVersion.objects.update_or_create(
        version=version,
        defaults={"name": name or version, "effective_from": month, "document": document, "source": source[:300]},
    )
    return row


def load_catalogue_file(*, path: Path) -> CatalogueVersion:
    """Load one data/indicators/catalogue-*.yaml (version, name, effective_from, source, catalogue)."""
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"无法读取指标体系文件 {Path(path).name}：{exc}", code="invalid_catalogue") from None
    if not isinstance(spec, dict) or not {"version", "effective_from", "catalogue"} <= set(spec):
        raise InvalidInput(
            f"指标体系文件 {Path(path).name} 须包含 version、effective_from、catalogue", code="invalid_catalogue"
        )
    return save_catalogue_version(
        version=str(spec["version"]),
        name=str(spec.get("name", "")),
        effective_from=str(spec["effective_from"]),
        document=spec["catalogue"] or {},
        source=str(spec.get("source", "")),
    )


# ---------------------------------------------------------------- values


@dataclass
class ImportOutcome:
    batch: ImportBatch
    problems: list[Problem] = field(default_factory=list)
    merged: int = 0  # identical duplicate rows written once

    def describe(self) -> str:
        b = self.batch
        text = (
            f"共{b.total_rows}行：新增{b.created}条，更正{b.replaced}条，已有相同数值{b.unchanged}条，"
            f"拒绝{b.rejected}行"
        )
        if self.merged:
            text += f"，文件内重复（数值相同）{self.merged}行只计一次"
        return text + f"；用时{b.seconds:.2f}秒。"


def _checker() -> Checker:
    return Checker(catalogue_for=selectors.catalogue_for, has_provider=selectors.has_provider)


def _plan(clean: list[CleanRow], *, replace: bool):
    """(creates, updates [(pk, row, old value, old source)], unchanged, problems) against the stored values."""
    if not clean:
        return [], [], 0, []
    months = {r.month for r in clean}
    existing = {
        (code, unit_id, month): (pk, value, origin, source, participants)
        for pk, code, unit_id, month, value, origin, source, participants in IndicatorValue.objects.filter(
            indicator__in={r.spec.code for r in clean},
            month__gte=min(months),
            month__lte=max(months),
            unit_id__in={r.unit_id for r in clean},
        ).values_list("pk", "indicator", "unit_id", "month", "value", "origin", "source", "participants")
    }
    creates, updates, problems = [], [], []
    unchanged = 0
    for row in clean:
        found = existing.get(row.key)
        if found is None:
            creates.append(row)
            continue
        pk, value, origin, source, participants = found
        if value is not None and abs(value - row.value) <= _EPS and participants == row.participants:
            unchanged += 1
        elif replace or origin == Origin.DEMO:  # demo figures are not data: a real one replaces them
            updates.append((pk, row, value, source))
        else:
            shown = row.spec.shown(value)
            problems.append(
                Problem(
                    row.number,
                    "value_exists",
                    f"{row.spec.name} {row.month:%Y-%m} 已有数值 {shown}（来源：{source or '未注明'}），"
                    f"与本行 {row.spec.shown(row.value)} 不同；如为更正，请选择“允许更正已有数值”（命令加 --replace）",
                )
            )
    return creates, updates, unchanged, problems


def _write(*, creates, updates, batch: ImportBatch, origin: str) -> None:
    """Insert the new values; a corrected one is replaced (its row deleted and written again —
    nothing refers to a value's id, and this is one statement per chunk where bulk_update's CASE
    per row took 30 s for 8,000 rows on SQLite) after its old value is kept as a revision."""
    if updates:
        ValueRevision.objects.bulk_create(
            [
                ValueRevision(
                    indicator=r.spec.code,
                    unit_id=r.unit_id,
                    month=r.month,
                    old_value=old,
                    new_value=r.value,
                    old_source=source,
                    batch=batch,
                )
                for _pk, r, old, source in updates
            ],  # fmt: skip
            batch_size=BATCH,
        )
        pks = [pk for pk, *_ in updates]
        for start in range(0, len(pks), BATCH):
            IndicatorValue.objects.filter(pk__in=pks[start : start + BATCH]).delete()
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(
                indicator=r.spec.code,
                unit_id=r.unit_id,
                month=r.month,
                value=r.value,
                participants=r.participants,
                origin=origin,
                source=r.source,
                batch=batch,
            )
            for r in [*creates, *(row for _pk, row, _old, _source in updates)]
        ],
        batch_size=BATCH,
    )


def import_rows(
    *,
    rows: list[RawRow],
    origin: str,
    source: str,
    user=None,
    replace: bool = False,
    file_name: str = "",
    all_or_nothing: bool = False,
) -> ImportOutcome:
    """Validate and write rows. Files write every good row and list the rest (all_or_nothing=False);
    the API writes all or nothing. Nothing is written twice: a value already stored is left alone
    (counted as unchanged), a different one needs `replace` (the old value is kept as a revision)."""
    started = time.perf_counter()
    checker = _checker()
    clean, problems, merged = checker.check(rows, default_source=source or file_name)
    batch = ImportBatch(
        origin=origin, file_name=file_name[:200], source=source[:200], started_by=user, replace=replace,
        total_rows=len(rows),
    )  # fmt: skip
    try:
        with transaction.atomic():
            creates, updates, unchanged, refused = _plan(clean, replace=replace)
            problems = sorted(problems + refused, key=lambda p: p.number)
            if all_or_nothing and problems:
                raise _Refused()
            batch.created, batch.replaced, batch.unchanged = len(creates), len(updates), unchanged
            batch.rejected = len(problems)
            batch.save()
            _write(creates=creates, updates=updates, batch=batch, origin=origin)
            batch.seconds = round(time.perf_counter() - started, 3)
            batch.save(update_fields=["seconds"])
    except _Refused:
        first = "；".join(f"第{p.number}条：{p.message}" for p in problems[:3])
        more = f"（共{len(problems)}条有误）" if len(problems) > 3 else ""
        raise InvalidInput(
            f"数值有误，未写入任何数据：{first}{more}",
            code="invalid_values",
            details={"rows": [{"index": p.number, "code": p.code, "message": p.message} for p in problems]},
        ) from None
    except IntegrityError:
        raise Conflict(
            "其他导入同时写入了相同的指标数值，本次未写入任何数据，请重新导入", code="import_conflict"
        ) from None
    return ImportOutcome(batch=batch, problems=problems, merged=merged)


class _Refused(Exception):
    pass


def import_file(
    *, path: Path, user=None, replace: bool = False, source: str = "", reject_path: Path | None = None,
    origin: str = Origin.IMPORT, display_name: str | None = None,
) -> ImportOutcome:  # fmt: skip
    """Import a CSV/XLSX file; rows that cannot be imported go to the reject file (default:
    `<file>.rejects.csv` beside it). A problem with the whole file raises InvalidInput, writes nothing."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件 {path.name}：{exc.strerror}", code="bad_file") from None
    name = display_name or path.name
    rows = importing.read_rows(name=path.name, content=content)
    outcome = import_rows(rows=rows, origin=origin, source=source, user=user, replace=replace, file_name=name)
    if outcome.problems:
        target = reject_path or path.with_name(f"{path.stem}.rejects.csv")
        target.write_bytes(importing.reject_csv(outcome.problems, importing.header_of(rows)))
        outcome.batch.reject_file = str(target)
        outcome.batch.save(update_fields=["reject_file"])
    return outcome


def record_file_problem(*, name: str, error: str, user=None) -> ImportBatch:
    """A refused file is recorded too (nothing written)."""
    return ImportBatch.objects.create(origin=Origin.IMPORT, file_name=name[:200], started_by=user, error=error[:500])


def can_push(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.role == Role.ADMIN or user.is_superuser or user.has_perm("indicators.push_indicatorvalue"))
    )


def push_values(*, items: list[dict], user, source: str, replace: bool = False) -> ImportBatch:
    """A system pushes values (API): all are written or none, with every problem listed."""
    if not can_push(user):
        raise Forbidden("无权推送点评指标数值（需系统管理员或“可通过接口推送点评指标数值”权限）", code="forbidden")
    source = (source or "").strip()
    if not source:
        raise InvalidInput("请说明数据来源（source），如“区城管委拆违系统”", code="missing_source")
    if not items:
        raise InvalidInput("没有要写入的数值（values 为空）", code="empty_values")
    if len(items) > 50000:
        raise InvalidInput("一次最多推送50000条数值", code="too_many_values")
    rows = [
        RawRow(
            number=n,
            indicator=item.get("indicator"),
            unit=item.get("unit"),
            month=item.get("month"),
            value=item.get("value"),
            source=item.get("source") or "",
            participants=item.get("participants"),
        )
        for n, item in enumerate(items, start=1)
    ]
    return import_rows(
        rows=rows, origin=Origin.API, source=source, user=user, replace=replace, file_name=source,
        all_or_nothing=True,
    ).batch  # fmt: skip


# ---------------------------------------------------------------- platform values


def refresh_platform_values(*, month: dt.date | str, version: str | None = None) -> dict[str, int]:
    """Compute every platform indicator that has a provider for `month` (both unit kinds) and store
    the values (origin platform); a unit the provider no longer gives a value loses its old one.
    Returns {indicator code: values stored}."""
    month = parse_month(month)
    catalogue = selectors.catalogue_for(month, version)
    stored: dict[str, int] = {}
    with engine.memo(), _dimension_memo():
        for kind in ("street", "department"):
            unit_ids = list(Unit.objects.filter(kind__in=KIND_UNITS[kind]).values_list("pk", flat=True))
            for spec in catalogue.for_kind(kind):
                result = providers.compute(spec=spec, month=month, kind=kind)
                if result is None:
                    continue
                with transaction.atomic():
                    stored[spec.code] = stored.get(spec.code, 0) + _store_platform(spec, month, unit_ids, result)
    return stored


def ensure_platform_values(*, month: dt.date | str) -> dict[str, int]:
    """Before a review pack: recompute the month, and compute the earlier months of its year (and
    the month before) that have no platform value yet — the year so far and "累计N次前列" read them.
    Does nothing when no catalogue is loaded."""
    from jiesu.indicators.standings import month_add

    month = parse_month(month)
    try:
        stored = refresh_platform_values(month=month)
    except NotFound:
        return {}
    earlier = month_add(month, -1)
    while earlier >= min(dt.date(month.year, 1, 1), month_add(month, -1)):
        if not IndicatorValue.objects.filter(month=earlier, origin=Origin.PLATFORM).exists():
            refresh_platform_values(month=earlier)
        earlier = month_add(earlier, -1)
    return stored


@contextlib.contextmanager
def _dimension_memo():
    from jiesu.indicators import dimensions

    with dimensions.memo():
        yield


def _store_platform(spec, month: dt.date, unit_ids: list[int], result: dict) -> int:
    existing = {
        unit_id: (pk, value, origin, source)
        for pk, unit_id, value, origin, source in IndicatorValue.objects.filter(
            indicator=spec.code, month=month, unit_id__in=unit_ids
        ).values_list("pk", "unit_id", "value", "origin", "source")
    }
    now = timezone.now()
    creates, updates, revisions = [], [], []
    label = spec.provider or "平台计算"
    for unit_id, provided in result.items():
        if unit_id not in unit_ids:
            continue
        found = existing.pop(unit_id, None)
        if found is None:
            creates.append(
                IndicatorValue(
                    indicator=spec.code, unit_id=unit_id, month=month, value=provided.value,
                    origin=Origin.PLATFORM, source=label, detail=provided.detail,
                )
            )  # fmt: skip
            continue
        pk, value, origin, source = found
        if origin == Origin.DEMO and provided.value is None:
            continue  # the platform has no figure here: the demo one keeps filling the gap
        if origin != Origin.PLATFORM and origin != Origin.DEMO:
            revisions.append(
                ValueRevision(
                    indicator=spec.code, unit_id=unit_id, month=month, old_value=value, new_value=provided.value,
                    old_source=source,
                )
            )  # fmt: skip
        updates.append(
            IndicatorValue(
                pk=pk, value=provided.value, origin=Origin.PLATFORM, source=label, detail=provided.detail,
                updated_at=now, batch=None,
            )
        )  # fmt: skip
    IndicatorValue.objects.bulk_create(creates, batch_size=BATCH)
    IndicatorValue.objects.bulk_update(updates, ["value", "origin", "source", "detail", "updated_at", "batch"])
    ValueRevision.objects.bulk_create(revisions)
    stale = [pk for pk, _value, origin, _source in existing.values() if origin == Origin.PLATFORM]
    IndicatorValue.objects.filter(pk__in=stale).delete()
    return len(creates) + len(updates)


# ---------------------------------------------------------------- comments and follow-up

COMMENT_ROLES = (Role.DISTRICT_LEADER, Role.ADMIN)


def default_due(*, catalogue_days: int, now: dt.datetime | None = None) -> dt.date:
    """`catalogue_days` working days after the meeting (jiesu.worktime)."""
    from jiesu.worktime.services import add_working_days

    return timezone.localtime(add_working_days(now or timezone.now(), days=catalogue_days)).date()


def record_comment(
    *,
    month: dt.date | str,
    unit: Unit,
    text: str,
    requirement: str,
    user,
    speaker: str = "",
    due: dt.date | None = None,
    is_demo: bool = False,
) -> ReviewComment:
    """Record what the leader said about `unit` at the meeting on `month` and open its follow-up
    item (the configured backend: local today, 督办 when wired) — both in one transaction."""
    if user is not None and not is_demo and user.role not in COMMENT_ROLES and not user.is_superuser:
        raise Forbidden("只有区领导或系统管理员可以记录点评意见", code="forbidden")
    month = parse_month(month)
    today = timezone.localdate()
    if month > today.replace(day=1):
        raise InvalidInput(f"点评月份 {month:%Y-%m} 在未来", code="future_month")
    if not any(unit.kind in kinds for k, kinds in KIND_UNITS.items() if k != "district"):
        raise InvalidInput(f"{unit.name}不参与点评", code="bad_unit")
    text, requirement, speaker = (text or "").strip(), (requirement or "").strip(), (speaker or "").strip()
    if not text:
        raise InvalidInput("请填写点评意见", code="empty_comment")
    if len(text) > 2000:
        raise InvalidInput("点评意见不能超过2000字", code="comment_too_long")
    if not requirement:
        raise InvalidInput("请填写整改要求（将作为跟进事项的标题）", code="empty_requirement")
    if len(requirement) > 300:
        raise InvalidInput("整改要求不能超过300字", code="requirement_too_long")
    if len(speaker) > 60:
        raise InvalidInput("点评领导不能超过60字", code="speaker_too_long")
    if due is None:
        due = default_due(catalogue_days=selectors.catalogue_for(month).follow_up_workdays)
    if due < today and not is_demo:
        raise InvalidInput(f"完成期限 {due:%Y-%m-%d} 早于今天", code="due_in_past")
    backend = followup.follow_ups()
    with transaction.atomic():
        comment = ReviewComment.objects.create(
            month=month, unit=unit, text=text, requirement=requirement, speaker=speaker, due=due,
            follow_up_backend=backend.name, follow_up_ref="", recorded_by=user, is_demo=is_demo,
        )  # fmt: skip
        ref = backend.create_follow_up(
            title=requirement,
            detail=f"{month.year}年{month.month}月工作点评会点评意见：{text}",
            unit=unit,
            due=due,
            created_by=user,
            source_ref=f"点评意见#{comment.pk}",
        )
        comment.follow_up_ref = ref.id
        comment.save(update_fields=["follow_up_ref"])
    return comment


def may_report(user, *, unit_id: int) -> bool:
    """The district (leader, admin) or the commented unit's own people report on its follow-up."""
    if user.role in COMMENT_ROLES or user.is_superuser:
        return True
    return user.role in (Role.UNIT_LEADER, Role.HANDLER) and user.unit_id == unit_id


def report_follow_up(*, comment_id: int, text: str, done: bool, user):
    """The unit (or the district) reports progress on a comment's follow-up; `done` closes it."""
    comment = ReviewComment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("点评意见不存在", code="comment_not_found")
    if not may_report(user, unit_id=comment.unit_id):
        raise Forbidden("只有被点评单位或区领导、系统管理员可以报告落实情况", code="forbidden")
    return followup.backend_named(comment.follow_up_backend).report_progress(
        ref=comment.follow_up_ref, text=text, done=done, user=user
    )


def reject_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "indicator_imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
