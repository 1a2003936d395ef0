"""python manage.py compute_monthly_topic --month 2026-10 [--level 2 --min-volume 10 ...]
python manage.py compute_monthly_topic --last 24   (the last 24 months, this one included; bin/start)"""

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.insights.services import compute_monthly_topic
from jiesu.insights.topic import TopicParams


class Command(BaseCommand):
    help = "计算某月的每月一题（环比增长最多的诉求类别），结果保存为研判结论"

    def add_arguments(self, parser):
        defaults = TopicParams()
        months = parser.add_mutually_exclusive_group(required=True)
        months.add_argument("--month", help="月份，格式 YYYY-MM")
        months.add_argument("--last", type=int, help="最近N个月（含本月），逐月计算")
        parser.add_argument("--level", type=int, default=defaults.level, help="类别层级 1/2/3")
        parser.add_argument("--min-volume", type=int, default=defaults.min_volume, help="本月最小诉求量")
        parser.add_argument("--min-previous", type=int, default=defaults.min_previous, help="计算增幅所需上月最小量")
        parser.add_argument("--top", type=int, default=defaults.top_n, help="每种口径保留的候选数")
        parser.add_argument("--basis", choices=["absolute", "relative"], default=defaults.primary_basis)

    def handle(self, *args, **opts):
        try:
            params = TopicParams(
                level=opts["level"],
                min_volume=opts["min_volume"],
                min_previous=opts["min_previous"],
                top_n=opts["top"],
                primary_basis=opts["basis"],
            )
            if opts["last"]:
                self._last(opts["last"], params)
                return
            rows = compute_monthly_topic(month=opts["month"], params=params)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if not rows:
            self.stdout.write("本月没有达到最小诉求量且环比增长的类别")
        for t in rows:
            rate = "—" if t.growth_rate is None else f"{t.growth_rate:+.1%}"
            self.stdout.write(
                f"{t.get_basis_display()} 第{t.rank}名 {t.category.path}: {t.previous_volume}→{t.volume} "
                f"({t.growth:+d}, {rate}) 牵头 {t.lead_label}"
            )

    def _last(self, count: int, params: TopicParams) -> None:
        from django.utils import timezone

        from jiesu.insights.topic import parse_month, previous_month

        month = parse_month(timezone.localdate())
        months = [month]
        while len(months) < count:
            months.append(previous_month(months[-1]))
        for month in reversed(months):
            rows = compute_monthly_topic(month=month, params=params)
            top = next((t for t in rows if t.rank == 1 and t.basis == params.primary_basis), None)
            self.stdout.write(f"{month:%Y-%m}：{top.category.path if top else '不设每月一题'}")
