"""Dates and lists written in the reader's language: 11月22日 in Chinese, Nov 22 in English.

The Chinese formats are the msgids (see locale/en/LC_MESSAGES/django.po), so Chinese output is exactly
what the f-strings used to produce.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import dateformat
from django.utils.translation import gettext as _

from xietong.core import clock


def month_day(value: dt.date) -> str:
    """3月10日 / Mar 10 (no leading zeros)."""
    return dateformat.format(value, _("n月j日"))


def month_day_padded(value: dt.date) -> str:
    """03月10日 / Mar 10 (leading zeros in Chinese, like %m月%d日)."""
    return dateformat.format(value, _("m月d日"))


def month_day_time(value: dt.datetime) -> str:
    """3月10日 09:30 / Mar 10 09:30 — `value` already in local time."""
    return dateformat.format(value, _("n月j日 H:i"))


def full_date(value: dt.date) -> str:
    """2026年03月10日 / Mar 10, 2026."""
    return dateformat.format(value, _("Y年m月d日"))


def full_date_time(value: dt.datetime) -> str:
    """2026年03月10日 09:30 / Mar 10, 2026 09:30 — `value` already in local time."""
    return dateformat.format(value, _("Y年m月d日 H:i"))


def date_with_weekday(value: dt.date) -> str:
    """2026年3月10日（星期二） / Tuesday, Mar 10, 2026."""
    return dateformat.format(value, _("Y年n月j日（l）"))


def short_day(value: dt.date) -> str:
    """03-06 within the current year, 2027-03-01 in another (the same in every language)."""
    return f"{value:%m-%d}" if value.year == clock.today().year else f"{value:%Y-%m-%d}"


def enumerate_list(items: Iterable[object]) -> str:
    """王强、李娜 / 王强, 李娜."""
    return _("、").join(str(item) for item in items)


def month_day_time_padded(value: dt.datetime) -> str:
    """03月10日 09:30 / Mar 10 09:30 — `value` already in local time."""
    return dateformat.format(value, _("m月d日 H:i"))
