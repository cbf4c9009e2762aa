"""Working-time arithmetic across holidays, 调休 weekends, lunch breaks, evenings and year ends.

Default calendar: 09:00–12:00 and 13:30–18:00 (7.5 working hours a day), Asia/Shanghai, Mon–Fri,
the Chinese statutory schedule. 2026: 春节 2/15–2/23 with 调休 Saturdays 2/14 and 2/28; 中秋 + 国庆
9/25–9/27 and 10/1–10/7 with 调休 Sunday 9/20 and Saturday 10/10.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xietong.workcal.engine import (
    CalendarSpec,
    DayKind,
    Duration,
    WallClock,
    WorkingCalendar,
    parse_duration,
    parse_instant,
)
from xietong.workcal.naive import naive_add, naive_between

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()


def at(text: str) -> dt.datetime:
    return parse_instant(text, SH)


@pytest.mark.parametrize(
    ("start", "duration", "expected", "why"),
    [
        ("2026-03-02 09:00", "2h", "2026-03-02 11:00", "plain Monday morning"),
        ("2026-03-02 11:00", "2h", "2026-03-02 14:30", "the lunch break 12:00–13:30 does not count"),
        ("2026-03-02 12:30", "1h", "2026-03-02 14:30", "starting inside the lunch break counts from 13:30"),
        ("2026-03-02 17:00", "1h", "2026-03-02 18:00", "ending exactly at 18:00 stays today"),
        ("2026-03-02 17:00", "2h", "2026-03-03 10:00", "end of day carries over to the next morning"),
        ("2026-03-06 17:00", "2h", "2026-03-09 10:00", "Friday evening carries over the weekend"),
        ("2026-03-06 20:00", "2h", "2026-03-09 11:00", "sent Friday 20:00: counting starts Monday 09:00"),
        ("2026-09-30 17:30", "2h", "2026-10-08 10:30", "last working day before 国庆: resumes 10/8"),
        ("2026-09-30 20:00", "2h", "2026-10-08 11:00", "Friday-before-holiday evening: first working morning"),
        ("2026-09-24 17:00", "2h", "2026-09-28 10:00", "中秋 9/25–27: Thursday evening resumes Monday"),
        ("2026-09-18 17:00", "2h", "2026-09-20 10:00", "调休 Sunday 9/20 is a working day"),
        ("2026-10-09 17:00", "2h", "2026-10-10 10:00", "调休 Saturday 10/10 is a working day"),
        ("2026-02-13 17:00", "2h", "2026-02-14 10:00", "调休 Saturday 2/14 before 春节"),
        ("2026-02-14 17:00", "2h", "2026-02-24 10:00", "春节 2/15–2/23 is skipped entirely"),
        ("2026-02-27 17:00", "2h", "2026-02-28 10:00", "调休 Saturday 2/28 after 春节"),
        ("2025-12-31 17:00", "2h", "2026-01-04 10:00", "year end: 元旦 1/1–1/3, then 调休 Sunday 1/4"),
        ("2026-12-31 17:00", "2h", "2027-01-01 10:00", "2027 unpublished: 1/1 (Friday) falls back to a workday"),
        ("2026-03-02 09:00", "1d", "2026-03-02 18:00", "one working day = 7.5 working hours"),
        ("2026-03-02 15:00", "1d", "2026-03-03 15:00", "1d from mid-afternoon: same time next working day"),
        ("2026-03-02 09:00", "1d4h", "2026-03-03 14:30", "1d4h"),
        ("2026-03-02 09:00", "30m", "2026-03-02 09:30", "minutes"),
        ("2026-03-07 10:00", "0m", "2026-03-09 09:00", "zero duration: the next working instant"),
    ],
)
def test_add_working_time(start, duration, expected, why):
    assert CAL.add(at(start), parse_duration(duration).to_timedelta(CAL.day_length)) == at(expected), why


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("2026-03-02 09:00", "2026-03-02 18:00", 7.5),
        ("2026-03-02 10:00", "2026-03-02 14:00", 2.5),
        ("2026-03-06 17:00", "2026-03-09 10:00", 2),
        ("2026-09-30 17:00", "2026-10-09 10:00", 9.5),
        ("2026-02-13 09:00", "2026-02-24 09:00", 15),  # Fri 2/13 and 调休 Sat 2/14
        ("2026-03-09 10:00", "2026-03-06 17:00", -2),
        ("2026-03-07 09:00", "2026-03-08 18:00", 0),
    ],
)
def test_working_time_between(start, end, hours):
    assert CAL.between(at(start), at(end)) == dt.timedelta(hours=hours)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2026-10-01", DayKind.STATUTORY_HOLIDAY),
        ("2026-10-10", DayKind.ADJUSTED_WORKDAY),
        ("2026-09-20", DayKind.ADJUSTED_WORKDAY),
        ("2026-02-16", DayKind.STATUTORY_HOLIDAY),
        ("2026-03-07", DayKind.REST_DAY),
        ("2026-03-09", DayKind.WORKDAY),
    ],
)
def test_day_kinds(day, kind):
    assert CAL.day_kind(dt.date.fromisoformat(day)) is kind


def test_holiday_names_are_chinese():
    assert CAL.day_name(dt.date(2026, 10, 1)) == "国庆节"
    assert CAL.day_name(dt.date(2026, 2, 16)) == "春节"


def test_an_override_turning_a_sunday_into_a_workday_wins():
    sunday = dt.date(2026, 3, 8)
    calendar = WorkingCalendar(CalendarSpec(overrides=((sunday, True),)))
    assert calendar.day_kind(sunday) is DayKind.OVERRIDE_WORKDAY
    assert calendar.add(at("2026-03-06 17:00"), dt.timedelta(hours=2)) == at("2026-03-08 10:00")


def test_an_override_holiday_beats_the_statutory_workday():
    calendar = WorkingCalendar(CalendarSpec(overrides=((dt.date(2026, 10, 10), False),)))
    assert calendar.add(at("2026-10-09 17:00"), dt.timedelta(hours=2)) == at("2026-10-12 10:00")


def test_a_six_day_factory_calendar():
    factory = WorkingCalendar(CalendarSpec(workdays=frozenset({0, 1, 2, 3, 4, 5})))
    assert factory.add(at("2026-03-06 17:00"), dt.timedelta(hours=2)) == at("2026-03-07 10:00")
    # Statutory holidays still apply to it.
    assert factory.add(at("2026-09-30 17:00"), dt.timedelta(hours=2)) == at("2026-10-08 10:00")


def test_an_unpublished_year_falls_back_to_monday_to_friday_and_says_so():
    assert not CAL.statutory_published(2027)
    assert CAL.statutory_published(2026)
    # 2027-02-08 is a Monday; without published data it is an ordinary workday.
    assert CAL.day_kind(dt.date(2027, 2, 8)) is DayKind.WORKDAY
    with_override = WorkingCalendar(CalendarSpec(overrides=((dt.date(2027, 1, 1), False),)))
    assert with_override.statutory_published(2027)


def test_add_working_days_next_working_day_at_17():
    assert CAL.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert CAL.at(CAL.add_working_days(dt.date(2026, 10, 9), 1), dt.time(17)) == at("2026-10-10 17:00")
    assert CAL.add_working_days(dt.date(2026, 3, 7), 0) == dt.date(2026, 3, 9)


def test_subtract_working_days_counts_back_over_holidays_and_makeup_saturdays():
    # 提前2个工作日 before Tuesday 10-13: Monday 10-12, then the 调休 Saturday 10-10 (Sunday 10-11 rests).
    assert CAL.subtract_working_days(dt.date(2026, 10, 13), 1) == dt.date(2026, 10, 12)
    assert CAL.subtract_working_days(dt.date(2026, 10, 13), 2) == dt.date(2026, 10, 10)
    # Before Thursday 10-08, over 国庆 (10-01 … 10-07): Wednesday 09-30, Tuesday 09-29.
    assert CAL.subtract_working_days(dt.date(2026, 10, 8), 1) == dt.date(2026, 9, 30)
    assert CAL.subtract_working_days(dt.date(2026, 10, 8), 2) == dt.date(2026, 9, 29)
    # n = 0: the day itself when it is a working day, else the one before (a holiday goes back to 09-30).
    assert CAL.subtract_working_days(dt.date(2026, 10, 9), 0) == dt.date(2026, 10, 9)
    assert CAL.subtract_working_days(dt.date(2026, 10, 4), 0) == dt.date(2026, 9, 30)
    assert CAL.previous_working_day(dt.date(2026, 10, 12)) == dt.date(2026, 10, 10)
    with pytest.raises(ValueError):
        CAL.subtract_working_days(dt.date(2026, 10, 13), -1)


def test_is_working_time_and_next_working_instant():
    assert CAL.is_working_time(at("2026-03-02 09:00"))
    assert not CAL.is_working_time(at("2026-03-02 12:00"))
    assert not CAL.is_working_time(at("2026-03-02 18:00"))
    assert CAL.next_working_instant(at("2026-03-02 12:10")) == at("2026-03-02 13:30")
    assert CAL.next_working_instant(at("2026-09-30 18:00")) == at("2026-10-08 09:00")


def test_spans_of_three_years():
    start = at("2026-01-05 09:00")
    end = CAL.add(start, dt.timedelta(hours=7.5 * 750))
    assert CAL.between(start, end) == dt.timedelta(hours=7.5 * 750)
    # 2026 with its holidays, then 2027 and 2028 (unpublished: Mon–Fri): 750 working days end here.
    assert end == at("2028-12-05 18:00") == naive_add(CAL, start, dt.timedelta(hours=7.5 * 750))


def test_wall_clock_ignores_holidays():
    wall = WallClock()
    assert wall.add(at("2026-10-01 23:55"), dt.timedelta(minutes=10)) == at("2026-10-02 00:05")
    assert wall.between(at("2026-10-01 00:00"), at("2026-10-01 00:30")) == dt.timedelta(minutes=30)


def test_results_are_in_the_calendars_time_zone():
    result = CAL.add(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC), dt.timedelta(hours=1))
    assert result.utcoffset() == dt.timedelta(hours=8) and result == at("2026-03-02 10:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", Duration(0, 120)),
        ("30m", Duration(0, 30)),
        ("1d", Duration(1, 0)),
        ("1d4h", Duration(1, 240)),
        ("1d4h30m", Duration(1, 270)),
        ("2小时", Duration(0, 120)),
        ("1天", Duration(1, 0)),
        (" 1d 2h ", Duration(1, 120)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "bad"),
    [("2x", "2x"), ("h2", "h2"), ("", "不能为空"), ("1d2", "2"), ("1.5h", "1.5h"), ("2h30", "30")],
)
def test_parse_duration_names_the_bad_part(text, bad):
    with pytest.raises(ValueError, match=bad):
        parse_duration(text)


def test_parse_instant():
    assert parse_instant("2026-09-30 17:00", SH) == dt.datetime(2026, 9, 30, 17, tzinfo=SH)
    assert parse_instant("2026-09-30T09:00Z", SH) == dt.datetime(2026, 9, 30, 17, tzinfo=SH)
    assert parse_instant("2026-09-30T17:00+08:00", SH) == dt.datetime(2026, 9, 30, 17, tzinfo=SH)
    with pytest.raises(ValueError, match="2026-02-30"):
        parse_instant("2026-02-30 10:00", SH)
    with pytest.raises(ValueError, match="25:00"):
        parse_instant("2026-02-03 25:00", SH)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_instant("next tuesday", SH)


def test_spec_validation():
    with pytest.raises(ValueError, match="结束时间必须晚于开始时间"):
        CalendarSpec(periods=((dt.time(12), dt.time(9)),))
    with pytest.raises(ValueError, match="互不重叠"):
        CalendarSpec(periods=((dt.time(9), dt.time(13)), (dt.time(12), dt.time(18))))


def test_statutory_days_agree_with_the_holidays_package():
    # Cross-check against an independent source: every official Chinese holiday the `holidays` package
    # lists for 2025–2026 is a day off in our calendar.
    import holidays

    for day, name in holidays.country_holidays("CN", years=[2025, 2026]).items():
        assert not CAL.is_working_day(day), (day, name)


instants = st.datetimes(min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 12, 31), timezones=st.just(SH))


@settings(max_examples=300, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=60 * 24 * 40))
def test_add_agrees_with_the_day_by_day_reference(start, minutes):
    duration = dt.timedelta(minutes=minutes)
    assert CAL.add(start, duration) == naive_add(CAL, start, duration)


@settings(max_examples=300, deadline=None)
@given(a=instants, b=instants)
def test_between_agrees_with_the_reference_and_inverts_add(a, b):
    assert CAL.between(a, b) == naive_between(CAL, a, b)


@settings(max_examples=200, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=60 * 24 * 40))
def test_add_then_between_round_trips(start, minutes):
    end = CAL.add(start, dt.timedelta(minutes=minutes))
    assert CAL.between(start, end) == dt.timedelta(minutes=minutes)


def test_format_label():
    assert str(Duration(1, 270)) == "1d4h30m"


# --- Working hours per weekday, half days, imported years ------------------------------------------
MORNING = ((dt.time(9), dt.time(12)),)
# A factory on six-day weeks with Saturday mornings; Women's Day 2027 (Monday 8 March) afternoon off.
FACTORY = WorkingCalendar(
    CalendarSpec(
        workdays=frozenset({0, 1, 2, 3, 4, 5}),
        weekday_periods=((5, MORNING),),
        day_periods=((dt.date(2027, 3, 8), MORNING),),
        overrides=((dt.date(2027, 3, 8), True),),
    )
)


@pytest.mark.parametrize(
    ("start", "duration", "expected", "why"),
    [
        ("2026-03-06 17:00", "2h", "2026-03-07 10:00", "Saturday morning is worked"),
        ("2026-03-06 17:00", "4h", "2026-03-07 12:00", "1 h Friday, 3 h Saturday morning: ends at its noon"),
        ("2026-03-06 17:00", "5h", "2026-03-09 10:00", "Saturday afternoon is not worked"),
        ("2026-03-07 13:00", "1h", "2026-03-09 10:00", "starting Saturday afternoon counts from Monday"),
        ("2026-02-13 17:00", "5h", "2026-02-14 14:30", "调休 Saturday 2/14 stands in for a weekday: a full day"),
        ("2026-02-14 17:00", "2h", "2026-02-24 10:00", "then 春节 2/15–2/23"),
        ("2027-03-08 11:00", "2h", "2027-03-09 10:00", "Women's Day afternoon off: 1 h that morning"),
    ],
)
def test_working_hours_per_weekday_and_a_half_day(start, duration, expected, why):
    assert FACTORY.add(at(start), parse_duration(duration).to_timedelta(FACTORY.day_length)) == at(expected), why


def test_the_end_of_a_working_day_follows_its_own_hours():
    assert FACTORY.day_end(dt.date(2026, 3, 7)) == at("2026-03-07 12:00")
    assert FACTORY.day_end(dt.date(2027, 3, 8)) == at("2027-03-08 12:00")
    assert FACTORY.day_end(dt.date(2026, 3, 9)) == at("2026-03-09 18:00")
    assert FACTORY.between(at("2026-03-06 09:00"), at("2026-03-09 09:00")) == dt.timedelta(hours=10.5)


def test_an_imported_year_replaces_the_shipped_one():
    imported = WorkingCalendar(
        CalendarSpec(published=((2027, ((dt.date(2027, 1, 1), False, "元旦"), (dt.date(2027, 1, 9), True, "元旦"))),))
    )
    assert imported.day_kind(dt.date(2027, 1, 1)) is DayKind.STATUTORY_HOLIDAY
    assert imported.day_kind(dt.date(2027, 1, 9)) is DayKind.ADJUSTED_WORKDAY
    assert imported.day_name(dt.date(2027, 1, 1)) == "元旦"
    assert imported.statutory_published(2027) and not CAL.statutory_published(2027)
    assert imported.add(at("2026-12-31 17:00"), dt.timedelta(hours=2)) == at("2027-01-04 10:00")


@settings(max_examples=300, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=60 * 24 * 40))
def test_add_with_hours_per_weekday_agrees_with_the_day_by_day_reference(start, minutes):
    duration = dt.timedelta(minutes=minutes)
    assert FACTORY.add(start, duration) == naive_add(FACTORY, start, duration)
    assert FACTORY.between(start, FACTORY.add(start, duration)) == duration
