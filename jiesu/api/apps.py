from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jiesu.api"
    label = "api"
    verbose_name = "接口"

    def ready(self):
        from jiesu.api import schema  # noqa: F401  (registers the OpenAPI token scheme)
