from django.apps import AppConfig


class WorktimeConfig(AppConfig):
    name = "jiesu.worktime"
    label = "worktime"
    verbose_name = "工作日历"
