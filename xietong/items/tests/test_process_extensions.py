"""What one app adds to another's process: a step declared elsewhere (a progress update on a task), a
message opening at a part of the item's page, and a secondary record whose events belong on its parent's
timeline. Shown on 用印申请, put back as it was after each test."""

import dataclasses

import pytest
import time_machine
from django.db import transaction

from xietong.core.audit import action_label
from xietong.core.errors import Forbidden
from xietong.core.models import AuditEvent
from xietong.items.creation import item_create
from xietong.items.handover import person_hand_over
from xietong.items.process import HAND_OVER, Step, Tell, hand_over_step
from xietong.items.registry import extend_process
from xietong.items.runner import run_step
from xietong.notify.models import InboxMessage
from xietong.requests.tests.test_request_flow import at
from xietong.seals.models import SealRequest, SealState
from xietong.seals.process import SEAL, applicant
from xietong.seals.tests.sample import sample


@pytest.fixture
def seal_as_declared():
    steps, by_name, audit_on = SEAL.steps, dict(SEAL._steps), SEAL.audit_on
    yield SEAL
    SEAL.steps, SEAL._steps, SEAL.audit_on = steps, by_name, audit_on


REMIND = Step(
    "remind_head",
    "催办",
    (SealState.SUBMITTED,),
    None,
    applicant,
    tells=(Tell(to=lambda ctx: [ctx.item.department.head], title="【催办】%(label)s", anchor="actions"),),
)


def test_a_step_added_by_another_app_runs_like_a_declared_one(company, seal_as_declared):
    extend_process(SEAL, REMIND)
    item = sample(company)
    assert action_label("seal.remind_head") == "催办"
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic(), pytest.raises(Forbidden):
        run_step(actor=company.person("hujun"), item=item, step="remind_head")
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        done = run_step(actor=company.person("guoxin"), item=item, step="remind_head")
    assert (done.state, done.version) == ("submitted", item.version + 1)
    assert AuditEvent.objects.filter(action="seal.remind_head", object_id=str(item.pk)).count() == 1
    message = InboxMessage.objects.get(recipient__username="hujun", notification__title__startswith="【催办】")
    assert message.notification.url == f"/p/seal/{item.pk}/#actions"


def test_an_added_step_must_name_known_states_and_a_new_name(seal_as_declared):
    with pytest.raises(ValueError, match="unknown states"):
        extend_process(SEAL, dataclasses.replace(REMIND, name="x", target="nowhere"))
    with pytest.raises(ValueError, match="declared twice"):
        extend_process(SEAL, dataclasses.replace(REMIND, name="approve"))
    assert "x" not in SEAL.transitions


def test_a_step_with_a_form_of_its_own_is_no_button_but_checks_who_may(company, seal_as_declared):
    extend_process(SEAL, dataclasses.replace(REMIND, offered=False))
    item = sample(company)
    assert [s.name for s in SEAL.available(item, company.person("guoxin"))] == ["withdraw"]
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic(), pytest.raises(Forbidden):
        run_step(actor=company.person("hujun"), item=item, step="remind_head")
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        run_step(actor=company.person("guoxin"), item=item, step="remind_head")
    assert AuditEvent.objects.filter(action="seal.remind_head").count() == 1


def test_events_of_a_secondary_record_go_on_the_object_it_belongs_to(company, seal_as_declared):
    item = sample(company)
    project = item.project
    SEAL.audit_on = lambda seal: seal.project
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        run_step(actor=company.person("hujun"), item=item, step="approve")
    event = AuditEvent.objects.get(action="seal.approve")
    assert (event.object_type, event.object_id) == ("org.project", str(project.pk))


def test_a_process_names_the_states_its_items_are_handed_over_from(company, seal_as_declared):

    narrower = hand_over_step((SealState.SUBMITTED,))
    SEAL.steps = tuple(narrower if s.name == HAND_OVER else s for s in SEAL.steps)
    SEAL._steps[HAND_OVER] = narrower
    submitted = sample(company)
    with time_machine.travel(at("2026-10-12 09:40"), tick=False), transaction.atomic():
        data = {
            "title": "合同用印",
            "project": company.project("smartwatch"),
            "department": company.department("product"),
        }
        draft = item_create(process=SEAL, actor=company.person("guoxin"), data={**data, "seal_type": "contract"})
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        report = person_hand_over(
            actor=company.person("admin"), person=company.person("guoxin"), successor=company.person("hujun")
        )
    assert report.items == {"seals.sealrequest": 1}
    owners = dict(SealRequest.objects.values_list("pk", "created_by__username"))
    assert owners == {submitted.pk: "hujun", draft.pk: "guoxin"}
