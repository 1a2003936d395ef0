from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "jiesu.assessment"
    label = "assessment"
    verbose_name = "考评"
