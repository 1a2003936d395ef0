"""Publish (freeze) a month's assessment: snapshots for streets/towns and departments, watch list.
`--closed N` publishes the last N closed months (oldest first, so the watch list's consecutive-month
rules see them in order) — what bin/start does for the demo."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiesu.assessment.rules import parse_month, previous_month
from jiesu.assessment.services import publish_month
from jiesu.common.errors import DomainError


class Command(BaseCommand):
    help = "发布某月考评结果（保存快照并更新治理类名单）；--closed N 发布最近N个已结束的月份"

    def add_arguments(self, parser):
        parser.add_argument("month", nargs="?", help="考评月份 YYYY-MM")
        parser.add_argument("--closed", type=int, default=None, help="发布最近N个已结束的月份（不含本月）")
        parser.add_argument("--rule", default=None, help="规则版本；缺省为该月生效的版本")

    def handle(self, *args, **options):
        if bool(options["month"]) == bool(options["closed"]):
            raise CommandError("请给出一个考评月份，或用 --closed N")
        months = [options["month"]]
        if options["closed"]:
            month = previous_month(parse_month(timezone.localdate()))
            months = [month]
            while len(months) < options["closed"]:
                months.insert(0, previous_month(months[0]))
        for month in months:
            try:
                result = publish_month(month=month, rule_version=options["rule"])
            except DomainError as exc:
                raise CommandError(exc.message) from None
            if options["closed"]:
                ranked = sum(1 for rows in result.values() for r in rows if r.rank is not None)
                self.stdout.write(f"{month:%Y-%m}：已发布，{ranked} 个单位参与排名")
                continue
            for kind, rows in result.items():
                ranked = [r for r in rows if r.rank is not None]
                self.stdout.write(f"{kind}: {len(rows)} 个单位，{len(ranked)} 个参与排名")
                for r in ranked[:3]:
                    self.stdout.write(f"  第{r.rank}名 {r.unit_name} {r.composite:.2f}")
