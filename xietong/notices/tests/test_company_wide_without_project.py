"""A company-wide notice belongs to no project (issue 23): the coordinating office published 清明节放假安排 only
after picking some project. Without one, through the page and the API, everyone receives it, sees it and
confirms it."""

import time_machine

from xietong.notices.models import Notice, NoticeReceipt
from xietong.notices.tests.test_notices import at


def form(**extra):
    return {
        "title": "关于清明节放假安排的通知",
        "body": "4 月 4 日至 6 日放假",
        "effective_date": "2026-04-04",
        "target_everyone": "on",
        "requires_confirmation": "on",
        "confirm_by": "2026-03-13T18:00",
        "publish": "1",
        **extra,
    }


def test_a_company_wide_notice_needs_no_project_and_reaches_everyone(company, client_for):
    with time_machine.travel(at("2026-03-09 10:00"), tick=False):
        sent = client_for("liufang").post("/notices/new/", form())
        notice = Notice.objects.get()
        assert sent.status_code == 302 and sent["Location"] == notice.get_absolute_url()
        assert (notice.project, notice.state) == (None, "published")
        assert NoticeReceipt.objects.filter(notice=notice, person__username="hanlei").exists()
        hanlei = client_for("hanlei")  # 销售部, in no project with 刘芳
        page = hanlei.get(notice.get_absolute_url())
        assert page.status_code == 200 and "关于清明节放假安排的通知" in page.content.decode()
        assert notice.title in hanlei.get("/notices/?scope=todo").content.decode()

        api = client_for("liufang").post(
            "/api/notices/",
            {
                "title": "年会通知",
                "body": "1 月 20 日",
                "effective_date": "2027-01-20",
                "target_everyone": True,
                "requires_confirmation": False,
                "publish": True,
            },
            content_type="application/json",
        )
        assert api.status_code == 201, api.content
        assert api.json()["project_id"] is None
    assert Notice.objects.count() == 2
