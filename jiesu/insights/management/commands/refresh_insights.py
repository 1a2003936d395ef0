import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from jiesu.insights import services
from jiesu.insights.tablefiles import parse_time

JOBS = {
    "hotspots": services.refresh_hotspots,
    "seasonal": services.refresh_seasonal,
    "forecasts": services.refresh_forecasts,
}


class Command(BaseCommand):
    help = (
        "刷新存储的分析结果（热点与提醒、季节画像与周期性问题、诉求量预测）；页面只读这些结果。定时任务调用同样的函数。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=sorted(JOBS), action="append", help="只刷新其中一项（可重复）")
        parser.add_argument(
            "--now",
            default="",
            help="数据截止时间（ISO）；latest 表示最新一件工单的受理时间（历史演示数据）；默认当前时间",
        )

    def handle(self, *args, **opts):
        now = None
        if opts["now"] == "latest":
            from jiesu.workorders.models import WorkOrder

            latest = WorkOrder.objects.order_by("-received_at").values_list("received_at", flat=True).first()
            if latest is None:
                self.stdout.write("没有工单，无需刷新")
                return
            now = latest + dt.timedelta(seconds=1)
        elif opts["now"]:
            now = parse_time(opts["now"])
            if now is None:
                raise CommandError(f"--now 无法识别为时间：{opts['now']}")
        for name in opts["only"] or list(JOBS):
            run = JOBS[name](now=now)
            self.stdout.write(f"{name}: {run.findings} 条结果，读入 {run.orders} 件工单，用时 {run.seconds:.1f} 秒")
