"""An empty clock sweep is one index probe (issue 18, "an empty sweep ≤ 2 ms among 1,000,000 armed clocks"):
with armed clocks none of which is due, clock_fire_due issues one SELECT — no transaction, no row lock,
no joins — and on PostgreSQL that SELECT walks the partial index clock_armed_due even when the server plans
the prepared statement once for every instant (a generic plan), which a `state = $1` parameter or a
missing ORDER BY would turn into a scan of every clock (~100 ms at 1,000,000: bench/clocks_bench.py).

Every instant below is Asia/Shanghai; Monday 2026-03-02 is a working day (09:00–18:00).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xietong.clocks.models import ClockPolicy
from xietong.clocks.services import clock_arm, clock_fire_due, due_clocks
from xietong.clocks.tests.probe.models import Probe
from xietong.workcal.selectors import default_calendar

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH)


@pytest.fixture
def armed(company):
    ClockPolicy.objects.create(process="probe", priority="*", kind="respond", duration="2h", mode="working")
    person = company.person("wangqiang")
    with time_machine.travel(MONDAY_9, tick=False):
        for n in range(3):
            probe = Probe.objects.create(name=f"请求{n}", owner=person, department=person.department)
            clock_arm(
                subject=probe,
                process="probe",
                limit="respond",
                owner=person,
                department=person.department,
                calendar=default_calendar(),
            )


def test_an_empty_sweep_is_one_select_and_a_due_clock_still_fires(armed):
    with (
        time_machine.travel(MONDAY_9 + dt.timedelta(hours=1), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert clock_fire_due() == 0
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 1, sql
    assert sql[0].startswith("SELECT") and "JOIN" not in sql[0] and "FOR UPDATE" not in sql[0]
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=2), tick=False):
        assert clock_fire_due() == 3  # due at 11:00: the probe lets the claim through


def test_the_due_clocks_walk_the_partial_index_with_a_generic_plan(armed):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan cache; SQLite plans each statement with its values")
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=1), tick=False):
        sql, params = due_clocks().values_list("pk", flat=True)[:1].query.sql_with_params()
    numbered = sql
    for n in range(1, len(params) + 1):
        numbered = numbered.replace("%s", f"${n}", 1)
    assert len(params) == 1  # the instant; the state is written in the statement
    with connection.cursor() as cursor:
        # A generic plan, as the server keeps after five executions; scans made dear so a tiny table does not
        # hide which index the statement can use.
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE due_probe(timestamptz) AS {numbered}")
        try:
            cursor.execute(f"EXPLAIN EXECUTE due_probe('{params[0].isoformat()}')")  # EXPLAIN binds nothing
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE due_probe")
    assert "clock_armed_due" in plan, plan
    assert "Sort" not in plan, plan  # the index's order is the statement's: it stops at the first not due
