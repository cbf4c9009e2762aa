"""Sane limits on every text and date people can write, enforced by the model layer.

Issue 23: free-text fields accepted 5 MB through the API (one comment made the next write of another user wait
14 s), a task from 0001-01-01 made its breakdown page a 404 for everyone and one to 2999-12-31 a 10.5 MB page,
and a line break in a meeting's title broke its invitation. One mechanism for every model of the project:

* every text field has a bound in characters — a CharField its max_length (the subject kind, titles and names,
  at most settings.XIETONG_TEXT_LIMITS["subject"] and on one line), a TextField its own max_length or its kind's
  ("short" for reasons and notes, "long" for the rest); no text may hold a NUL or another control character
  but tab and line breaks;
* every date and time lies within settings.XIETONG_DATE_WINDOW_YEARS years of the clock's now.

`bounds_errors(instance)` says what is wrong, per field, in Chinese naming the field; a pre_save receiver
(connected in CoreConfig.ready) refuses such a save with OutOfBounds, an ApplicationError: the API answers
422 with the field, a page's form shows it at the field and keeps what was typed, never a 500. Fields the
product writes itself (an index, an error text, an extracted document) are listed in SYSTEM_WRITTEN with why.
xietong/core/tests/test_limits.py walks every field of every model and fails on one left unbounded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.core import clock
from xietong.core.errors import ApplicationError

# Titles and names: one line, at most the subject limit.
SUBJECT_NAMES = frozenset({"title", "name", "subject", "place", "location"})
# Reasons, notes and opinions: the short kind.
_SHORT_NAME = re.compile(r"(^|_)(reason|note|notes)$")

# Text the product writes itself, never typed into a form: not bounded here (each says why).
SYSTEM_WRITTEN: dict[str, str] = {
    "archive.SearchDocument.body": "the search index's text, assembled from an item and its files",
    "archive.SearchDocument.tokens": "the index words of that text",
    "archive.SearchDocument.participants": "the names of everyone involved, written by the index",
    "archive.ExtractedText.text": "text extracted from an uploaded file (the uploads bound the file)",
    "notify.Notification.title": "a message the product composes from an item",
    "notify.Notification.body": "a message the product composes from an item",
    "archive.SearchDocument.title": "the search index's copy of an item's title or a file's name",
    "notify.Delivery.last_error": "the channel's error reply",
    "notify.DeliveryAttempt.error": "the channel's error reply",
    "notify.Channel.secret_encrypted": "ciphertext of a secret an administrator entered",
    "org.OrgSyncRun.error": "the directory's error reply",
    "workcal.HolidaySchedule.source_text": "the text of an official holiday notice fetched by the product",
    "workcal.HolidayFeed.last_error": "the feed's error reply",
}

# Characters no text may hold: NUL and the other C0 controls but tab, LF and CR (and DEL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")


class OutOfBounds(ApplicationError):
    """A text too long or a date too far: the model layer refuses the save."""

    code = "out_of_bounds"
    status = 422
    default_message = gettext_lazy("输入超出允许范围")


def text_limits() -> dict[str, int]:
    return dict(settings.XIETONG_TEXT_LIMITS)


def window_years() -> int:
    return int(settings.XIETONG_DATE_WINDOW_YEARS)


def field_key(field: models.Field) -> str:
    meta = field.model._meta
    return f"{meta.app_label}.{meta.object_name}.{field.name}"


def is_project_model(model: type[models.Model]) -> bool:
    return model.__module__.startswith("xietong.")


def text_kind(field: models.Field) -> str | None:
    """subject, short or long; None for a field the product writes itself or not text at all."""
    if not isinstance(field, models.CharField | models.TextField) or field_key(field) in SYSTEM_WRITTEN:
        return None
    if isinstance(field, models.CharField):
        return "subject" if field.name in SUBJECT_NAMES else "short"
    return "short" if _SHORT_NAME.search(field.name) else "long"


def text_bound(field: models.Field) -> int | None:
    """The most characters the field accepts; None for a field the product writes itself."""
    kind = text_kind(field)
    if kind is None:
        return None
    limit = text_limits()[kind]
    own = getattr(field, "max_length", None)
    if isinstance(field, models.CharField):
        return min(own, limit) if kind == "subject" and own else own
    return min(own, limit) if own else limit


def single_line(field: models.Field) -> bool:
    return text_kind(field) == "subject"


def date_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The first and last instant a date may name: the clock's now ± the configured years."""
    now = now or clock.now()
    years = window_years()
    return _years(now, -years), _years(now, years)


