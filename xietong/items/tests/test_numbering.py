"""Item numbers: never two alike, and a create no longer waits for another create of the same kind to
commit (PostgreSQL draws numbers from a sequence no transaction holds)."""

import threading
import time

import pytest
import time_machine
from django.db import connection, transaction

from xietong.items.models import NumberSequence
from xietong.items.numbering import forget_orphan_sequences, number_next


@pytest.mark.django_db
@time_machine.travel("2026-06-01 10:00 +0800", tick=False)
def test_numbers_count_up_per_prefix_and_year():
    assert [number_next("XQ") for _ in range(3)] == ["XQ-2026-0001", "XQ-2026-0002", "XQ-2026-0003"]
    assert number_next("HY") == "HY-2026-0001"


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_new_sequence_continues_after_every_number_already_on_record(company):
    """A database restored from a backup (or numbered before the sequences) holds XQ-2026-0041: the next
    request is 0042, not a duplicate 0001 — whatever the old counter row says."""
    from xietong.requests.models import Request
    from xietong.requests.tests.test_request_flow import new_request

    request = new_request(company, when="2026-03-02 09:00")
    Request.objects.filter(pk=request.pk).update(number="XQ-2026-0041")
    NumberSequence.objects.filter(prefix="XQ").update(last=12)
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE xietong_number_xq_2026")
    with time_machine.travel("2026-03-02 10:00 +0800", tick=False):
        assert number_next("XQ") == "XQ-2026-0042"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_create_does_not_wait_for_another_create_of_the_same_kind_to_commit():
    """Only the year's very first number of a kind is taken under a lock (it creates the sequence)."""
    with transaction.atomic():
        numbers = [number_next("CG")]
    first_taken = threading.Event()
    release = threading.Event()

    def slow_create() -> None:
        try:
            with transaction.atomic():
                numbers.append(number_next("CG"))
                first_taken.set()
                release.wait(10)  # the rest of a long create, still uncommitted
        finally:
            connection.close()

    holder = threading.Thread(target=slow_create)
    holder.start()
    assert first_taken.wait(10)
    started = time.monotonic()
    with transaction.atomic():
        numbers.append(number_next("CG"))
    waited = time.monotonic() - started
    release.set()
    holder.join(10)
    year = numbers[0].split("-")[1]
    assert numbers == [f"CG-{year}-0001", f"CG-{year}-0002", f"CG-{year}-0003"]
    assert waited < 1.0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_emptied_tables_forget_their_sequences():
    """After a flush (a test's teardown, a restore into an empty install) numbering starts again from what
    is on record."""
    year = number_next("ZZ").split("-")[1]
    assert number_next("ZZ") == f"ZZ-{year}-0002"
    NumberSequence.objects.all().delete()
    forget_orphan_sequences()
    assert number_next("ZZ") == f"ZZ-{year}-0001"


def test_every_built_in_prefix_is_on_the_list_a_designed_process_may_not_take():
    """The built-in processes' number prefixes, as their code draws them (number_next("XQ")) or declares them
    (Process(prefix="YY")): each stands in BUILT_IN_PREFIXES, so that the designer refuses it (issue 21)."""
    import re
    from pathlib import Path

    from xietong.items.numbering import BUILT_IN_PREFIXES
    from xietong.items.process import processes

    package = Path(__file__).resolve().parents[2]
    drawn = set()
    for path in package.rglob("*.py"):
        if "tests" not in path.relative_to(package).parts:
            drawn |= set(re.findall(r'number_next\("([A-Z]+)"\)', path.read_text(encoding="utf-8")))
    built_in = [p for p in processes() if p.model._meta.label_lower != "designer.designeditem"]
    declared = {p.prefix for p in built_in if p.prefix}
    assert drawn >= {"XQ", "WT", "HY"}  # the search itself works
    assert drawn | declared == set(BUILT_IN_PREFIXES)
