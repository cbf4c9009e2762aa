"""Sane bounds for dates people plan with: a task from 0001-01-01 made its breakdown page a 404 for everyone,
one to 2999-12-31 a 10 MB page, and one ending 9999-12-31 a 500 (a day after it does not exist)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from xietong.core import clock

PAST_YEARS = 2  # a plan may start this long before today (work recorded late)
FUTURE_YEARS = 5  # and end this long after it


def plan_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or clock.today()
    return _years(today, -PAST_YEARS), _years(today, FUTURE_YEARS)


def plan_date_error(value: dt.date | None, label: str) -> str | None:
    """Why a planned date cannot be used, in Chinese; None when it can (or is not given)."""
    if value is None:
        return None
    first, last = plan_window()
    if first <= value <= last:
        return None
    return _("%(label)s %(date)s 不在可安排的范围内（%(first)s 至 %(last)s）") % {
        "label": label,
        "date": value.isoformat(),
        "first": first.isoformat(),
        "last": last.isoformat(),
    }


def _years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
