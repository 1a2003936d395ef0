from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "jiesu.intake"
    label = "intake"
    verbose_name = "受理渠道"
