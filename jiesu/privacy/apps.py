from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "jiesu.privacy"
    verbose_name = "个人信息保护"
