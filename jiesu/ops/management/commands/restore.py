"""python manage.py restore FILE [--database-url URL] [--yes] — see docs/deploy.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from jiesu.ops import backup


class Command(BaseCommand):
    help = "从备份恢复数据库，并核对工单、事件数量与只追加触发器"

    def add_arguments(self, parser):
        parser.add_argument("file", help="manage.py backup 生成的备份文件")
        parser.add_argument("--database-url", help="恢复到另一个数据库（演练用）；缺省为当前配置的数据库")
        parser.add_argument("--yes", action="store_true", help="确认覆盖已有数据的数据库")

    def handle(self, *args, **opts):
        try:
            if opts["database_url"]:
                target = backup.Target.from_url(opts["database_url"])
            else:
                target = backup.Target.from_settings(connection.settings_dict)
                connection.close()  # the restore rewrites what this connection would read
            if backup.target_has_data(target) and not opts["yes"]:
                raise backup.BackupError(
                    f"目标数据库 {target.name} 已有数据；确认覆盖请加 --yes（先停止 Web、Celery 和定时任务进程）"
                )
            found = backup.restore(path=Path(opts["file"]), target=target)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = found["counts"]
        trigger = {True: "，事件表只追加触发器在位", False: "", None: ""}[found["append_only_trigger"]]
        self.stdout.write(
            f"已恢复到 {target.name}：工单 {counts['orders']:,}、事件 {counts['events']:,}、消息 {counts['messages']:,}、"
            f"用户 {counts['users']:,}，与备份一致{trigger}"
        )
