from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "jiesu.assessment"
    label = "assessment"
    verbose_name = "考评"

    def ready(self):
        from jiesu.assessment import signals

        signals.connect()
