from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jiesu.indicators"
    label = "indicators"
    verbose_name = "月度点评指标"

    def ready(self) -> None:
        from jiesu.indicators import whistle

        whistle.install()  # 报到率 / 到场率 of 吹哨报到 (used when a catalogue version lists the codes)
