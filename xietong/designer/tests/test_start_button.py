"""The 发起 button of a designed process is shown only to people its 谁可以发起 names (issue 21): 会议申请表 is
started by department heads, so 胡军 (产品部's head) sees 「发起会议申请表」 and starts one, while 王强, an
ordinary employee whose /p/meeting-apply/new/ is a 404, no longer sees a button that leads there."""

import pytest
import time_machine

from xietong.designer.library import library_groups
from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import publish
from xietong.requests.tests.test_request_flow import at

pytestmark = pytest.mark.django_db
BUTTON = '<a class="btn primary" href="/p/meeting-apply/new/">发起会议申请表</a>'


@pytest.fixture
def meeting(company):
    return publish(company, library_groups()["制度模板"]["meeting-apply"])


def test_a_department_head_sees_the_start_button_and_starts_one(company, client_for, meeting):
    client = client_for("hujun")
    assert BUTTON in client.get("/p/meeting-apply/").content.decode()
    assert client.get("/p/meeting-apply/new/").status_code == 200
    sent = {
        "title": "渠道政策协调会",
        "project": company.project("smartwatch").pk,
        "f_goal": "统一渠道报价",
        "f_agenda": "报价口径",
        "f_attendees": company.person("linxue").pk,
        "f_start": "2026-10-20T10:00",
        "f_minutes": "60",
        "f_form": "线下",
        "f_contact": company.person("guoxin").pk,
    }
    with time_machine.travel(at("2026-10-12 10:00"), tick=False):
        response = client.post("/p/meeting-apply/new/", sent)
    assert response.status_code == 302, response.content.decode()
    item = DesignedItem.objects.get(definition=meeting.definition)
    assert (item.created_by, item.state) == (company.person("hujun"), "running")


def test_an_employee_who_may_not_start_it_sees_no_button_and_new_stays_a_404(company, client_for, meeting):
    client = client_for("wangqiang")
    page = client.get("/p/meeting-apply/")
    assert page.status_code == 200
    assert "/p/meeting-apply/new/" not in page.content.decode() and "发起会议申请表" not in page.content.decode()
    assert client.get("/p/meeting-apply/new/").status_code == 404
    assert client.post("/p/meeting-apply/new/", {"title": "协调会"}).status_code == 404


def test_everyone_sees_the_button_of_a_process_everyone_may_start(company, client_for):
    publish(company)  # 费用报销: starters everyone (its label as an earlier test's version may have named it)
    assert (
        '<a class="btn primary" href="/p/expense/new/">' in client_for("wangqiang").get("/p/expense/").content.decode()
    )
