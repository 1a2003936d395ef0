from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from jiesu.org.services import load_org
from jiesu.workorders.reference import (
    load_category_tree,
    load_deadline_rules,
    load_responsibility_list,
    load_taxonomy,
)


class Command(BaseCommand):
    help = "加载参考数据：类别体系、单位与权责清单、办理时限规则（可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(settings.BASE_DIR / "data"))

    def handle(self, *args, **opts):
        data = Path(opts["data_dir"])
        categories = load_taxonomy(path=data / "taxonomy" / "label_system.csv")  # the old TipDM scheme
        tree = load_category_tree(
            path=data / "taxonomy" / "beijing12345.yaml", legacy_map=data / "taxonomy" / "tipdm_to_beijing.yaml"
        )
        categories = tree.categories + categories
        org = load_org(data_dir=data / "org")
        responsibility = load_responsibility_list(path=data / "org" / "responsibility.yaml")
        rules = load_deadline_rules(path=data / "rules" / "deadlines.yaml")
        if opts["verbosity"] > 0:
            self.stdout.write(
                f"类别 {categories} 个（北京12345分类 {tree.categories} 个、末级 {tree.leaves} 个，版本 {tree.version}）；单位 {org.units} 个，网格 {org.grids} 个，权责清单 {responsibility} 条；时限规则 {rules} 条"
            )
