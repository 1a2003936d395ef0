"""Fold the whole work-order event log again into the monthly facts table (after a bulk load that
bypassed the services), or only check that the kept rows match the log (`--check`)."""

import time

from django.core.management.base import BaseCommand, CommandError

from jiesu.assessment import facts


class Command(BaseCommand):
    help = "由工单事件日志重建（或用 --check 只核对）考评用的工单月度事实表"

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=1_000_000, help="每条语句处理的工单数")
        parser.add_argument("--check", action="store_true", help="只核对，不改动：与事件日志不一致时以非零状态退出")

    def handle(self, *args, **options):
        if options["chunk"] < 1:
            raise CommandError("--chunk 须为正整数（每条语句处理的工单数）")
        started = time.perf_counter()
        if options["check"]:
            stale, missing = facts.check(chunk=options["chunk"])
            if stale or missing:
                raise CommandError(
                    f"工单月度事实与事件日志不一致：多出或过时 {stale:,} 行，缺少或应更新 {missing:,} 行；"
                    "请运行 rebuild_order_facts 重建"
                )
            self.stdout.write(f"工单月度事实与事件日志一致（核对用时 {time.perf_counter() - started:.1f} 秒）")
            return

        def progress(done, total, written):
            self.stdout.write(f"  工单 {done:,}/{total:,}，已写 {written:,} 行（{time.perf_counter() - started:.0f} 秒）")

        written = facts.rebuild(chunk=options["chunk"], progress=progress if options["verbosity"] > 1 else None)
        self.stdout.write(f"已重建工单月度事实 {written:,} 行，用时 {time.perf_counter() - started:.1f} 秒")
