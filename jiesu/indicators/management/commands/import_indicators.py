"""Import indicator values from a CSV/XLSX file: columns 指标, 单位, 月份, 数值 [, 来源, 参评数]."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.indicators.services import import_file, record_file_problem


class Command(BaseCommand):
    help = "导入月度点评指标数值（CSV/XLSX：指标、单位、月份、数值，可选 来源、参评数）；无法导入的行写入拒绝清单"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 XLSX 文件")
        parser.add_argument("--source", default="", help="数据来源说明（行内无“来源”列时使用；缺省为文件名）")
        parser.add_argument("--replace", action="store_true", help="允许更正已有的不同数值（原值留存更正记录）")
        parser.add_argument("--rejects", default=None, help="拒绝清单路径；缺省为 <文件名>.rejects.csv")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            outcome = import_file(
                path=path,
                replace=options["replace"],
                source=options["source"],
                reject_path=Path(options["rejects"]) if options["rejects"] else None,
            )
        except DomainError as exc:
            record_file_problem(name=path.name, error=exc.message)
            raise CommandError(exc.message) from None
        self.stdout.write(outcome.describe())
        if outcome.problems:
            self.stdout.write(f"拒绝清单：{outcome.batch.reject_file}")
            for p in outcome.problems[:10]:
                self.stdout.write(f"  第{p.number}行：{p.message}")
            if len(outcome.problems) > 10:
                self.stdout.write(f"  ……共{len(outcome.problems)}行，详见拒绝清单")
