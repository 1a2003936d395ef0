from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "jiesu.health"
    label = "health"
    verbose_name = "运行状况"
