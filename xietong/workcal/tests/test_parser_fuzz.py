"""Whatever people type into a duration or instant field, the parsers answer with a value or a ValueError
that names the problem — never another exception, never a hang."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from xietong.workcal.engine import Duration, parse_duration, parse_instant

SH = ZoneInfo("Asia/Shanghai")
pieces = st.sampled_from(
    [
        "2026",
        "1d",
        "2h",
        "30m",
        "-",
        ":",
        " ",
        "T",
        "Z",
        "+08:00",
        "天",
        "小时",
        "分钟",
        "9",
        "0",
        "\x00",
        "é",
        "１",
        "٣",
    ]
)
typed = st.lists(pieces, max_size=12).map("".join) | st.text(max_size=30)


@settings(max_examples=800, deadline=None)
@given(typed)
def test_parse_duration_never_crashes(text):
    try:
        result = parse_duration(text)
    except ValueError as exc:
        assert str(exc)  # a message for the person
    else:
        assert isinstance(result, Duration) and result.days >= 0 and result.minutes >= 0


@settings(max_examples=800, deadline=None)
@given(typed)
def test_parse_instant_never_crashes(text):
    try:
        result = parse_instant(text, SH)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(result, dt.datetime) and result.tzinfo is not None


@settings(max_examples=300, deadline=None)
@given(days=st.integers(0, 3000), hours=st.integers(0, 23), minutes=st.integers(0, 59))
def test_durations_round_trip(days, hours, minutes):
    duration = Duration(days, hours * 60 + minutes)
    assert parse_duration(str(duration)) == duration
