"""Providers for 吹哨报到 (条例第十六、三十三条: the reporting departments are assessed): the month's
报到率 and 到场率 of each called unit, from jiesu.workorders.selectors.whistle_rates. Registered
under the codes `whistle_report_rate` and `whistle_attendance_rate`; a catalogue version that lists
those codes (source: platform) gets its values from here."""

import datetime as dt

from django.utils import timezone

from jiesu.common.months import next_month
from jiesu.indicators.providers import Provided, register
from jiesu.workorders.selectors import whistle_rates

CODES = {"whistle_report_rate": "report_rate", "whistle_attendance_rate": "attendance_rate"}


def _provider(field: str):
    def provide(*, month: dt.date, kind: str, spec) -> dict[int, Provided]:
        start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(next_month(month), dt.time.min))
        out = {}
        for row in whistle_rates(start=start, end=end):
            value = row[field]
            out[row["unit_id"]] = Provided(
                None if value is None else round(value * 100, 1),
                {"called": row["called"], "reported": row["reported"], "attended": row["attended"]},
            )
        return out

    return provide


def install() -> None:
    for code, field in CODES.items():
        register(code, _provider(field))
