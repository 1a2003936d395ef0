from django.apps import AppConfig


class TimersConfig(AppConfig):
    name = "jiesu.timers"
    label = "timers"
    verbose_name = "定时任务"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its timers in <app>/timers.py (docs/timers.md).
        autodiscover_modules("timers")
