from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "jiesu.insights"
    label = "insights"
    verbose_name = "研判"
