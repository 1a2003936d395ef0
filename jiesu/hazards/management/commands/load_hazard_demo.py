from django.core.management.base import BaseCommand

from jiesu.hazards.demo import load_hazard_demo


class Command(BaseCommand):
    help = "加载企安安演示数据（演示数据，非真实企业）：数百家企业、近两个月的隐患排查、整改与复查"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="已有企业时跳过")

    def handle(self, *args, **opts):
        from jiesu.hazards.models import Enterprise

        if opts["if_empty"] and Enterprise.objects.exists():
            self.stdout.write("已有企业，跳过企安安演示数据")
            return
        stats = load_hazard_demo()
        self.stdout.write(
            f"企安安演示数据：企业 {stats['enterprises']} 家，排查 {stats['inspections']} 次，"
            f"隐患 {stats['hazards']} 条（未销号 {stats['open']} 条）"
        )
