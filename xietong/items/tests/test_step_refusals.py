"""What a step may say beyond the common case, for processes moving onto the spine: the field a reason is
typed in and the refusal when it is missing, its own words when someone may not take it, the object its
event belongs on when not the process's (one feedback invitation closing, among the round's steps recorded
on the request), and an item whose `version` is not an optimistic lock."""

import dataclasses

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import ApplicationError, Conflict, Forbidden
from xietong.core.models import AuditEvent
from xietong.items.process import Reason, process_for, remember
from xietong.items.runner import run_step
from xietong.requests.tests.test_request_flow import at
from xietong.seals.models import SealRequest
from xietong.seals.process import SEAL


def _variant(**steps_changed):
    """SEAL with some of its steps changed (restored by the fixture)."""
    steps = tuple(dataclasses.replace(s, **steps_changed.get(s.name, {})) for s in SEAL.steps)
    return dataclasses.replace(SEAL, steps=steps, version_field=steps_changed.get("version_field", "version"))


@pytest.fixture
def declare():
    def use(process):
        remember(process)
        return process

    yield use
    remember(SEAL)


@pytest.fixture
def submitted(company):
    with time_machine.travel(at("2026-10-08 09:00"), tick=False), transaction.atomic():
        item = SealRequest.objects.create(
            number="YY-2026-0001",
            title="渠道合作协议用印",
            project=company.project("smartwatch"),
            created_by=company.person("guoxin"),
            department=company.department("product"),
            seal_type="contract",
            document="渠道合作协议",
            copies=2,
            purpose="签署年度合作协议",
        )
        return run_step(actor=company.person("guoxin"), item=item, step="submit", fresh=True)


def take(company, username, item, name, reason="", version=None):
    with time_machine.travel(at("2026-10-08 10:00"), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=item, step=name, reason=reason, expected_version=version)


def test_a_missing_reason_is_refused_at_its_own_field_in_its_own_words(company, declare, submitted):
    declare(_variant(reject={"reason": Reason("驳回理由", field="note", missing="驳回时请写明理由")}))
    with pytest.raises(ApplicationError) as refused:
        take(company, "hujun", submitted, "reject", reason="  ")
    assert refused.value.fields == {"note": "驳回时请写明理由"}
    with pytest.raises(ApplicationError) as refused:
        take(company, "hujun", submitted, "reject", reason="长" * 3001)
    assert refused.value.fields == {"note": "驳回理由不能超过 3000 字"}
    assert SealRequest.objects.get().state == "submitted"


def test_a_step_refuses_in_its_own_words(company, declare, submitted):
    declare(_variant(approve={"refusal": lambda item: f"只有 {item.department.head.display_name} 可以审批"}))
    with pytest.raises(Forbidden, match=r"^只有 胡军 可以审批$"):
        take(company, "guoxin", submitted, "approve")
    with pytest.raises(Forbidden, match=r"^您不能对此事项执行“驳回”$"):  # the others keep the common words
        process_for(submitted).check(submitted, "reject", company.person("guoxin"))


def test_a_steps_event_may_belong_on_another_object_than_the_processs(company, declare, submitted):
    variant = _variant(approve={"audit_on": lambda item: item.department})
    declare(dataclasses.replace(variant, audit_on=lambda item: item.project))
    take(company, "hujun", submitted, "approve")
    event = AuditEvent.objects.get(action="seal.approve")
    department = company.department("product")
    assert (event.object_type, event.object_id, event.after["state"]) == (
        "org.department",
        str(department.pk),
        "approved",
    )
    assert not AuditEvent.objects.filter(object_type="seals.sealrequest", action="seal.approve").exists()


def test_without_a_version_field_a_step_neither_checks_nor_bumps_version(company, declare, submitted):
    assert submitted.version == 1
    with pytest.raises(Conflict):
        take(company, "hujun", submitted, "approve", version=0)
    declare(_variant(version_field=""))
    approved = take(company, "hujun", submitted, "approve", version=0)
    assert (approved.state, SealRequest.objects.get().version) == ("approved", 1)


def _one_copy(ctx):
    ctx.was["copies"] = ctx.item.copies
    ctx.item.copies = 1
    ctx.changed.add("copies")
    ctx.details["copies"] = 1


def test_a_step_may_record_a_fields_old_value_beside_the_state(company, declare, submitted):
    declare(_variant(approve={"apply": _one_copy}))
    take(company, "hujun", submitted, "approve")
    event = AuditEvent.objects.get(action="seal.approve")
    assert (event.before, event.after) == ({"state": "submitted", "copies": 2}, {"state": "approved", "copies": 1})
