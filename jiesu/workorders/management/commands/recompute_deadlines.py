"""`manage.py recompute_deadlines`: deadlines that rested on an estimated calendar, computed again
(the platform does it by itself after a calendar change; this is for an upgraded library)."""

from django.core.management.base import BaseCommand

from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder


class Command(BaseCommand):
    help = "重算依赖推算日历的工单期限（国务院通知录入或日历库升级后），每张变化的工单记一条事件"

    def handle(self, *args, **options):
        waiting = WorkOrder.objects.filter(calendar_estimated=True).count()
        changed = services.recompute_estimated_deadlines()
        left = WorkOrder.objects.filter(calendar_estimated=True).count()
        self.stdout.write(f"标注“日历为推算”的工单 {waiting} 张，期限已重算 {changed} 张，仍为推算 {left} 张")
