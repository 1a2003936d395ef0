from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from jiesu.org.services import load_org


class Command(BaseCommand):
    help = (
        "加载区、街镇、部门与网格（来自 data/org 的版本化文件，可重复执行；权责清单随类别体系由 load_reference 加载）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(settings.BASE_DIR / "data" / "org"))

    def handle(self, *args, **opts):
        result = load_org(data_dir=Path(opts["data_dir"]))
        self.stdout.write(f"单位 {result.units} 个，网格 {result.grids} 个")
