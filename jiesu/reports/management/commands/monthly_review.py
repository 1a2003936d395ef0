"""python manage.py monthly_review --month 2026-10 [--rule huairou-2021]"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.reports.services import generate_review_pack


class Command(BaseCommand):
    help = "生成某月的月度工作点评材料（HTML、PDF、Excel）"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="月份，格式 YYYY-MM")
        parser.add_argument("--rule", default=None, help="考评规则版本；缺省为该月生效的版本")

    def handle(self, *args, **opts):
        try:
            pack = generate_review_pack(month=opts["month"], rule_version=opts["rule"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        root = Path(settings.MEDIA_ROOT)
        self.stdout.write(
            f"已生成 {pack.month:%Y年%m月} 月度工作点评（规则 {pack.rule_version}，PDF {pack.pdf_pages} 页）："
        )
        for fmt in ("html", "pdf", "xlsx"):
            self.stdout.write(f"  {fmt.upper():4} {root / pack.file_path(fmt)}")
