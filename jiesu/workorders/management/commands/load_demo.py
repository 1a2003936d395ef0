import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiesu.workorders.demo import create_demo_users, load_demo
from jiesu.workorders.models import WorkOrder, WorkOrderEvent


class Command(BaseCommand):
    help = "加载演示数据：演示账号，以及 shared/data 中的真实市民留言（保留原始时间）并走完办理闭环"

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(settings.SHARED_DIR / "data" / "tipdm2020c"))
        parser.add_argument("--if-empty", action="store_true", help="已有工单时跳过")
        parser.add_argument("--replied", type=int, default=None, help="附件4（含答复）导入条数上限")
        parser.add_argument("--labelled", type=int, default=None, help="附件2（含标签）导入条数上限")
        parser.add_argument("--live", type=int, default=150, help="近期待办工单条数")

    def handle(self, *args, **opts):
        create_demo_users(spec_path=settings.BASE_DIR / "data" / "org" / "demo_users.yaml")
        if opts["if_empty"] and WorkOrder.objects.exists():
            self.stdout.write("已有工单，跳过演示数据导入")
            return
        data_dir = Path(opts["data_dir"])
        if not data_dir.exists():
            raise CommandError(f"找不到演示数据目录：{data_dir}（应为 shared/data/tipdm2020c）")
        started = time.perf_counter()
        stats = load_demo(
            data_dir=data_dir, replied_limit=opts["replied"], labelled_limit=opts["labelled"], live_count=opts["live"]
        )
        elapsed = time.perf_counter() - started
        states = "，".join(f"{k} {v}" for k, v in stats.by_state.items())
        self.stdout.write(
            f"演示工单 {stats.orders} 件，事件 {WorkOrderEvent.objects.count()} 条，用时 {elapsed:.1f} 秒（{states}）"
        )
