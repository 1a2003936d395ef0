from django.core.management.base import BaseCommand

from jiesu.grids.demo import load_demo_grids


class Command(BaseCommand):
    help = "加载演示网格（推算，非官方边界）：丰台街道社区网格、城管执法54个网格，以及每个网格一名网格员"

    def add_arguments(self, parser):
        parser.add_argument("--no-workers", action="store_true", help="不创建网格员登录")
        parser.add_argument("--if-empty", action="store_true", help="已有网格图层时跳过")

    def handle(self, *args, **opts):
        from jiesu.org.models import GridLayer

        if opts["if_empty"] and GridLayer.objects.exists():
            self.stdout.write("已有网格图层，跳过演示网格")
            return
        result = load_demo_grids(with_workers=not opts["no_workers"])
        self.stdout.write(f"演示网格（推算）：图层 {result.layers} 个，网格 {result.grids} 个")
        for username, grid in result.workers:
            self.stdout.write(f"  网格员登录 {username} / jiesu2026 → {grid}")
