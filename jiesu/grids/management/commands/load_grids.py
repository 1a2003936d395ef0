from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common import geo
from jiesu.common.errors import DomainError
from jiesu.grids import services
from jiesu.org.models import GridLayerKind


class Command(BaseCommand):
    help = "从运营方 GeoJSON 导入一个网格图层（属地社区网格或部门专业网格）；任一要素有误则全部不导入"

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON FeatureCollection，每个要素一个网格")
        parser.add_argument("--layer", required=True, help="图层编码，如 CG-ZF")
        parser.add_argument("--layer-name", required=True, help="图层名称，如 城管执法网格")
        parser.add_argument("--owner", required=True, help="图层所属单位编码（街镇或部门）")
        parser.add_argument("--kind", default=GridLayerKind.COMMUNITY, choices=GridLayerKind.values)
        parser.add_argument("--crs", default=geo.GCJ02, choices=list(geo.CRS_CHOICES), help="文件坐标系（默认 gcj02）")
        parser.add_argument("--code-property", default="code")
        parser.add_argument("--name-property", default="name")
        parser.add_argument("--street-property", default="street_code", help="要素中街镇编码属性（部门图层可选）")
        parser.add_argument("--derived", action="store_true", help="标记为推算的演示边界")

    def handle(self, *args, **opts):
        try:
            result = services.load_layer(
                spec=services.read_geojson(Path(opts["file"])),
                layer_code=opts["layer"],
                layer_name=opts["layer_name"],
                owner=opts["owner"],
                kind=opts["kind"],
                crs=opts["crs"],
                is_derived=opts["derived"],
                source=str(opts["file"]),
                code_property=opts["code_property"],
                name_property=opts["name_property"],
                street_property=opts["street_property"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"图层「{result.layer.name}」：新增网格 {result.created} 个，更新 {result.updated} 个")
