from django.contrib import admin

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.timers.models import Heartbeat, TimerMark, TimerRun


@admin.register(TimerRun)
class TimerRunAdmin(ReadOnlyAdmin):
    list_display = ("timer", "slot", "status", "attempts", "started_at", "finished_at", "result")
    list_filter = ("timer", "status")
    search_fields = ("timer", "slot")


@admin.register(TimerMark)
class TimerMarkAdmin(ReadOnlyAdmin):
    list_display = ("timer", "subject", "epoch", "stage", "at")
    list_filter = ("timer",)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "at", "host", "pid")
