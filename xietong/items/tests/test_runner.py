"""The runner's bookkeeping: the version people see moves once per step they could have seen."""

import time_machine
from django.db import transaction

from xietong.items.runner import run_step
from xietong.requests.tests.test_request_flow import at
from xietong.seals.models import SealRequest


def test_an_item_created_and_submitted_at_once_starts_at_version_1_and_each_later_step_adds_one(company, client_for):
    project, product = company.project("smartwatch"), company.department("product")
    with time_machine.travel(at("2026-09-30 16:00"), tick=False):
        response = client_for("guoxin").post(
            "/p/seal/new/",
            {
                "title": "渠道合作协议用印",
                "project": project.pk,
                "department": product.pk,
                "seal_type": "contract",
                "document": "渠道合作协议（西南区）",
                "copies": "2",
                "purpose": "与西南区渠道商签署年度合作协议",
                "submit": "1",
            },
        )
    assert response.status_code == 302
    seal = SealRequest.objects.get()
    # Created and its first step taken in one transaction: no one could have seen another version.
    assert (seal.state, seal.version) == ("submitted", 1)
    with time_machine.travel(at("2026-10-08 10:00"), tick=False), transaction.atomic():
        run_step(actor=company.person("hujun"), item=seal, step="approve", expected_version=1)
    seal.refresh_from_db()
    assert (seal.state, seal.version) == ("approved", 2)
