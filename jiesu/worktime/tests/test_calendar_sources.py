"""The calendar never runs out: official sources first, then an estimate from the statutory rules
(2024 revision of 全国年节及纪念日放假办法: 元旦 1, 春节 4 from 除夕, 清明 1, 劳动节 2, 端午 1,
中秋 1, 国庆 3 days; a holiday on a weekend is made up on the next working day)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.worktime import calendar
from jiesu.worktime.models import CalendarDay, CalendarYear
from jiesu.worktime.notice import NoticeError, read_notice
from jiesu.worktime.selectors import horizon_warning
from jiesu.worktime.services import add_limit, add_working_days, add_working_hours, enter_year, limit_source

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


def days(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def test_each_year_is_answered_by_the_strongest_source_that_knows_it():
    assert calendar.day_info(dt.date(2024, 10, 1)).source == calendar.CHINESECALENDAR
    assert calendar.day_info(dt.date(2026, 12, 31)).source == calendar.CHINESECALENDAR
    assert calendar.day_info(dt.date(2027, 1, 4)).source == calendar.ESTIMATED
    assert calendar.official_until() == dt.date(calendar.chinesecalendar_last_year(), 12, 31)
    enter_year(year=2027, holidays=[(dt.date(2027, 1, 1), "元旦")], makeup_workdays=[], notice="测试")
    assert calendar.day_info(dt.date(2027, 1, 4)).source == calendar.ADMIN
    assert calendar.official_until() == dt.date(2027, 12, 31)
    assert calendar.day_info(dt.date(2028, 1, 4)).source == calendar.ESTIMATED


def test_the_two_official_libraries_agree_on_every_day_they_both_know():
    import holidays

    disagreements = []
    for year in range(2004, calendar.chinesecalendar_last_year() + 1):
        other = holidays.China(years=(year - 1, year, year + 1))
        for day in days(year):
            if calendar.is_workday(day) != other.is_working_day(day):
                disagreements.append(day)
    # The one known difference: Sat 31 Dec 2005 (chinesecalendar: rest; holidays: worked).
    # chinesecalendar answers first; docs/worktime.md names it.
    assert set(disagreements) <= {dt.date(2005, 12, 31)}


@pytest.mark.parametrize("year", range(2004, 2036))
def test_every_day_2004_to_2035_gets_a_deadline_on_a_working_day(year):
    workdays = [d for d in days(year) if calendar.is_workday(d)]
    # A Chinese year has 240–254 working days whatever the source (estimates lack make-up days).
    assert 235 <= len(workdays) <= 254, (year, len(workdays))
    for day in days(year):
        start = dt.datetime.combine(day, dt.time(10), tzinfo=TZ)
        for limit in (1, 7, 15):
            due = add_working_days(start, days=limit)
            assert due > start and calendar.is_workday(due.date())
        assert add_working_hours(start, hours=8) > start


def test_estimate_2027_follows_the_statutory_holidays_with_weekend_make_up():
    # Spring Festival 2027: 除夕 Fri 5 Feb + 初一–初三 Sat 6 – Mon 8; Sat and Sun are made up on
    # Tue 9 and Wed 10 Feb. No 调休 Saturdays are guessed.
    for day in (5, 6, 7, 8, 9, 10):
        assert not calendar.is_workday(dt.date(2027, 2, day)), day
    assert calendar.is_workday(dt.date(2027, 2, 11))
    assert not calendar.is_workday(dt.date(2027, 2, 20))  # a Saturday stays a Saturday
    # Thu 4 Feb 2027 + 2 working days: Thu 11, Fri 12 Feb.
    assert add_working_days(at(2027, 2, 4, 9, 0), days=2) == end_of(dt.date(2027, 2, 12))
    # National Day: Fri 1 – Sun 3 Oct; the weekend days made up Mon 4 and Tue 5.
    assert [calendar.is_workday(dt.date(2027, 10, d)) for d in range(1, 7)] == [False] * 5 + [True]


def test_estimate_2031_spring_festival_and_national_day():
    # 2031: 除夕 Wed 22 Jan, 初一–初三 Thu 23 – Sat 25 Jan (Sat made up on Mon 27).
    assert [calendar.is_workday(dt.date(2031, 1, d)) for d in range(21, 29)] == [
        True,  # Tue 21
        False,  # 除夕
        False,
        False,
        False,  # Sat 25
        False,  # Sun 26
        False,  # Mon 27, made up
        True,  # Tue 28
    ]
    assert add_working_days(at(2031, 1, 21, 9, 0), days=1) == end_of(dt.date(2031, 1, 28))
    assert calendar.day_info(dt.date(2031, 1, 22)).name  # a Chinese name is shown
    assert limit_source(at(2031, 1, 21, 9, 0), end_of(dt.date(2031, 1, 28)), unit="workdays") == "estimated"


def test_a_span_across_the_horizon_rests_on_the_estimate_natural_hours_on_nothing():
    due = add_working_days(at(2026, 12, 28, 10, 0), days=15)
    assert due == end_of(dt.date(2027, 1, 19))
    assert limit_source(at(2026, 12, 28, 10, 0), due, unit="workdays") == calendar.ESTIMATED
    assert limit_source(at(2026, 11, 2, 10, 0), add_working_days(at(2026, 11, 2, 10), days=7), unit="workdays") == (
        calendar.CHINESECALENDAR
    )
    assert (
        limit_source(at(2027, 3, 1, 10), add_limit(at(2027, 3, 1, 10), amount=24, unit="hours"), unit="hours") is None
    )


def test_admin_days_inside_an_estimated_year_make_that_span_official():
    for day in (dt.date(2028, 3, 6), dt.date(2028, 3, 7)):
        CalendarDay.objects.create(date=day, is_workday=True, name="录入")
    calendar.invalidate()
    assert calendar.span_source(dt.date(2028, 3, 6), dt.date(2028, 3, 7)) == calendar.ADMIN
    assert calendar.span_source(dt.date(2028, 3, 6), dt.date(2028, 3, 8)) == calendar.ESTIMATED


def test_workdays_command_prints_the_due_time_and_its_source_last():
    out = io.StringIO()
    call_command("workdays", "--start", "2026-12-28T10:00+08:00", "--add-days", "15", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "due=2027-01-19T23:59:59+08:00 source=estimated"
    assert any("2027-01-01" in line and "休息" in line and "元旦" in line for line in lines)
    out = io.StringIO()
    call_command("workdays", "--start", "2024-09-30", "--add-days", "7", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "due=2024-10-15T23:59:59+08:00 source=chinesecalendar"
    for bad in (["--start", "yesterday", "--add-days", "3"], ["--start", "2026-01-01", "--add-days", "-1"]):
        with pytest.raises(CommandError):
            call_command("workdays", *bad, stdout=io.StringIO())


def test_horizon_warning_appears_sixty_days_before_the_last_official_day():
    horizon = calendar.official_until()
    assert horizon_warning(today=horizon - dt.timedelta(days=61)) is None
    message = horizon_warning(today=horizon - dt.timedelta(days=60))
    assert message and str(horizon.year + 1) in message and "推算" in message
    assert "已于" in horizon_warning(today=horizon + dt.timedelta(days=3))


def test_system_check_warns_inside_the_window_only():
    from django.core.checks import run_checks

    horizon = calendar.official_until()
    with time_machine.travel(dt.datetime.combine(horizon - dt.timedelta(days=200), dt.time(12), tzinfo=TZ)):
        assert not [m for m in run_checks() if m.id == "worktime.W001"]
    with time_machine.travel(dt.datetime.combine(horizon - dt.timedelta(days=20), dt.time(12), tzinfo=TZ)):
        assert [m for m in run_checks() if m.id == "worktime.W001"]


# ---------------------------------------------------------------- notices typed as tables

GOOD_2027 = "日期,类型,名称\n2027-01-01,放假,元旦\n2027-02-05,放假,春节\n2027-02-20,上班,春节调休上班\n"


def test_a_notice_file_enters_the_year_and_moves_the_horizon(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(GOOD_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("load_calendar", str(path), "--year", "2027", "--notice", "国办发明电（测试）", stdout=out)
    assert "放假 2 天" in out.getvalue() and "调休上班 1 天" in out.getvalue()
    assert CalendarYear.objects.get(year=2027).is_complete
    assert calendar.is_workday(dt.date(2027, 2, 20))  # the make-up Saturday
    assert calendar.official_until() == dt.date(2027, 12, 31)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("日期,名称\n2027-01-01,元旦\n", "缺少列：类型"),
        ("日期,类型\n2027-13-01,放假\n", "第2行：日期"),
        ("日期,类型\n2027-01-01,休假日\n", "第2行：类型"),
        ("日期,类型\n2027-01-01,放假\n2027-01-01,上班\n", "第3行"),
        ("日期,类型\n2027-01-01,放假\n2028-05-01,放假\n", "不在 2027 年"),
        ("日期,类型\n2027-01-06,上班\n", "本来就上班"),
        ("日期,类型\n", "没有任何日期行"),
    ],
)
def test_a_malformed_notice_is_refused_whole_with_a_chinese_reason(tmp_path, text, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_calendar", str(path), "--year", "2027", stdout=io.StringIO())
    assert fragment in str(excinfo.value)
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_notice_reader_refuses_binary_and_damaged_xlsx():
    with pytest.raises(NoticeError):
        read_notice(content=b"\x00\x01binary", filename="x.csv")
    with pytest.raises(NoticeError):
        read_notice(content=b"PK\x03\x04 not really", filename="x.xlsx")


def test_enter_year_refuses_a_day_that_is_both_rest_and_work():
    with pytest.raises(InvalidInput):
        enter_year(
            year=2027,
            holidays=[(dt.date(2027, 2, 20), "春节")],
            makeup_workdays=[(dt.date(2027, 2, 20), "调休")],
        )
    assert not CalendarDay.objects.exists()
