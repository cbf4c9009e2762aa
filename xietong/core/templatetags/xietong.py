import datetime as dt

from django import template

from xietong.core import i18n

register = template.Library()


@register.filter
def label_lower(obj) -> str:
    """ "requests.request" for a Request: how item URLs name the type of their subject."""
    return obj._meta.label_lower


@register.filter
def short_day(day: dt.date | None) -> str:
    """i18n.short_day for templates: "03-06" within this year, "2027-03-01" in another."""
    return "" if day is None else i18n.short_day(day)
