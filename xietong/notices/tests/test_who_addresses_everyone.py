"""Who may address the whole company is a policy (issue 23): any member could publish a notice everyone must
confirm. The coordinating office, the general manager and administrators may; others choose departments or
people."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import ApplicationError
from xietong.notices.models import Notice
from xietong.notices.services import notice_create
from xietong.notices.tests.test_notices import at

REFUSED = "只有综合管理部、总经理和系统管理员可以向全体人员发布通知；请选择涉及部门或指定人员"


def everyone(company, username: str) -> Notice:
    with time_machine.travel(at("2026-03-09 10:00"), tick=False), transaction.atomic():
        return notice_create(
            actor=company.person(username),
            title="关于清明节放假安排的通知",
            project=company.project("smartwatch"),
            body="4 月 4 日至 6 日放假",
            effective_date=dt.date(2026, 4, 4),
            requires_confirmation=True,
            confirm_by=at("2026-03-13 18:00"),
            target_everyone=True,
            departments=[],
            people=[],
            publish=True,
        )


@pytest.mark.parametrize("username", ["lina", "guoxin"])
def test_a_member_cannot_make_everyone_confirm(company, username):
    with pytest.raises(ApplicationError) as refused:
        everyone(company, username)
    assert refused.value.fields == {"target_everyone": REFUSED}
    assert not Notice.objects.exists()


@pytest.mark.parametrize("username", ["liufang", "chenzhiqiang", "admin"])
def test_the_office_the_general_manager_and_administrators_can(company, username):
    assert everyone(company, username).target_everyone is True
