"""python manage.py backup [--out FILE] — see jiesu/ops/backup.py and docs/deploy.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from jiesu.ops import backup


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL: pg_dump；SQLite: 在线备份），并写出核对用的说明文件"

    def add_arguments(self, parser):
        parser.add_argument("--out", help="备份文件路径（缺省 var/backups/jiesu-时间.dump 或 .sqlite3）")

    def handle(self, *args, **opts):
        target = backup.Target.from_settings(connection.settings_dict)
        out = Path(opts["out"]) if opts["out"] else backup.default_path(target.vendor)
        try:
            manifest = backup.backup(out=out)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = manifest["counts"]
        self.stdout.write(
            f"已备份到 {out}（{manifest['size']:,} 字节）：工单 {counts['orders']:,}、事件 {counts['events']:,}、"
            f"消息 {counts['messages']:,}、用户 {counts['users']:,}；说明文件 {out}.json"
        )
