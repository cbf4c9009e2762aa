"""Two declared options of a step: one that leaves the state (a reminder, a row added) may record only
what it did, and a message may name whose group robots carry it (a notice to several departments goes
to the robots of the smallest department holding them all, not the sender's)."""

import dataclasses

import pytest
import time_machine
from django.db import transaction

from xietong.core.models import AuditEvent
from xietong.items.process import Step, Tell, remember
from xietong.items.runner import run_step
from xietong.notify.models import Channel, Delivery, Notification
from xietong.org.models import Department
from xietong.requests.tests.test_request_flow import at
from xietong.seals.models import SealRequest
from xietong.seals.process import SEAL, applicant


def _remind_apply(ctx):
    ctx.details["reminded"] = [ctx.item.department.head_id]


REMIND = Step(
    "remind",
    "催办",
    ("submitted",),
    None,
    applicant,
    records_state=False,
    apply=_remind_apply,
    tells=(
        Tell(
            to=lambda ctx: [ctx.item.department.head],
            title="【催办】%(label)s",
            department=lambda ctx: Department.objects.get(code="sales"),
        ),
    ),
)


@pytest.fixture
def seal_with_reminder():
    remember(dataclasses.replace(SEAL, steps=(*SEAL.steps, REMIND)))
    yield
    remember(SEAL)


@pytest.fixture
def submitted(company, client_for):
    guoxin = client_for("guoxin")
    project, product = company.project("smartwatch"), company.department("product")
    data = {
        "title": "渠道合作协议用印",
        "project": project.pk,
        "department": product.pk,
        "seal_type": "contract",
        "document": "渠道合作协议",
        "copies": "1",
        "purpose": "签署协议",
        "submit": "1",
    }
    with time_machine.travel(at("2026-09-30 16:00"), tick=False):
        assert guoxin.post("/p/seal/new/", data).status_code == 302
    return SealRequest.objects.get()


def test_a_step_that_leaves_the_state_records_only_what_it_did(company, submitted, seal_with_reminder):
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        item = run_step(actor=company.person("guoxin"), item=submitted, step="remind")
    assert item.state == "submitted"
    event = AuditEvent.objects.get(action="seal.remind")
    assert (event.before, event.after) == (None, {"reminded": [company.person("hujun").pk]})
    # A step that moves the item keeps recording the states it moved between.
    submit = AuditEvent.objects.get(action="seal.submit")
    assert (submit.before, submit.after) == ({"state": "draft"}, {"state": "submitted"})


def test_a_message_goes_to_the_robots_of_the_department_it_names(company, submitted, seal_with_reminder):
    sales = company.department("sales")
    Channel.objects.create(kind="dingtalk", name="销售部群", url="https://oapi.dingtalk.com/robot/send?access_token=p")
    Channel.objects.filter(name="销售部群").update(department=sales)
    Channel.objects.create(kind="dingtalk", name="产品部群", url="https://oapi.dingtalk.com/robot/send?access_token=q")
    Channel.objects.filter(name="产品部群").update(department=submitted.department)
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        run_step(actor=company.person("guoxin"), item=submitted, step="remind")
    message = Notification.objects.get(title__startswith="【催办】")
    assert message.department == sales
    assert list(
        Delivery.objects.filter(notification=message, channel__isnull=False).values_list("channel__name", flat=True)
    ) == ["销售部群"]
