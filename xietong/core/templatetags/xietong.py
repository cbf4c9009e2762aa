import datetime as dt

from django import template

from xietong.core import clock

register = template.Library()


@register.filter
def label_lower(obj) -> str:
    """ "requests.request" for a Request: how item URLs name the type of their subject."""
    return obj._meta.label_lower


@register.filter
def short_day(day: dt.date | None) -> str:
    """A day as a Chinese page lists it: "03-06" within this year, "2027-03-01" in another."""
    if day is None:
        return ""
    return f"{day:%m-%d}" if day.year == clock.today().year else f"{day:%Y-%m-%d}"
