from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jiesu.indicators"
    label = "indicators"
    verbose_name = "月度点评指标"
