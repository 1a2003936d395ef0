"""Demo figures (演示数据) for the monthly review's indicators over the last 24 months."""

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.common.months import parse_month
from jiesu.indicators import demo
from jiesu.indicators.models import IndicatorValue, Origin
from jiesu.indicators.services import refresh_platform_values
from jiesu.indicators.standings import month_add


class Command(BaseCommand):
    help = "加载月度点评指标演示数据（演示数据，非真实统计）：先按工单计算平台指标，再补齐其余指标与点评意见"

    def add_arguments(self, parser):
        parser.add_argument("--end", help="最后一个月 YYYY-MM（缺省为上月：点评会回顾的月份）")
        parser.add_argument("--if-empty", action="store_true", help="已有演示数据时跳过")
        parser.add_argument("--skip-platform", action="store_true", help="不先计算平台指标")

    def handle(self, *args, **options):
        if options["if_empty"] and IndicatorValue.objects.filter(origin=Origin.DEMO).exists():
            self.stdout.write("已有点评指标演示数据，跳过")
            return
        try:
            end = parse_month(options["end"]) if options["end"] else None
            months = demo.demo_months(end=end)
            if not options["skip_platform"]:
                for month in months:
                    refresh_platform_values(month=month)
            added = demo.load_demo_values(end=months[-1])
            comments = demo.load_demo_comments(month=month_add(months[-1], -1))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"演示数据：{months[0]:%Y-%m}～{months[-1]:%Y-%m}，{len(added)} 个指标共 {sum(added.values())} 个数值，"
            f"点评意见 {comments} 条"
        )
