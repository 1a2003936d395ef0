from django.conf import settings
from django.core.management.base import BaseCommand

from jiesu.workorders.diagram import render


class Command(BaseCommand):
    help = "根据状态转换表生成 docs/state_machine.md（Mermaid 状态图）"

    def handle(self, *args, **opts):
        path = settings.BASE_DIR / "docs" / "state_machine.md"
        path.write_text(render(), encoding="utf-8")
        self.stdout.write(f"已生成 {path}")
