from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jiesu.reports"
    label = "reports"
    verbose_name = "月度点评"

    def ready(self):
        from jiesu.reports import stored

        stored.connect()  # in-place edits move the stored review's key (jiesu.reports.stored)
