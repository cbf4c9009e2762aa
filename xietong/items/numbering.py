"""Item numbers (XQ-2026-0001 …): one per item, never two alike, without a lock every create waits on."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.db.models.functions import Length
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from xietong.core import clock
from xietong.items.models import NumberSequence, WorkItem

# The prefixes the built-in processes number their items with (number_next("XQ") in their services, or their
# Process.prefix): a process made in the designer may not take one, or two kinds of items would share a
# series (designer.services refuses it at 编号前缀). items/tests/test_numbering keeps the list complete.
BUILT_IN_PREFIXES: dict[str, Promise] = {
    "XQ": gettext_lazy("需求"),
    "WT": gettext_lazy("问题"),
    "TZ": gettext_lazy("通知"),
    "HY": gettext_lazy("会议"),
    "JF": gettext_lazy("交付成果"),
    "FP": gettext_lazy("复盘报告"),
    "YC": gettext_lazy("异常问题反馈表"),
    "YQ": gettext_lazy("延期申请"),
    "FQ": gettext_lazy("部门分歧"),
    "JJ": gettext_lazy("紧急事项"),
    "GJ": gettext_lazy("改进措施"),
    "KH": gettext_lazy("客户需求"),
    "RZ": gettext_lazy("新人入职"),
    "YY": gettext_lazy("用印申请"),
}


def number_next(prefix: str) -> str:
    """The next number for `prefix` this year, e.g. XQ-2026-0001: never two alike.

    PostgreSQL draws it from a sequence of its own per prefix and year, which no transaction holds: creates
    of the same kind run side by side instead of queueing behind the first one's commit (a number taken by
    a create that then fails is not reused, as in every ticketing system). SQLite runs one write at a time
    anyway and counts in NumberSequence under that lock, without gaps.
    """
    year = clock.today().year
    if connection.vendor == "postgresql":
        return f"{prefix}-{year}-{_sequence_next(prefix, year):04d}"
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    # One statement that both locks the row and returns the new value (SQLite ≥ 3.35 and PostgreSQL).
    increment = f"UPDATE {table} SET last = last + 1 WHERE prefix = %s AND year = %s RETURNING last"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(increment, [prefix, year])
        row = cursor.fetchone()
        if row is None:  # the first number of this prefix this year
            NumberSequence.objects.get_or_create(prefix=prefix, year=year)
            cursor.execute(increment, [prefix, year])
            row = cursor.fetchone()
    return f"{prefix}-{year}-{row[0]:04d}"


def _sequence_name(prefix: str, year: int) -> str:
    return f"xietong_number_{re.sub(r'[^a-z0-9]', '_', prefix.lower())}_{year}"


def _sequence_next(prefix: str, year: int) -> int:
    name = _sequence_name(prefix, year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            _sequence_create(cursor, name, _last_used(prefix, year) + 1, prefix, year)
        cursor.execute("SELECT nextval(%s)", [name])
        return int(cursor.fetchone()[0])


def _sequence_create(cursor: Any, name: str, start: int, prefix: str, year: int) -> None:
    """Created on first use, continuing after every number already given (NumberSequence from before the
    sequences, or the items of a restored backup). Two first uses at once: the loser finds it made."""
    try:
        with transaction.atomic():
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {connection.ops.quote_name(name)} START WITH {int(start)}")
    except DatabaseError:
        pass  # created by a concurrent transaction (pg_type unique violation): use it
    # The counter row says the sequence belongs to data that exists (see forget_orphan_sequences).
    NumberSequence.objects.get_or_create(prefix=prefix, year=year)


def _last_used(prefix: str, year: int) -> int:
    """The highest number of `prefix` and `year` on record anywhere: the old counter row and every item."""
    last = NumberSequence.objects.filter(prefix=prefix, year=year).values_list("last", flat=True).first() or 0
    head = f"{prefix}-{year}-"
    for model in apps.get_models():
        if not issubclass(model, WorkItem):
            continue
        numbers = model._base_manager.filter(number__startswith=head).values_list("number", flat=True)
        for number in numbers.order_by(Length("number").desc(), "-number")[:1]:
            tail = number[len(head) :]
            if tail.isdigit():
                last = max(last, int(tail))
    return last


def forget_orphan_sequences(**kwargs: Any) -> None:
    """After the tables were emptied (a test's flush, a restore into a fresh database), a sequence whose
    counter row is gone belongs to data that no longer exists: drop it, so that numbering continues from
    what is on record (post_migrate, which `flush` sends too)."""
    if connection.vendor != "postgresql" or NumberSequence._meta.db_table not in connection.introspection.table_names():
        return
    kept = {_sequence_name(prefix, year) for prefix, year in NumberSequence.objects.values_list("prefix", "year")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE 'xietong_number_%%'")
        for (name,) in cursor.fetchall():
            if name not in kept:
                cursor.execute(f"DROP SEQUENCE IF EXISTS {connection.ops.quote_name(name)}")
