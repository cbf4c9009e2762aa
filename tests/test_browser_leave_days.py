"""The 请假/外出 form counts working days as one picks the dates, on a phone (390×844): Saturday 10-10 is a 调休
working day after 国庆 and Sunday 10-11 rests, so 10-08 to 10-12 is 4 working days, and 09-30 to 10-08 (国庆
between) is 2 — the figure the saved leave will carry. Screenshot in test-artifacts/."""

from __future__ import annotations

import copy

import pytest
import time_machine
from django.db import transaction
from playwright.sync_api import expect

from conftest import screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_the_leave_form_counts_working_days_as_the_dates_are_picked(page_for, live_server, live_company):
    from xietong.designer.library import library_documents
    from xietong.designer.models import ApproverGroup
    from xietong.designer.services import definition_publish
    from xietong.requests.tests.test_request_flow import at

    hr, _ = ApproverGroup.objects.get_or_create(code="hr", defaults={"name": "人事"})
    hr.members.set([live_company.person("sunli")])
    with transaction.atomic():
        definition_publish(actor=live_company.person("admin"), document=copy.deepcopy(library_documents()["leave"]))
    guoxin = page_for("guoxin")
    guoxin.set_viewport_size(PHONE)
    with time_machine.travel(at("2026-09-28 09:00"), tick=True):
        guoxin.goto(f"{live_server.url}/p/leave/new/")
    dates = guoxin.locator("[data-daterange] input[type=date]")
    counter = guoxin.locator("[data-daterange] [data-days]")
    dates.nth(0).fill("2026-10-08")
    dates.nth(1).fill("2026-10-12")
    expect(counter).to_have_text("共 4 个工作日")
    dates.nth(0).fill("2026-09-30")
    dates.nth(1).fill("2026-10-08")
    expect(counter).to_have_text("共 2 个工作日")
    assert guoxin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(guoxin, "leave-working-days")
