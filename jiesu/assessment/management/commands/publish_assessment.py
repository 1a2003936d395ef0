"""Publish (freeze) a month's assessment: snapshots for streets/towns and departments, watch list."""

from django.core.management.base import BaseCommand, CommandError

from jiesu.assessment.services import publish_month
from jiesu.common.errors import DomainError


class Command(BaseCommand):
    help = "发布某月考评结果（保存快照并更新治理类名单）"

    def add_arguments(self, parser):
        parser.add_argument("month", help="考评月份 YYYY-MM")
        parser.add_argument("--rule", default=None, help="规则版本；缺省为该月生效的版本")

    def handle(self, *args, **options):
        try:
            result = publish_month(month=options["month"], rule_version=options["rule"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for kind, rows in result.items():
            ranked = [r for r in rows if r.rank is not None]
            self.stdout.write(f"{kind}: {len(rows)} 个单位，{len(ranked)} 个参与排名")
            for r in ranked[:3]:
                self.stdout.write(f"  第{r.rank}名 {r.unit_name} {r.composite:.2f}")
