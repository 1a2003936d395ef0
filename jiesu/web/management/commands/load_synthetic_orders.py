"""Load many synthetic orders fast (COPY on PostgreSQL, bulk_create elsewhere), for measuring the
list pages. Numbers start with SY so they never mix with real ones; `--delete` removes them.
They bypass the services on purpose (a million service calls would take hours) and carry no
events: they exist to time reads, not to be handled."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from jiesu.org.selectors import local_units
from jiesu.web.synthetic import fake_orders
from jiesu.workorders.models import Category, WorkOrder

PREFIX = "SY"
COLUMNS = [
    "number",
    "channel",
    "title",
    "content",
    "address",
    "lat",
    "lng",
    "received_at",
    "requester_name",
    "requester_phone",
    "urgency",
    "category_id",
    "street_id",
    "state",
    "lead_unit_id",
    "dispatched_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "response_due",
    "handling_due",
    "deadline_rule_version",
    "calendar_estimated",
    "reply",
    "escalation_level",
    "supervision_count",
    "return_count",
    "reopen_count",
    "extension_count",
    "unreasonable_reason",
    "version",
    "created_at",
    "updated_at",
]


def _other_columns() -> list[tuple[str, object]]:
    """Every other NOT NULL column at its model default: COPY fills nothing itself, so a field added
    to WorkOrder later must not break this loader."""
    listed = set(COLUMNS)
    return [
        (f.column, f.get_default())
        for f in WorkOrder._meta.concrete_fields
        if not f.primary_key and not f.null and f.attname not in listed
    ]


class Command(BaseCommand):
    help = "批量载入合成工单（用于列表页性能测试）"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=12345)
        parser.add_argument("--batch", type=int, default=20_000)
        parser.add_argument("--delete", action="store_true", help="删除已载入的合成工单")

    def handle(self, *, count, days, seed, batch, delete, **_options):
        if delete:
            deleted = WorkOrder.objects.filter(number__startswith=PREFIX).delete()[0]
            self.stdout.write(f"已删除 {deleted} 条合成工单")
            return
        categories = list(Category.objects.filter(level=3).values_list("pk", flat=True))
        streets = list(local_units().values_list("pk", flat=True))
        if not categories or not streets:
            raise CommandError("请先运行 load_reference 载入类别和单位")
        start = WorkOrder.objects.filter(number__startswith=PREFIX).count()
        now = timezone.now()
        rows = fake_orders(count=count, now=now, days=days, category_ids=categories, street_ids=streets, seed=seed)
        began = time.perf_counter()
        if connection.vendor == "postgresql":
            self._copy(rows, start=start, now=now)
        else:
            self._bulk(rows, start=start, now=now, batch=batch)
        with connection.cursor() as cursor:  # outside the load's transaction: VACUUM needs that
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                # What autovacuum would do later: statistics for the planner, and the visibility
                # map that lets counts use index-only scans.
                cursor.execute("VACUUM ANALYZE workorders_workorder")
            else:  # SQLite, or called inside a transaction (VACUUM cannot run there)
                cursor.execute("ANALYZE")
        seconds = time.perf_counter() - began
        self.stdout.write(f"已载入 {count} 条合成工单，用时 {seconds:.1f} 秒（{count / seconds:,.0f} 条/秒）")

    @staticmethod
    def _values(row: dict, *, number: str, now: dt.datetime) -> list:
        return [
            number,
            "hotline",
            row["title"],
            row["content"],
            row["address"],
            row["lat"],
            row["lng"],
            row["received_at"],
            "",
            row["requester_phone"],
            row["urgency"],
            row["category_id"],
            row["street_id"],
            row["state"],
            row["lead_unit_id"],
            row["dispatched_at"],
            row["responded_at"],
            row["resolved_at"],
            row["closed_at"],
            row["response_due"],
            row["handling_due"],
            "synthetic",
            False,
            "",
            0,
            0,
            0,
            0,
            0,
            "",
            1,
            now,
            now,
        ]

    def _copy(self, rows, *, start: int, now: dt.datetime) -> None:
        table = WorkOrder._meta.db_table
        others = _other_columns()
        sql = f"COPY {table} ({', '.join([*COLUMNS, *(name for name, _ in others)])}) FROM STDIN"
        defaults = [value for _, value in others]
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    number = f"{PREFIX}{start + row['index'] + 1:09d}"
                    copy.write_row([*self._values(row, number=number, now=now), *defaults])

    def _bulk(self, rows, *, start: int, now: dt.datetime, batch: int) -> None:
        buffer = []
        for row in rows:
            values = dict(
                zip(COLUMNS, self._values(row, number=f"{PREFIX}{start + row['index'] + 1:09d}", now=now), strict=True)
            )
            buffer.append(WorkOrder(**values))
            if len(buffer) >= batch:
                WorkOrder.objects.bulk_create(buffer)
                buffer.clear()
        if buffer:
            WorkOrder.objects.bulk_create(buffer)
