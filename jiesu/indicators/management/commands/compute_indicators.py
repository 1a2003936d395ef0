"""Compute the platform's indicators (三率, composite, 七有/五性, 每月一题 progress, and every provider
plugged in) for a month or a run of months and store them."""

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.common.months import next_month, parse_month
from jiesu.indicators.services import refresh_platform_values


class Command(BaseCommand):
    help = "计算平台指标（三率、综合成绩、七有/五性成绩、每月一题进展等）并保存：--month YYYY-MM 或 --from/--to"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="月份 YYYY-MM")
        parser.add_argument("--from", dest="start", help="起始月份 YYYY-MM")
        parser.add_argument("--to", dest="end", help="结束月份 YYYY-MM（含）")

    def handle(self, *args, **options):
        try:
            if options["month"]:
                months = [parse_month(options["month"])]
            elif options["start"] and options["end"]:
                start, end = parse_month(options["start"]), parse_month(options["end"])
                if end < start:
                    raise CommandError("结束月份早于起始月份")
                months = [start]
                while months[-1] < end:
                    months.append(next_month(months[-1]))
            else:
                raise CommandError("请给出 --month，或同时给出 --from 与 --to")
            for month in months:
                stored = refresh_platform_values(month=month)
                total = sum(stored.values())
                self.stdout.write(f"{month:%Y-%m}：{len(stored)} 个平台指标，{total} 个数值")
        except DomainError as exc:
            raise CommandError(exc.message) from None
