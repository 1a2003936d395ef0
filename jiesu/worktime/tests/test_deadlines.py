"""Deadline arithmetic across real holidays, expected values computed by hand from the State
Council notices (2024: 国办发明电〔2023〕7号; 2025: 国办发明电〔2024〕12号)."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.worktime import calendar
from jiesu.worktime.services import add_limit, add_working_days, add_working_hours, enter_year, set_calendar_day

TZ = timezone.get_fixed_timezone(8 * 60)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=TZ)


@pytest.fixture(autouse=True)
def fresh_calendar(db):
    calendar.invalidate()
    yield
    calendar.invalidate()


def test_national_day_2024_skips_the_holiday_and_counts_the_makeup_saturday():
    # Mon 30 Sep; 1–7 Oct off; Sat 12 Oct is a make-up workday.
    # Day 1 = Tue 8 Oct … day 4 = Fri 11, day 5 = Sat 12 (调休), day 6 = Mon 14, day 7 = Tue 15.
    assert add_working_days(at(2024, 9, 30, 10, 0), days=7) == end_of(dt.date(2024, 10, 15))
    assert add_working_days(at(2024, 9, 30, 10, 0), days=5) == end_of(dt.date(2024, 10, 12))


def test_makeup_sunday_before_national_day_counts():
    # Sun 29 Sep 2024 is a make-up workday: from Fri 27 Sep, day 1 is Sun 29, day 2 Mon 30.
    assert add_working_days(at(2024, 9, 27, 16, 0), days=2) == end_of(dt.date(2024, 9, 30))
    assert add_working_days(at(2024, 9, 27, 16, 0), days=3) == end_of(dt.date(2024, 10, 8))


def test_spring_festival_2025_with_makeup_saturday():
    # Jan 28 – Feb 4 off; Sun 26 Jan and Sat 8 Feb are make-up workdays.
    assert add_working_days(at(2025, 1, 27, 9, 0), days=3) == end_of(dt.date(2025, 2, 7))
    assert add_working_days(at(2025, 1, 27, 9, 0), days=4) == end_of(dt.date(2025, 2, 8))
    assert add_working_days(at(2025, 1, 27, 9, 0), days=5) == end_of(dt.date(2025, 2, 10))


def test_start_on_a_holiday_counts_from_the_next_workday():
    assert add_working_days(at(2024, 10, 3, 12, 0), days=1) == end_of(dt.date(2024, 10, 8))


def test_working_hours_use_the_office_window_and_makeup_days(settings):
    settings.JIESU_OFFICE_HOURS = (9, 18)
    # Fri 11 Oct 2024 17:00 + 3 h: 1 h on Friday, then Sat 12 Oct (调休) from 09:00 → 11:00.
    assert add_working_hours(at(2024, 10, 11, 17, 0), hours=3) == at(2024, 10, 12, 11, 0)
    # Starting inside the National Day holiday: the clock starts Tue 8 Oct 09:00.
    assert add_working_hours(at(2024, 10, 2, 10, 0), hours=2) == at(2024, 10, 8, 11, 0)


def test_natural_hours_ignore_holidays():
    assert add_limit(at(2024, 10, 1, 8, 0), amount=24, unit="hours") == at(2024, 10, 2, 8, 0)


def test_a_year_no_source_knows_is_estimated_until_an_admin_enters_it():
    # 2027 is beyond chinesecalendar 1.11.0 and holidays' official tables: weekends and the
    # statutory holidays, no make-up workdays.
    assert calendar.day_info(dt.date(2027, 1, 1)).source == calendar.ESTIMATED
    assert not calendar.is_workday(dt.date(2027, 1, 9))  # a Saturday
    assert add_working_days(at(2027, 1, 8, 9, 0), days=1) == end_of(dt.date(2027, 1, 11))
    enter_year(
        year=2027,
        holidays=[(dt.date(2027, 1, 1), "元旦")],
        makeup_workdays=[(dt.date(2027, 1, 9), "调休上班")],
        notice="国务院办公厅关于2027年部分节假日安排的通知（示例录入）",
    )
    assert calendar.day_info(dt.date(2027, 3, 3)).source == calendar.ADMIN
    # Thu 31 Dec 2026 + 2: Fri 1 Jan 2027 off, Sat 2/Sun 3 weekend → Mon 4, Tue 5.
    assert add_working_days(at(2026, 12, 31, 9, 0), days=2) == end_of(dt.date(2027, 1, 5))
    # Sat 9 Jan 2027 was entered as a make-up workday.
    assert add_working_days(at(2027, 1, 8, 9, 0), days=1) == end_of(dt.date(2027, 1, 9))


def test_admin_entries_take_precedence_over_the_library():
    # 2026-10-09 (Fri) is a working day for the library; an admin marks it off.
    assert calendar.is_workday(dt.date(2026, 10, 9))
    set_calendar_day(date=dt.date(2026, 10, 9), is_workday=False, name="临时调整")
    assert not calendar.is_workday(dt.date(2026, 10, 9))
