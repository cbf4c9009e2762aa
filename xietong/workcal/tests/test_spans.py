"""Every duration and time left or late reads as a person says it, through one formatter (issue 23: "剩余 82 小时
30 分钟（工作时间）" and "0.17h" were hard to read). Working time counts in working days of the calendar's length."""

import datetime as dt

import pytest
from django.utils import translation

from xietong.workcal.spans import hours_words, span_words, units_words

H, M = dt.timedelta(hours=1), dt.timedelta(minutes=1)
EIGHT, SEVEN_AND_HALF = 8 * H, 7 * H + 30 * M

SPANS = [
    # span, working, working-day length, Chinese, English
    (82 * H + 30 * M, True, EIGHT, "10 个工作日 2 小时", "10 working days 2 hours"),
    (19 * H, True, EIGHT, "2 个工作日 3 小时", "2 working days 3 hours"),
    (10 * H + 15 * M, True, EIGHT, "1 个工作日 2 小时", "1 working day 2 hours"),
    (8 * H, True, EIGHT, "1 个工作日", "1 working day"),
    (8 * H, True, SEVEN_AND_HALF, "1 个工作日", "1 working day"),  # the calendar's own day: 7.5 h + 30 min
    (15 * H, True, SEVEN_AND_HALF, "2 个工作日", "2 working days"),
    (80 * M, True, EIGHT, "1 个工作小时 20 分钟", "1 working hour 20 minutes"),
    (3 * H, True, EIGHT, "3 个工作小时", "3 working hours"),
    (10 * M, True, EIGHT, "10 分钟", "10 minutes"),
    (-10 * M, True, EIGHT, "10 分钟", "10 minutes"),  # the caller says 剩余 or 已超时
    (10.2 * 60 * dt.timedelta(seconds=1), True, EIGHT, "11 分钟", "11 minutes"),  # 0.17 h, rounded up
    (dt.timedelta(seconds=10), False, None, "1 分钟", "1 minute"),  # never "0 分钟" while time is left
    (dt.timedelta(0), False, None, "0 分钟", "0 minutes"),
    (50 * H, False, None, "2 天 2 小时", "2 days 2 hours"),
    (24 * H, False, None, "1 天", "1 day"),
    (5 * H + 20 * M, False, None, "5 小时 20 分钟", "5 hours 20 minutes"),
    (1 * H, False, None, "1 小时", "1 hour"),
    (25 * H, True, None, "25 个工作小时", "25 working hours"),  # no calendar day known: hours
]


@pytest.mark.parametrize(("span", "working", "day", "chinese", "english"), SPANS)
def test_a_span_in_words(span, working, day, chinese, english):
    with translation.override("zh-hans"):
        assert span_words(span, working=working, day=day) == chinese
    with translation.override("en"):
        assert span_words(span, working=working, day=day) == english


LIMITS = [
    # a policy's limit as it states it: days, minutes, working → every unit it names
    (0, 120, True, "2 个工作小时", "2 working hours"),
    (1, 0, True, "1 个工作日", "1 working day"),
    (1, 90, True, "1 个工作日 1 小时 30 分钟", "1 working day 1 hour 30 minutes"),
    (0, 24 * 60, False, "24 小时", "24 hours"),
    (3, 0, False, "3 天", "3 days"),
    (0, 10, False, "10 分钟", "10 minutes"),
]


@pytest.mark.parametrize(("days", "minutes", "working", "chinese", "english"), LIMITS)
def test_a_limit_in_words(days, minutes, working, chinese, english):
    with translation.override("zh-hans"):
        assert units_words(days, minutes, working=working, exact=True) == chinese
    with translation.override("en"):
        assert units_words(days, minutes, working=working, exact=True) == english


@pytest.mark.parametrize(
    ("hours", "chinese", "english"),
    [
        (0.17, "11 分钟", "11 minutes"),
        (2.5, "2 小时 30 分钟", "2 hours 30 minutes"),
        (51, "51 小时", "51 hours"),
        (None, "—", "—"),
    ],
)
def test_a_statistic_in_hours_in_words(hours, chinese, english):
    """The reports' median and 90th percentile read "11 分钟", not "0.17h"."""
    with translation.override("zh-hans"):
        assert hours_words(hours) == chinese
    with translation.override("en"):
        assert hours_words(hours) == english
