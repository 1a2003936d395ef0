from django.apps import AppConfig


class WorktimeConfig(AppConfig):
    name = "jiesu.worktime"
    label = "worktime"
    verbose_name = "工作日历"

    def ready(self):
        from jiesu.worktime import checks  # noqa: F401  (registers the calendar horizon check)
