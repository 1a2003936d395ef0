from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "jiesu.notify"
    label = "notify"
    verbose_name = "消息"

    def ready(self):
        from jiesu.notify import listeners

        listeners.connect()
