"""The 请假/外出 form counts its days as the server will (a reviewer saw 「共 3 天（自然日）」 for Sat 12-19 to Mon
12-21 on the form and 「1 天」 on the saved leave): a range counted in working days carries the person's
calendar — a flag a day — for the page to count with, holidays out and 调休 Saturdays in; a range counted in
natural days says so; dates beyond what the page carries are counted on submit."""

import copy
import datetime as dt
import re

import time_machine
from django.db import transaction

from xietong.designer.library import library_documents
from xietong.designer.models import ApproverGroup
from xietong.designer.services import definition_publish
from xietong.requests.tests.test_request_flow import at


def test_the_leave_form_carries_the_working_calendar_to_count_with(company, client_for):
    hr, _ = ApproverGroup.objects.get_or_create(code="hr", defaults={"name": "人事"})
    hr.members.set([company.person("sunli")])
    with time_machine.travel(at("2026-10-09 09:00"), tick=False), transaction.atomic():
        definition_publish(actor=company.person("admin"), document=copy.deepcopy(library_documents()["leave"]))
    with time_machine.travel(at("2026-10-09 09:00"), tick=False):
        page = client_for("guoxin").get("/p/leave/new/").content.decode()
    counter = re.search(
        r'<span class="meta" data-days data-text="([^"]*)" data-later="([^"]*)" '
        r'data-from="([^"]*)" data-workdays="([01]*)"></span>',
        page,
    )
    assert counter is not None
    text, later, first, flags = counter.groups()
    assert (text, later, first) == ("共 {n} 个工作日", "提交后按工作日历计算天数", "2026-08-08")
    assert len(flags) == 62 + 400 + 1

    def flags_for(start: str, end: str) -> str:
        offset = (dt.date.fromisoformat(start) - dt.date.fromisoformat(first)).days
        return flags[offset : offset + (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1]

    # 国庆 10-01…10-07 rest; Thursday 10-08 and Friday 10-09 work; Saturday 10-10 is a 调休 working day.
    assert flags_for("2026-09-30", "2026-10-11") == "1" + "0000000" + "1110"  # 9-30, 国庆, 10-08…10-11
    assert flags_for("2026-12-19", "2026-12-21") == "001"  # the reviewer's Saturday to Monday: 1 working day
