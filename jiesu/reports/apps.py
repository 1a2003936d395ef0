from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jiesu.reports"
    label = "reports"
    verbose_name = "月度点评"
