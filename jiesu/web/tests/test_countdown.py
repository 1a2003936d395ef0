import datetime as dt

import pytest
from django.utils import timezone

from jiesu.web.countdown import countdown, working_hours_between

TZ = timezone.get_current_timezone()
pytestmark = pytest.mark.django_db  # the working calendar reads admin overrides


def at(day: int, hour: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def test_working_hours_skip_nights_and_weekends():
    # Friday 2026-11-27 16:00 → Monday 2026-11-30 10:00: 2 h on Friday + 1 h on Monday.
    assert working_hours_between(at(27, 16), at(30, 10)) == 3.0
    assert working_hours_between(at(30, 10), at(27, 16)) == 0.0


def test_levels():
    now = at(24, 10)
    assert countdown(due=at(24, 9), now=now).level == "overdue"
    assert countdown(due=at(24, 20), now=now).level == "soon"
    assert countdown(due=at(30, 18), now=now).level == "ok"
    assert countdown(due=None, now=now).level == "none"
    assert countdown(due=at(24, 9), done=at(24, 8), now=now).text == "按期完成"


def test_texts_in_working_time():
    now = at(24, 10)
    assert countdown(due=at(26, 18), now=now).text == "剩余 2个工作日8小时"
    assert countdown(due=at(26, 23), now=at(24, 18)).text == "剩余 2个工作日"
    assert countdown(due=at(24, 9), now=now).text.startswith("已超期 1小时")
    # Due at night: no office hours left, so the natural time is shown.
    assert countdown(due=at(24, 23), now=at(24, 19)).text == "剩余 4小时0分"
