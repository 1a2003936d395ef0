from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "jiesu.dispatch"
    label = "dispatch"
    verbose_name = "智能派单"

    def ready(self):
        from jiesu.dispatch import locator, signals
        from jiesu.workorders import services

        signals.connect()
        services.register_property_matcher(locator.match_project)
