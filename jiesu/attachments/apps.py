from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "jiesu.attachments"
    label = "attachments"
    verbose_name = "附件"
