"""Load the indicator catalogue versions from data/indicators/catalogue-*.yaml (or the files given)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.indicators.services import load_catalogue_file


class Command(BaseCommand):
    help = "加载月度点评指标体系版本（data/indicators/catalogue-*.yaml）"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="指标体系文件；缺省为 data/indicators/catalogue-*.yaml")

    def handle(self, *args, **options):
        files = [Path(f) for f in options["files"]] or sorted(
            (Path(settings.BASE_DIR) / "data" / "indicators").glob("catalogue-*.yaml")
        )
        if not files:
            raise CommandError("没有找到指标体系文件")
        for path in files:
            try:
                row = load_catalogue_file(path=path)
            except DomainError as exc:
                raise CommandError(exc.message) from None
            if options["verbosity"] >= 1:
                self.stdout.write(f"已加载 {row}（{len(row.parsed().indicators)} 个指标）")
