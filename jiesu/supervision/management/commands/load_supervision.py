from django.conf import settings
from django.core.management.base import BaseCommand

from jiesu.supervision.demo import load_all
from jiesu.supervision.models import SupervisionItem


class Command(BaseCommand):
    help = "加载督办数据：2024年度目标责任书42项重点任务（seed 003）、向群众报告工作汇总数（seed 001）及演示数据（民生项目池、区领导包片、主动治理）"

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(settings.BASE_DIR / "data" / "supervision"))
        parser.add_argument("--if-empty", action="store_true", help="已有督办事项时跳过")

    def handle(self, *args, **opts):
        if opts["if_empty"] and SupervisionItem.objects.exists():
            self.stdout.write("已有督办事项，跳过")
            return
        from pathlib import Path

        loaded = load_all(data_dir=Path(opts["data_dir"]))
        self.stdout.write(
            f"目标责任书任务 {loaded.tasks} 项，民生项目（演示）{loaded.projects} 项，报告会 {loaded.meetings} 场，"
            f"区领导包片 {loaded.patches} 条，主动治理（演示）{loaded.proactive} 项"
        )
        for note in loaded.skipped:
            self.stdout.write(f"跳过：{note}")
