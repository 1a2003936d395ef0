from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "jiesu.dispatch"
    label = "dispatch"
    verbose_name = "智能派单"

    def ready(self):
        from jiesu.dispatch import signals

        signals.connect()
