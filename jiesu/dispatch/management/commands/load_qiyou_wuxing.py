from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.dispatch.classifier.dimensions import apply_dimensions, default_path, load_table


class Command(BaseCommand):
    help = "按 data/taxonomy/qiyou_wuxing.yaml 为诉求类别填写七有/五性维度（可重复执行；先运行 load_reference）"

    def add_arguments(self, parser):
        parser.add_argument("--table", default=str(default_path()))

    def handle(self, *args, **opts):
        try:
            table = load_table(Path(opts["table"]))
            result = apply_dimensions(table=table)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"七有/五性对照表 {table.version}：类别 {result['categories']} 个，更新 {result['changed']} 个，"
            f"其中 {result['with_qiyou']} 个属于七有维度"
        )
