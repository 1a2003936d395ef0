"""Load the assessment rule versions from data/assessment/rules-*.yaml (or the files given)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiesu.assessment.services import load_rule_file
from jiesu.common.errors import DomainError


class Command(BaseCommand):
    help = "加载考评规则版本（data/assessment/rules-*.yaml）"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="规则文件；缺省为 data/assessment/rules-*.yaml")

    def handle(self, *args, **options):
        files = [Path(f) for f in options["files"]] or sorted(
            (Path(settings.BASE_DIR) / "data" / "assessment").glob("rules-*.yaml")
        )
        if not files:
            raise CommandError("没有找到考评规则文件")
        for path in files:
            try:
                rule = load_rule_file(path=path)
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"已加载 {rule}")
