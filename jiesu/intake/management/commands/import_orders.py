"""python manage.py import_orders FILE [--mapping m.yaml | --col-FIELD=列名 …] [--const-FIELD=值 …]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.intake.importing.mapping import FIELDS, Mapping, MappingError
from jiesu.intake.importing.reader import FileProblem
from jiesu.intake.importing.runner import BATCH_SIZE, describe, run_import
from jiesu.intake.models import ImportRun


class Command(BaseCommand):
    help = "批量导入历史工单（CSV 或 XLSX），按来源工单编号幂等，无法导入的行写入拒绝清单。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 XLSX 文件")
        parser.add_argument("--mapping", help="列映射 YAML（见 jiesu/intake/mappings/）")
        parser.add_argument("--rejects", help="拒绝清单路径（默认：<文件名>.rejects.csv）")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--encoding", help="CSV 编码（默认 utf-8）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        for name, label in FIELDS.items():
            flag = name.replace("_", "-")
            parser.add_argument(f"--col-{flag}", dest=f"col_{name}", metavar="列名", help=f"{label}所在的列")
            parser.add_argument(f"--const-{flag}", dest=f"const_{name}", metavar="值", help=f"{label}的固定值")

    def handle(self, *args, **options):
        try:
            mapping = self._mapping(options)
        except MappingError as error:
            raise CommandError(str(error)) from None
        run = ImportRun.objects.create(file_name=Path(options["file"]).name)
        try:
            result = run_import(
                path=Path(options["file"]),
                mapping=mapping,
                reject_path=Path(options["rejects"]) if options["rejects"] else None,
                batch_size=options["batch_size"],
                progress=not options["no_progress"],
                run=run,
            )
        except FileProblem as problem:
            run.error = str(problem)
            run.save(update_fields=["error"])
            raise CommandError(f"文件无法导入，未写入任何数据：{problem}") from None
        self.stdout.write(describe(result))
        if result.rejected_rows:
            self.stdout.write(f"拒绝清单：{result.reject_file}")

    def _mapping(self, options) -> Mapping:
        data = {"columns": {}, "constants": {}}
        if options["mapping"]:
            base = Mapping.from_yaml(Path(options["mapping"]))
            data = {
                "columns": dict(base.columns),
                "constants": dict(base.constants),
                "states": {k: v for k, v in base.states.items()},
                "datetime_formats": base.datetime_formats,
                "unreasonable_kinds": base.unreasonable_kinds,
                "encoding": base.encoding,
            }
        for name in FIELDS:
            if options.get(f"col_{name}"):
                data["columns"][name] = options[f"col_{name}"]
            if options.get(f"const_{name}"):
                data["constants"][name] = options[f"const_{name}"]
        if options["encoding"]:
            data["encoding"] = options["encoding"]
        return Mapping.from_dict(data)
