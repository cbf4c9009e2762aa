"""Quarters (季度) as reporting periods: "2026Q4" = 2026-10-01 00:00 to 2027-01-01 00:00, local time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy

from xietong.core import clock

_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


QUARTER_LABELS = (
    gettext_lazy("%(year)d年第一季度"),
    gettext_lazy("%(year)d年第二季度"),
    gettext_lazy("%(year)d年第三季度"),
    gettext_lazy("%(year)d年第四季度"),
)


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str | None) -> Quarter | None:
        match = _PATTERN.match((text or "").strip().upper())
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.of(clock.today())

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        return str(QUARTER_LABELS[self.quarter - 1]) % {"year": self.year}

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def start(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.first_day, dt.time()))

    @property
    def end(self) -> dt.datetime:
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.quarter == 4 else Quarter(self.year, self.quarter + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.quarter == 1 else Quarter(self.year, self.quarter - 1)

    def recent(self, count: int) -> list[Quarter]:
        """This quarter and the `count - 1` before it, oldest first."""
        out = [self]
        while len(out) < count:
            out.append(out[-1].previous())
        return list(reversed(out))

    def __str__(self) -> str:
        return self.code
