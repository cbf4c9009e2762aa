"""`field__const=value`: equality with a constant written into the SQL text, not bound as a parameter.

On PostgreSQL statements are prepared after two uses with server-bound parameters (settings.py), and after
five executions the server may keep one generic plan for every value. A generic plan cannot use a partial
index whose predicate names a value the statement only binds (`state = $2` does not prove `state = 'armed'`),
so it scans the table: an empty clock sweep among 1,000,000 armed clocks took ~100 ms instead of an index
probe. Written as a constant, the predicate is part of the statement and every plan can use the index.
Only for the fixed codes of choices (letters, digits, '_' and '-'), never for what a person typed.
"""

from __future__ import annotations

import re

from django.db.models import CharField, Lookup

_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Constant(Lookup):
    lookup_name = "const"
    prepare_rhs = False

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        value = str(self.rhs)  # a TextChoices member's str() is its code
        if not isinstance(self.rhs, str) or not _CODE.fullmatch(value):
            raise ValueError(f"__const takes a fixed code, not {self.rhs!r}")
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = '{value}'", params


def register() -> None:
    CharField.register_lookup(Constant)
