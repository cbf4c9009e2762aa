"""The declared steps of 异常问题、延期申请 and 部门分歧 over JSON: what one may do now, doing it, and 404 for
anyone who may not see the item."""

import time_machine

from xietong.core.models import AuditEvent
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at
from xietong.risks.models import ExceptionReport
from xietong.risks.tests.test_risks import raise_exception


def test_an_exception_is_closed_over_the_api_by_someone_who_may(company, client_for):
    report = raise_exception(company, running_task(company), "2026-10-09 10:00")
    guoxin, wangqiang = client_for("guoxin"), client_for("wangqiang")
    assert guoxin.get(f"/api/risks/exceptions/{report.pk}").json()["state"] == "open"
    actions = guoxin.get(f"/api/risks/exceptions/{report.pk}/actions").json()
    assert [(a["name"], a["needs_reason"], a["reason_label"]) for a in actions] == [
        ("resolve", True, "处理结果"),
        ("update_eta", False, "说明"),
    ]
    assert [a["name"] for a in wangqiang.get(f"/api/risks/exceptions/{report.pk}/actions").json()] == ["update_eta"]
    refused = wangqiang.post(
        f"/api/risks/exceptions/{report.pk}/transitions/resolve", {"reason": "我来关"}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["message"]) == (
        403,
        "只有发起方、相关部门负责人或协调人可以闭环异常问题",
    )
    empty = guoxin.post(f"/api/risks/exceptions/{report.pk}/transitions/resolve", {}, content_type="application/json")
    assert (empty.status_code, empty.json()["fields"]) == (
        400,
        {"resolution": "请写明处理结果：谁决定了什么、何时完成"},
    )
    with time_machine.travel(at("2026-10-09 15:00"), tick=False):
        done = guoxin.post(
            f"/api/risks/exceptions/{report.pk}/transitions/resolve",
            {"reason": "厂商 10/12 提供定制 SDK", "version": report.version},
            content_type="application/json",
        )
    assert (done.status_code, done.json()["state"], done.json()["resolution"]) == (
        200,
        "resolved",
        "厂商 10/12 提供定制 SDK",
    )
    report = ExceptionReport.objects.get(pk=report.pk)
    assert (report.closed_at, report.decided_by.username) == (at("2026-10-09 15:00"), "guoxin")
    assert AuditEvent.objects.filter(action="exception.resolve", object_id=str(report.pk)).count() == 1
    outsider = client_for("fengjing")
    assert outsider.get(f"/api/risks/exceptions/{report.pk}").status_code == 404
    assert outsider.get(f"/api/risks/exceptions/{report.pk}/actions").status_code == 404
