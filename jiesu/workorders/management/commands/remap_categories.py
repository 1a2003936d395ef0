from django.core.management.base import BaseCommand

from jiesu.workorders.reference import remap_legacy_orders


class Command(BaseCommand):
    help = (
        "把仍用旧分类（TipDM，编码 01–15）的工单改为对应的北京12345分类（对照表 data/taxonomy/tipdm_to_beijing.yaml），"
        "每张工单记一条“更正类别”事件（category_by=migration）；已合并/不合理诉求的工单保持不变。可重复执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计，不修改")

    def handle(self, *args, **opts):
        result = remap_legacy_orders(dry_run=opts["dry_run"])
        verb = "将改为新分类" if opts["dry_run"] else "已改为新分类"
        self.stdout.write(
            f"旧分类工单 {result['legacy']} 张：{verb} {result['remapped']} 张，"
            f"状态不允许更正（已合并/不合理）{result['kept']} 张，无对应新类别 {result['unmapped']} 张"
        )
