from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common import geo
from jiesu.common.errors import DomainError
from jiesu.dispatch.services import load_boundaries


class Command(BaseCommand):
    help = "加载运营方提供的 GeoJSON 边界（街镇/社区/网格），转换为 WGS-84 后存入 boundary 字段，供坐标定位使用"

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件（FeatureCollection 或单个 Feature）")
        parser.add_argument("--level", required=True, choices=["street", "community", "grid"], help="边界层级")
        parser.add_argument("--crs", default=geo.GCJ02, choices=list(geo.CRS_CHOICES),
                            help="文件坐标系：国内地图（高德、腾讯）导出的一般为 gcj02（默认）")
        parser.add_argument("--name-property", default="name", help="要素中名称属性名（默认 name）")
        parser.add_argument("--code-property", default="code", help="要素中编码属性名（默认 code）")

    def handle(self, *args, **opts):
        try:
            result = load_boundaries(
                path=Path(opts["file"]), level=opts["level"], crs=opts["crs"],
                name_property=opts["name_property"], code_property=opts["code_property"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已加载边界 {result.loaded} 个")
        if result.unmatched:
            self.stdout.write(self.style.WARNING(f"未匹配到对象的要素 {len(result.unmatched)} 个：{'、'.join(result.unmatched[:20])}"))
