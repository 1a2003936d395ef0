import csv
from pathlib import Path

from django.core.management.base import BaseCommand

from jiesu.dispatch.models import Correction
from jiesu.dispatch.services import retrain_routing_memory
from jiesu.workorders.models import WorkOrder


class Command(BaseCommand):
    help = "从退单、改派、争议裁定（及无纠正办结的工单）重新训练派单经验；可导出纠正后的类别标签供分类模型使用"

    def add_arguments(self, parser):
        parser.add_argument("--no-resolved", action="store_true", help="只用纠正记录，不计入无纠正办结的工单")
        parser.add_argument("--export-labels", metavar="FILE",
                            help="把有纠正记录的工单导出为 CSV（title,content,label=一级类别），"
                                 "可用 evaluate_dispatch 检验分类模型或并入训练数据")

    def handle(self, *args, **opts):
        result = retrain_routing_memory(include_resolved=not opts["no_resolved"])
        self.stdout.write(
            f"派单经验 {result.version}：纠正工单 {result.corrections} 件，无纠正办结 {result.confirmations} 件，"
            f"经验条目 {result.rows} 条"
        )
        if opts["export_labels"]:
            n = self._export(Path(opts["export_labels"]))
            self.stdout.write(f"已导出 {n} 条纠正后类别标签到 {opts['export_labels']}")

    def _export(self, path: Path) -> int:
        ids = Correction.objects.values("order_id")
        orders = WorkOrder.objects.filter(pk__in=ids, category__isnull=False).select_related("category")
        n = 0
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["title", "content", "label"])
            for order in orders.iterator():
                writer.writerow([order.title, order.content, order.category.path.split("/")[0]])
                n += 1
        return n
