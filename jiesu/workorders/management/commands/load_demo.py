import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiesu.workorders.demo import create_demo_users, load_demo
from jiesu.workorders.demo_recent import load_recent_demo
from jiesu.workorders.models import WorkOrder, WorkOrderEvent


class Command(BaseCommand):
    help = (
        "加载演示数据（演示数据）：演示账号，以及最近24个月、每月约5000件的演示工单（真实诉求文本、丰台社区地点、"
        "退单、延期、督办、提级、吹哨、重办与回访，经批量写入）；--classic 为旧版（原始时间的 TipDM 留言）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="已有工单时跳过")
        parser.add_argument("--months", type=int, default=None, help="月数（缺省见 data/demo/recent.yaml：24）")
        parser.add_argument("--per-month", type=int, default=None, help="每月工单数（缺省 5000，随季节浮动）")
        parser.add_argument("--classic", action="store_true", help="旧版演示：TipDM 留言按原始时间逐件走服务")
        parser.add_argument("--data-dir", default=str(settings.SHARED_DIR / "data" / "tipdm2020c"), help="旧版用")
        parser.add_argument("--replied", type=int, default=None, help="旧版：附件4（含答复）导入条数上限")
        parser.add_argument("--labelled", type=int, default=None, help="旧版：附件2（含标签）导入条数上限")
        parser.add_argument("--live", type=int, default=150, help="旧版：近期待办工单条数")

    def handle(self, *args, **opts):
        create_demo_users(spec_path=settings.BASE_DIR / "data" / "org" / "demo_users.yaml")
        if opts["if_empty"] and WorkOrder.objects.exists():
            self.stdout.write("已有工单，跳过演示数据导入")
            return
        started = time.perf_counter()
        if opts["classic"]:
            self._classic(opts, started)
            return
        shared = Path(settings.SHARED_DIR) / "data"
        for needed in (shared / "haikou12345" / "orders.csv", shared / "tipdm2020c" / "attachment4_replies.csv"):
            if not needed.exists():
                raise CommandError(f"找不到演示数据文件：{needed}（应在 shared/data 下）")

        def progress(month, count):
            if opts["verbosity"] > 1:
                self.stdout.write(f"  {month:%Y-%m}：{count} 件（{time.perf_counter() - started:.0f} 秒）")

        stats = load_recent_demo(shared=shared, months=opts["months"], per_month=opts["per_month"], progress=progress)
        elapsed = time.perf_counter() - started
        first, last = next(iter(stats.by_month)), next(reversed(stats.by_month))
        self.stdout.write(
            f"演示数据：{first}至{last}共{len(stats.by_month)}个月，工单 {stats.orders} 件，事件 {stats.events} 条，"
            f"用时 {elapsed:.1f} 秒"
        )

    def _classic(self, opts, started):
        data_dir = Path(opts["data_dir"])
        if not data_dir.exists():
            raise CommandError(f"找不到演示数据目录：{data_dir}（应为 shared/data/tipdm2020c）")
        stats = load_demo(
            data_dir=data_dir, replied_limit=opts["replied"], labelled_limit=opts["labelled"], live_count=opts["live"]
        )
        elapsed = time.perf_counter() - started
        states = "，".join(f"{k} {v}" for k, v in stats.by_state.items())
        self.stdout.write(
            f"演示工单 {stats.orders} 件，事件 {WorkOrderEvent.objects.count()} 条，用时 {elapsed:.1f} 秒（{states}）"
        )