def is_dated(field: models.Field) -> bool:
    return isinstance(field, models.DateField)  # DateTimeField is a DateField


def label(field: models.Field) -> str:
    return (
        str(field.verbose_name)
        if field.verbose_name and str(field.verbose_name) != field.name.replace("_", " ")
        else field.name
    )


def value_error(field: models.Field, value: Any, now: dt.datetime | None = None) -> str | None:
    """Why the value cannot be stored in the field, in Chinese naming it; None when it can."""
    return _value_error(field, text_bound(field), single_line(field), value, now)


def _value_error(
    field: models.Field, bound: int | None, one_line: bool, value: Any, now: dt.datetime | None
) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if bound is None:
            return None
        if len(value) > bound:
            return _("「%(label)s」最多 %(max)s 个字，现有 %(count)s 个字") % {
                "label": label(field),
                "max": bound,
                "count": len(value),
            }
        if one_line and _LINE_BREAK.search(value):
            return _("「%(label)s」只能写一行，不能换行") % {"label": label(field)}
        if _CONTROL.search(value):
            return _("「%(label)s」含有不可见的控制字符，请删除后重试") % {"label": label(field)}
        return None
    if is_dated(field) and isinstance(value, dt.date):
        first, last = date_window(now)
        if isinstance(value, dt.datetime):
            instant = value if timezone.is_aware(value) else value.replace(tzinfo=timezone.get_current_timezone())
            inside = first <= instant <= last
        else:
            local_first, local_last = timezone.localtime(first).date(), timezone.localtime(last).date()
            inside = local_first <= value <= local_last
        if inside:
            return None
        return _("「%(label)s」%(value)s 超出允许范围：须在 %(first)s 至 %(last)s 之间（今天前后 %(years)s 年内）") % {
            "label": label(field),
            "value": value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat(),
            "first": timezone.localtime(first).date().isoformat(),
            "last": timezone.localtime(last).date().isoformat(),
            "years": window_years(),
        }
    return None


def bounded_fields(model: type[models.Model]) -> Iterator[models.Field]:
    for field, _bound, _one_line in _bounds_of(model):
        yield field


# Per model and configured text limits (tests override them): its bounded fields, each with its bound and
# whether it is one line. Worked out field by field on every save, it cost a request's save ~65 µs.
_BOUNDS: dict[
    tuple[type[models.Model], tuple[tuple[str, int], ...]], tuple[tuple[models.Field, int | None, bool], ...]
] = {}


def _bounds_of(model: type[models.Model]) -> tuple[tuple[models.Field, int | None, bool], ...]:
    key = (model, tuple(sorted(text_limits().items())))
    found = _BOUNDS.get(key)
    if found is None:
        found = tuple(
            (field, text_bound(field), single_line(field))
            for field in model._meta.concrete_fields
            if text_bound(field) is not None or is_dated(field)
        )
        _BOUNDS[key] = found
    return found


def bounds_errors(instance: models.Model) -> dict[str, str]:
    """{field name: message} for every value of the instance outside its bounds."""
    now = clock.now()
    errors: dict[str, str] = {}
    for field, bound, one_line in _bounds_of(type(instance)):
        message = _value_error(field, bound, one_line, getattr(instance, field.attname, None), now)
        if message:
            errors[field.name] = message
    return errors


def check_bounds(instance: models.Model) -> None:
    errors = bounds_errors(instance)
    if errors:
        raise OutOfBounds(next(iter(errors.values())), fields=errors)


def refuse_out_of_bounds(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs) -> None:
    """pre_save: every save of a project model (not a fixture or a restore, which load what was stored)."""
    if raw or not is_project_model(sender):
        return
    check_bounds(instance)


def _years(instant: dt.datetime, years: int) -> dt.datetime:
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:  # 29 February
        return instant.replace(year=instant.year + years, day=28)
