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


@register.simple_tag
def upload_max_bytes() -> int:
    """The size limit of one uploaded file, for the page's own check before anything is sent."""
    from xietong.core.uploads import max_upload_bytes

    return max_upload_bytes()


@register.filter
def megabytes(size: int) -> int:
    return int(size) // (1024 * 1024)


@register.filter
def is_previewable(attachment) -> bool:
    """Images and PDF are shown in the page (items.views.PREVIEW_TYPES); everything else is downloaded."""
    from pathlib import PurePath

    from xietong.core.filetypes import PREVIEW_TYPES

    return PurePath(attachment.name).suffix.lower() in PREVIEW_TYPES


@register.filter
def tone(tones: dict[str, str], state: str) -> str:
    """The badge tone of `state` from a process's tones: one lookup, where a {% for %} over every state per
    row cost a list page ~1.4 ms."""
    return tones.get(state, "") if tones else ""
