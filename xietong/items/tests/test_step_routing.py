"""Two things a declaration may say beyond from → to: an `apply` hook routes the step to another declared
state (a meeting of the general manager needs no approval: 提交 leads straight to 已批准), and a sub-record
records its steps on its parent's timeline under its own key (a meeting's minutes)."""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.db import transaction

from xietong.core.models import AuditEvent
from xietong.items.process import Process, StepContext, process_for, remember
from xietong.items.runner import run_step
from xietong.notify.models import InboxMessage
from xietong.requests.tests.test_request_flow import at
from xietong.seals.models import SealRequest
from xietong.seals.process import SEAL
from xietong.seals.tests.sample import sample


@contextmanager
def declared(process: Process) -> Iterator[None]:
    original = process_for(process.model)
    remember(process)
    try:
        yield
    finally:
        remember(original)


def seal_with(approve_apply, **changes) -> Process:
    approve = dataclasses.replace(SEAL.get("approve"), apply=approve_apply, arms=(), tells=())
    steps = tuple(approve if s.name == "approve" else s for s in SEAL.steps)
    return dataclasses.replace(SEAL, steps=steps, **changes)


def straight_to_stamped(ctx: StepContext) -> None:
    if ctx.item.copies == 2:
        ctx.target = "stamped"


def test_an_apply_hook_routes_the_step_and_the_event_lands_on_the_named_row(company):
    applied = sample(company)  # 郭鑫's 用印申请 for 2 copies, submitted, waiting for 胡军
    variant = seal_with(straight_to_stamped, audit_on=lambda item: item.department, audit_key="seal")
    with declared(variant), time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        done = run_step(actor=company.person("hujun"), item=applied, step="approve")
    assert (done.state, done.closed_at) == ("stamped", at("2026-10-12 10:00"))
    event = AuditEvent.objects.get(action="seal.approve")
    assert (event.object_type, event.object_id) == ("org.department", str(company.department("product").pk))
    assert (event.before, event.after) == ({"seal": "submitted"}, {"seal": "stamped"})
    assert not AuditEvent.objects.filter(object_type="seals.sealrequest", action="seal.approve").exists()


def test_a_route_to_a_state_the_process_does_not_declare_is_refused_and_nothing_changes(company):
    applied = sample(company)

    def nowhere(ctx: StepContext) -> None:
        ctx.target = "nowhere"

    with (
        declared(seal_with(nowhere)),
        time_machine.travel(at("2026-10-12 10:00"), tick=False),
        pytest.raises(ValueError, match=r"seal\.approve: unknown state 'nowhere'"),
        transaction.atomic(),
    ):
        run_step(actor=company.person("hujun"), item=applied, step="approve")
    assert SealRequest.objects.get(pk=applied.pk).state == "submitted"
    assert not AuditEvent.objects.filter(action="seal.approve").exists()


def test_a_sub_records_messages_are_about_the_row_it_names(company):
    applied = sample(company)
    variant = dataclasses.replace(SEAL, message_on=lambda item: item.department)
    with declared(variant), time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        run_step(actor=company.person("hujun"), item=applied, step="reject", reason="协议未经法务审核")
    message = InboxMessage.objects.get(recipient__username="guoxin").notification
    assert (message.title, message.body) == ("【已驳回】YY-2026-0001 智能手表项目-渠道合作协议用印", "协议未经法务审核")
    assert (message.subject_type, message.subject_id) == ("org.department", company.department("product").pk)
    assert message.url == ""  # a department has no page of its own: no link rather than the seal's
