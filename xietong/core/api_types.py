"""Field types the API's input schemas share."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator


def _in_local_time(value: dt.datetime) -> dt.datetime:
    """A time without an offset ("2026-10-01T10:00") is the installation's local time (Asia/Shanghai unless
    configured), as the pages read it; compared with aware instants a naive one was a 500."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=timezone.get_current_timezone())
    return value


LocalDateTime = Annotated[dt.datetime, AfterValidator(_in_local_time)]
