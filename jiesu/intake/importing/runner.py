"""The import itself, shared by the management command and the admin upload page.

1. check the whole file (encoding, columns, readable dates) — a problem aborts before any write;
2. per batch: convert rows, skip source numbers already loaded (idempotent on external_ref),
   build orders and events in memory, write them in one transaction (jiesu.workorders.bulk);
3. every row that cannot be loaded goes to the reject file with its line number and reason."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError
from django.utils import timezone
from tqdm import tqdm

from jiesu.common.errors import DomainError
from jiesu.intake.importing import reader
from jiesu.intake.importing.convert import Lookups, RowProblem, to_order
from jiesu.intake.importing.mapping import Mapping
from jiesu.intake.models import ImportRun
from jiesu.workorders import bulk
from jiesu.workorders.models import WorkOrder

BATCH_SIZE = 2000
_DATE_SAMPLE = 200


@dataclass
class ImportResult:
    total_rows: int = 0
    created_orders: int = 0
    created_events: int = 0
    skipped_existing: int = 0
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)
    reject_file: Path | None = None
    seconds: float = 0.0

    @property
    def rejected_rows(self) -> int:
        return len(self.rejected)


def _check_dates(path: Path, mapping: Mapping, lookups: Lookups) -> None:
    """A date column no row can be read from is a file problem (wrong format), not N rejects."""
    column = mapping.columns["received_at"]
    seen = readable = 0
    example = ""
    for _number, record in reader.records(path, mapping):
        value = record.get(column, "")
        if value in (None, ""):
            continue
        seen += 1
        try:
            reader.parse_datetime(value, mapping.datetime_formats, lookups.tz)
            readable += 1
        except ValueError:
            example = example or str(value)
        if seen >= _DATE_SAMPLE:
            break
    if seen and not readable:
        raise reader.FileProblem(
            f"“{column}”列的日期格式无法识别（例如“{example}”）。请使用 ISO 8601（2024-03-01 08:30:00），"
            '或在映射 datetime_formats 中写明格式（如 "%Y/%m/%d %H:%M:%S"）。'
        )


def _write(built: list, result: ImportResult) -> None:
    try:
        orders, events = bulk.write_batch(built)
    except IntegrityError:
        # Another import loaded some of these numbers meanwhile: drop them and write the rest.
        refs = [order["external_ref"] for order, _ in built]
        existing = set(WorkOrder.objects.filter(external_ref__in=refs).values_list("external_ref", flat=True))
        remaining = [(o, e) for o, e in built if o["external_ref"] not in existing]
        result.skipped_existing += len(built) - len(remaining)
        orders, events = bulk.write_batch(remaining)
    result.created_orders += orders
    result.created_events += events


def _flush(batch: list[tuple[int, dict]], mapping: Mapping, lookups: Lookups, result: ImportResult, seen: set) -> None:
    ref_column = mapping.columns["external_ref"]
    raw_refs = [str(record.get(ref_column, "")).strip()[:64] for _, record in batch]
    existing = set(WorkOrder.objects.filter(external_ref__in=raw_refs).values_list("external_ref", flat=True))
    converted = []
    for number, record in batch:
        ref = str(record.get(ref_column, "")).strip()[:64]
        if ref in existing and ref not in seen:  # loaded by an earlier run: nothing to convert
            result.skipped_existing += 1
            continue
        try:
            converted.append((number, record, to_order(record, mapping, lookups)))
        except RowProblem as problem:
            result.rejected.append((number, str(problem), record))
    built = []
    for number, record, item in converted:
        if item.external_ref in seen:  # before `existing`: an earlier batch of this file wrote it
            result.rejected.append((number, f"来源工单编号“{item.external_ref}”在文件中重复出现", record))
            continue
        if item.external_ref in existing:
            result.skipped_existing += 1
            continue
        try:
            built.append(bulk.build(item))
        except DomainError as error:
            result.rejected.append((number, error.message, record))
            continue
        seen.add(item.external_ref)
    _write(built, result)


def write_rejects(path: Path, header: list[str], rejected: list[tuple[int, str, dict]]) -> None:
    """UTF-8 with BOM so that Excel opens it correctly; the original columns come after the line
    number and the reason, so a corrected file can be re-imported from it."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["行号", "原因", *header])
        for number, reason, record in sorted(rejected, key=lambda r: r[0]):
            out.writerow([number, reason, *[record.get(column, "") for column in header]])


def run_import(
    *,
    path: Path,
    mapping: Mapping,
    reject_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: bool = False,
    run: ImportRun | None = None,
) -> ImportResult:
    """Import `path`. Raises reader.FileProblem (nothing written) for a malformed file."""
    path = Path(path)
    started = timezone.now()
    header, total = reader.check_file(path, mapping)
    lookups = Lookups()
    _check_dates(path, mapping, lookups)
    result = ImportResult(total_rows=total)
    seen: set[str] = set()
    batch: list[tuple[int, dict]] = []
    bar = tqdm(total=total, unit="行", desc="导入工单", disable=not progress, mininterval=1.0)
    for number, record in reader.records(path, mapping):
        batch.append((number, record))
        if len(batch) >= batch_size:
            _flush(batch, mapping, lookups, result, seen)
            bar.update(len(batch))
            batch = []
            if run is not None:  # alive: the stale-import sweeper leaves this run alone
                ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    if batch:
        _flush(batch, mapping, lookups, result, seen)
        bar.update(len(batch))
    bar.close()
    result.reject_file = reject_path or path.with_name(path.stem + ".rejects.csv")
    if result.rejected:
        write_rejects(result.reject_file, header, result.rejected)
    elif result.reject_file.exists():
        result.reject_file.unlink()  # a stale list from an earlier run would mislead
    result.seconds = (timezone.now() - started).total_seconds()
    if run is not None:
        _record(run, result)
    return result


def _record(run: ImportRun, result: ImportResult) -> None:
    run.total_rows = result.total_rows
    run.created_orders = result.created_orders
    run.created_events = result.created_events
    run.skipped_existing = result.skipped_existing
    run.rejected_rows = result.rejected_rows
    run.reject_file = str(result.reject_file) if result.rejected else ""
    run.finished_at = timezone.now()
    run.save()


def describe(result: ImportResult) -> str:
    rate = result.total_rows / result.seconds if result.seconds else 0.0
    return (
        f"共 {result.total_rows} 行：新建工单 {result.created_orders} 条、事件 {result.created_events} 条，"
        f"已存在跳过 {result.skipped_existing} 行，拒绝 {result.rejected_rows} 行；"
        f"用时 {result.seconds:.1f} 秒（{rate:.0f} 行/秒）"
    )
