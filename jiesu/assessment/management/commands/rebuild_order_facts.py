"""Fold the whole work-order event log again into the monthly facts table (after a bulk load that
bypassed the services, or to check the projection against the log)."""

import time

from django.core.management.base import BaseCommand

from jiesu.assessment import facts


class Command(BaseCommand):
    help = "由工单事件日志重建考评用的工单月度事实表"

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=1_000_000, help="每条语句处理的工单数")

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(done, total, written):
            self.stdout.write(f"  工单 {done:,}/{total:,}，已写 {written:,} 行（{time.perf_counter() - started:.0f} 秒）")

        written = facts.rebuild(chunk=options["chunk"], progress=progress if options["verbosity"] > 1 else None)
        self.stdout.write(f"已重建工单月度事实 {written:,} 行，用时 {time.perf_counter() - started:.1f} 秒")
