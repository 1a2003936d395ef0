from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "jiesu.ops"
    label = "ops"
    verbose_name = "运维"
