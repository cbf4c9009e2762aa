"""Requests and tasks through pages and the API: who sees what, forms in Chinese, exports, attachments."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from openpyxl import load_workbook

from xietong.archive.tests.support import docx_bytes
from xietong.core.models import AuditEvent
from xietong.items.models import Attachment
from xietong.notify.models import InboxMessage
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task, at, new_request


@pytest.fixture
def published(company):
    return _published_task(company)


def test_outsider_gets_404_everywhere(company, client_for, published):
    request, _breakdown, task = published
    outsider = client_for("fengjing")  # 财务部: not in the project, not in either department
    gets = [
        f"/requests/{request.pk}/",
        f"/requests/{request.pk}/edit/",
        f"/tasks/breakdown/{request.pk}/",
        f"/tasks/breakdown/{request.pk}/export.xlsx",
        f"/tasks/{task.pk}/",
        f"/api/requests/{request.pk}",
        f"/api/requests/{request.pk}/actions",
        f"/api/tasks/{task.pk}",
    ]
    for url in gets:
        assert outsider.get(url).status_code == 404, url
    posts = [
        f"/requests/{request.pk}/do/withdraw/",
        f"/tasks/{task.pk}/do/accept/",
        f"/tasks/{task.pk}/edit/",
        f"/tasks/{task.pk}/raci/",
        f"/tasks/breakdown/{request.pk}/publish/",
        f"/items/requests.request/{request.pk}/comments/",
        f"/items/tasks.task/{task.pk}/attachments/",
        f"/api/requests/{request.pk}/transitions/acknowledge",
        f"/api/tasks/{task.pk}/transitions/accept",
    ]
    for url in posts:
        response = (
            outsider.post(url, {"reason": "x"}, content_type="application/json")
            if url.startswith("/api/")
            else outsider.post(url, {"reason": "x", "body": "x"})
        )
        assert response.status_code == 404, url
    assert request.number not in outsider.get("/requests/?scope=all").content.decode()
    assert outsider.get("/api/requests/").json()["count"] == 0
    assert outsider.get("/api/tasks/").json()["count"] == 0


def test_who_sees_a_request(company, client_for, published):
    request, _breakdown, _task = published
    # A project member, both sides, the receiving department's head, the division leader, the GM.
    for username in ("wangqiang", "guoxin", "lina", "zhangwei", "wangjianguo", "chenzhiqiang", "liufang"):
        assert client_for(username).get(f"/requests/{request.pk}/").status_code == 200, username
    # 客服部's head is in no way involved.
    assert client_for("dengli").get(f"/requests/{request.pk}/").status_code == 404


def test_lists_by_scope(company, client_for):
    request = new_request(company, when="2026-03-02 09:00")
    lina = client_for("lina")
    assert request.number in lina.get("/requests/?scope=todo").content.decode()  # waiting for her
    assert request.number not in lina.get("/requests/?scope=mine").content.decode()
    guoxin = client_for("guoxin")
    assert request.number in guoxin.get("/requests/?scope=mine").content.decode()
    assert request.number not in guoxin.get("/requests/?scope=todo").content.decode()
    with time_machine.travel(at("2026-03-02 11:30"), tick=False):  # 2 working hours have passed
        from xietong.clocks.services import clock_fire_due

        clock_fire_due()
        html = lina.get("/requests/?scope=all&overdue=1").content.decode()
    assert request.number in html and "超时" in html
    assert request.number not in lina.get("/requests/?scope=all&priority=low").content.decode()


def _row(html: str, number: str, tag: str = "tr") -> str:
    """The list table's row (or the workbench's line: `li`) of one request."""
    at_number = html.index(number)
    return html[html.rindex(f"<{tag}", 0, at_number) : html.index(f"</{tag}>", at_number)]


def test_a_late_request_is_marked_in_its_row_and_on_the_workbench_and_the_others_are_not(company, client_for):
    late = new_request(company, when="2026-03-02 09:00")
    on_time = new_request(company, when="2026-03-02 11:00")  # its 2 working hours end at 13:00 + the lunch break
    lina = client_for("lina")
    with time_machine.travel(at("2026-03-02 11:30"), tick=False):
        from xietong.clocks.services import clock_fire_due

        clock_fire_due()
        listed = lina.get("/requests/?scope=all").content.decode()
        overdue = lina.get("/requests/?scope=all&overdue=1").content.decode()
        workbench = lina.get("/").content.decode()
    assert 'class="late"' in _row(listed, late.number) and "超时</span>" in _row(listed, late.number)
    assert 'class="late"' not in _row(listed, on_time.number) and "超时</span>" not in _row(listed, on_time.number)
    assert late.number in overdue and on_time.number not in overdue
    assert 'class="tone-late"' in _row(workbench, late.number, "li")
    assert 'class="tone-late"' not in _row(workbench, on_time.number, "li")


def test_form_shows_chinese_errors_and_vague_title_warning(company, client_for):
    page = client_for("guoxin").post(
        "/requests/new/",
        {
            "title": "请确认",
            "project": company.project("smartwatch").pk,
            "priority": "high",
            "requesting_department": company.department("product").pk,
            "requester": company.person("guoxin").pk,
            "receiving_department": company.department("rd-software").pk,
            "receiver": company.person("fengjing").pk,
            "expected_date": "2026-13-45",
            "submit": "1",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "主题“请确认”过于模糊" in html
    assert "输入一个有效的日期" in html
    assert not Request.objects.exists()
    page = client_for("guoxin").post(
        "/requests/new/",
        {
            "title": "智能手表项目-续航评审",
            "project": company.project("smartwatch").pk,
            "priority": "high",
            "requesting_department": company.department("product").pk,
            "requester": company.person("guoxin").pk,
            "receiving_department": company.department("rd-software").pk,
            "receiver": company.person("fengjing").pk,
            "expected_date": "2026-12-01",
            "submit": "1",
        },
    )
    html = page.content.decode()
    assert "冯静 不属于接收部门“软件开发部”" in html and "请填写需求背景" in html
    assert not Request.objects.exists()


def test_create_and_act_through_pages(company, client_for):
    guoxin, lina = client_for("guoxin"), client_for("lina")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        response = guoxin.post(
            "/requests/new/",
            {
                "title": "智能手表项目-续航评审",
                "project": company.project("smartwatch").pk,
                "priority": "high",
                "requesting_department": company.department("product").pk,
                "requester": company.person("guoxin").pk,
                "receiving_department": company.department("rd-software").pk,
                "receiver": company.person("lina").pk,
                "background": "投诉集中在续航",
                "goal": "续航 5 天",
                "content": "评估芯片方案",
                "expected_date": "2026-12-01",
                "criteria": "待机续航≥5天\n功耗报告通过评审",
                "submit": "1",
            },
        )
    request = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{request.pk}/"
    assert list(request.criteria.values_list("text", flat=True)) == ["待机续航≥5天", "功耗报告通过评审"]
    detail = lina.get(f"/requests/{request.pk}/").content.decode()
    assert 'data-action="acknowledge"' in detail and 'data-action="reject"' in detail
    with time_machine.travel(at("2026-03-02 09:40"), tick=False):
        detail = lina.get(f"/requests/{request.pk}/").content.decode()
        assert "剩余 1 个工作小时 20 分钟" in detail
        lina.post(f"/requests/{request.pk}/do/acknowledge/", {"version": request.version})
    request.refresh_from_db()
    assert request.state == "acknowledged"
    assert "接收确认" in guoxin.get(f"/requests/{request.pk}/").content.decode()  # on the timeline
    # Acting with a stale version is a conflict, shown as a message.
    response = lina.post(f"/requests/{request.pk}/do/accept/", {"version": request.version - 1}, follow=True)
    assert "该记录已被他人修改" in response.content.decode()


def test_breakdown_export_in_the_template_layout(company, client_for, published):
    request, _breakdown, _task = published
    response = client_for("guoxin").get(f"/tasks/breakdown/{request.pk}/export.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E5%8D%8F%E4%BD%9C" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["协作任务分解表"]
    assert [c.value for c in sheet[3]] == [
        "序号",
        "任务名称",
        "具体内容",
        "完成标准",
        "负责人",
        "协助人",
        "开始时间",
        "结束时间",
        "优先级",
        "依赖关系",
        "所需资源",
        "协调人",
        "状态",
    ]
    row = [c.value for c in sheet[4]]
    assert row[1] == "硬件方案评审" and row[2] in (None, "") and row[3] and row[4] == "赵磊"
    assert row[6].date() == dt.date(2026, 3, 3) and row[7].date() == dt.date(2026, 3, 6)
    assert row[11] == "孙宇" and row[12] == "待确认"
    raci = workbook["RACI矩阵"]
    header = [c.value for c in raci[2]]
    assert header[0] == "任务" and "赵磊" in header and "孙宇" in header
    values = {header[i]: raci.cell(row=3, column=i + 1).value for i in range(len(header))}
    assert values["赵磊"] == "RA" and values["孙宇"] == "C" and values["郭鑫"] == "I"


def test_breakdown_page_shows_gantt_and_critical_path(company, client_for):
    request, breakdown, first = _published_task(company, publish=False)  # a draft: tasks are added to it
    from xietong.tasks.services import task_create

    with transaction.atomic():
        task_create(
            completion_criteria="交付物经负责人确认",
            actor=company.person("guoxin"),
            breakdown=breakdown,
            title="样机试产",
            owner=company.person("xieqiang"),
            start_date=dt.date(2026, 3, 9),
            end_date=dt.date(2026, 3, 12),
            priority="medium",
            predecessors=[first],
        )
        task_create(
            completion_criteria="交付物经负责人确认",
            actor=company.person("guoxin"),
            breakdown=breakdown,
            title="包装设计",
            owner=company.person("heli"),
            start_date=dt.date(2026, 3, 3),
            end_date=dt.date(2026, 3, 4),
            priority="low",
        )
    html = client_for("guoxin").get(f"/tasks/breakdown/{request.pk}/").content.decode()
    assert "<svg" in html and "甘特图" in html
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr")
    critical = [r for r in rows if 'class="critical' in r]
    assert len(critical) == 2 and "硬件方案评审" in critical[0] and "样机试产" in critical[1]


def test_attachments_keep_versions_and_refuse_bad_files(company, client_for, published, settings):
    request, _breakdown, _task = published
    c = client_for("guoxin")
    url = f"/items/requests.request/{request.pk}/attachments/"
    v1, v2 = docx_bytes("需求 v1"), docx_bytes("需求 v2")
    with time_machine.travel(at("2026-05-20 10:00"), tick=False):
        c.post(url, {"topic": "产品需求文档", "file": SimpleUploadedFile("prd.docx", v1, "application/msword")})
        c.post(url, {"topic": "产品需求文档", "file": SimpleUploadedFile("prd-new.docx", v2, "application/msword")})
    assert list(Attachment.objects.order_by("version").values_list("name", "version")) == [
        ("产品需求文档V1-20260520.docx", 1),
        ("产品需求文档V2-20260520.docx", 2),
    ]
    bad = c.post(url, {"topic": "脚本", "file": SimpleUploadedFile("run.exe", b"MZ")}, follow=True).content.decode()
    assert "不允许上传“.exe”类型的文件" in bad
    settings.XIETONG_ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("big.pdf", b"x" * (1024 * 1024 + 1), "application/pdf")
    assert "超过上限 1 MB" in c.post(url, {"topic": "大文件", "file": big}, follow=True).content.decode()
    assert Attachment.objects.count() == 2
    first = Attachment.objects.get(version=1)
    download = c.get(f"/items/attachments/{first.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == v1
    assert AuditEvent.objects.filter(action="items.attachment.download").count() == 1
    assert client_for("fengjing").get(f"/items/attachments/{first.pk}/").status_code == 404


def test_mentions_notify_only_people_who_can_see_the_item(company, client_for, published):
    request, _breakdown, _task = published
    client_for("guoxin").post(
        f"/items/requests.request/{request.pk}/comments/", {"body": "@李娜 请看续航数据，@冯静 也看看"}
    )
    assert InboxMessage.objects.filter(recipient__username="lina", notification__kind="mention").count() == 1
    assert not InboxMessage.objects.filter(recipient__username="fengjing").exists()  # would leak the request
    assert "请看续航数据" in client_for("lina").get(f"/requests/{request.pk}/").content.decode()


def api_request_body(company, **overrides):
    """A request as the API takes it: 郭鑫 asks 生产部 for a review in the smart-watch project."""
    return {
        "title": "智能手表项目-表带材质评审",
        "project_id": company.project("smartwatch").pk,
        "receiving_department_id": company.department("production").pk,
        "background": "成本",
        "goal": "降本 10%",
        "content": "比较三种材质",
        "expected_date": "2026-12-01",
        "priority": "low",
        **overrides,
    }


def test_api_create_list_and_transition(company, client_for):
    guoxin, lina = client_for("guoxin"), client_for("lina")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        created = guoxin.post(
            "/api/requests/",
            api_request_body(company, criteria=["成本降低≥10%"], submit=True),
            content_type="application/json",
        )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "submitted" and body["receiver_id"] is None and body["criteria"] == ["成本降低≥10%"]
    xieqiang = client_for("xieqiang")  # 生产部's head receives it
    actions = xieqiang.get(f"/api/requests/{body['id']}/actions").json()
    assert [a["name"] for a in actions] == ["acknowledge", "accept", "request_changes", "reject"]
    refused = xieqiang.post(f"/api/requests/{body['id']}/transitions/reject", {}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["fields"] == {"reason": "请填写替代方案"}
    done = xieqiang.post(
        f"/api/requests/{body['id']}/transitions/accept", {"version": body["version"]}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "accepted"
    wrong = lina.post(f"/api/requests/{body['id']}/transitions/close", {}, content_type="application/json")
    assert wrong.status_code == 409
    invalid = guoxin.post("/api/requests/", {"title": "x"}, content_type="application/json")
    assert invalid.status_code == 422 and invalid.json()["code"] == "validation_error"


def test_api_bad_input_is_explained_field_by_field_in_chinese(company, client_for):
    guoxin = client_for("guoxin")
    bad = api_request_body(company, title="长" * 500, expected_date="2026-02-30", priority="urgent")
    del bad["project_id"]
    response = guoxin.post("/api/requests/", bad, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "输入有误，请检查标出的字段"
    assert body["fields"] == {
        "title": "最多 120 个字符",
        "project_id": "必填",
        "expected_date": "应为有效日期，格式 YYYY-MM-DD",
        "priority": "应为以下之一：high、medium、low",
    }
    assert {d["msg"] for d in body["detail"]} == set(body["fields"].values())
    assert guoxin.get("/api/requests/?limit=-1").json()["fields"] == {"limit": "不能小于 1"}
    assert guoxin.get("/api/requests/abc").json()["fields"] == {"request_id": "应为整数"}
    unparsable = guoxin.post("/api/requests/", "{bad json", content_type="application/json")
    assert unparsable.status_code == 400 and unparsable.json()["message"] == "请求体不是有效的 JSON"
    assert not Request.objects.filter(title__startswith="长长").exists()
