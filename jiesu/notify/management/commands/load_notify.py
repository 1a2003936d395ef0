"""python manage.py load_notify — the warning/escalation rules of data/rules/alerts.yaml (a version
already loaded is kept as an admin may have edited it). Message templates need no loading: the
file's text is used until an admin saves their own."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiesu.notify.rules import load_rules


class Command(BaseCommand):
    help = "加载预警与督办规则（data/rules/alerts.yaml）"

    def handle(self, *args, **opts):
        try:
            created = load_rules()
        except ValidationError as exc:
            raise CommandError("预警与督办规则有误：" + "；".join(exc.messages)) from None
        self.stdout.write(f"预警与督办规则：新增 {created} 条")
