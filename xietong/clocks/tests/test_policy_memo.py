"""A limit's policy is read once per unit of work (a step arms its clock and its message quotes the same limit),
and read again after anything changes a policy in that unit."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xietong.clocks.models import ClockPolicy
from xietong.clocks.scheduled import policy_change_schedule
from xietong.clocks.services import policy_for
from xietong.core.memo import memo_scope

pytestmark = pytest.mark.django_db


def reads(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        found = call()
    return found, len(captured.captured_queries)


def test_one_read_per_unit_of_work_and_a_fresh_one_after_a_change(company):
    with memo_scope():
        policy, first = reads(lambda: policy_for("request", "respond", "high"))
        again, second = reads(lambda: policy_for("request", "respond", "high"))
        assert (again, first, second) == (policy, 1, 0)
        assert policy is not None

        policy.duration = "3h"
        policy.save(update_fields=["duration"])  # the admin's form saves the row: the memo is emptied
        changed, third = reads(lambda: policy_for("request", "respond", "high"))
        assert (changed.duration, third) == ("3h", 1)

        with transaction.atomic():  # a change for a later date updates change_from without a signal
            policy_change_schedule(
                actor=company.person("admin"),
                policy=changed,
                changes={"duration": "4h"},
                effective_from=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
            )
        scheduled, fourth = reads(lambda: policy_for("request", "respond", "high"))
        assert fourth == 1
        assert scheduled.change_from == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert ClockPolicy.objects.get(pk=policy.pk).change_from == scheduled.change_from


def test_outside_a_unit_of_work_every_call_reads(company):
    assert reads(lambda: policy_for("request", "respond", "high"))[1] == 1
    assert reads(lambda: policy_for("request", "respond", "high"))[1] == 1
