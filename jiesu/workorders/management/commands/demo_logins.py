import yaml
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "打印演示账号"

    def handle(self, *args, **opts):
        spec = yaml.safe_load((settings.BASE_DIR / "data" / "org" / "demo_users.yaml").read_text(encoding="utf-8"))
        self.stdout.write(f"\n演示账号（密码均为 {spec['password']}）：")
        for row in spec["users"]:
            self.stdout.write(f"  {row['username']:<16} {row['display_name']}")
        self.stdout.write("  h_<单位编码> / l_<单位编码>  各街镇、部门的承办人 / 负责人（如 h_110106001）")
        home = settings.JIESU_PUBLIC_URL.rstrip("/")
        self.stdout.write(f"\n打开 {home}/ （接口文档 /api/docs/，管理后台 /admin/）\n")
