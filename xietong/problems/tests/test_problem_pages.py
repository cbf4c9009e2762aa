"""Problems through pages and the API: who sees what, forms in Chinese, the ledger export, the case library."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from xietong.archive.tests.support import xlsx_bytes
from xietong.clocks.models import Clock
from xietong.core.models import AuditEvent
from xietong.items.models import Attachment
from xietong.problems.exports import LEDGER_COLUMNS
from xietong.problems.models import Problem
from xietong.problems.tests.test_problem_flow import at, dispatch, file_problem, report


@pytest.fixture
def dispatched(company):
    return dispatch(company, file_problem(company))


def test_outsider_gets_404_on_every_page_and_endpoint(company, client_for, dispatched):
    problem = dispatched
    outsider = client_for("fengjing")  # 财务部: not in the project, not in any department involved
    for url in (
        f"/problems/{problem.pk}/",
        f"/api/problems/{problem.pk}",
        f"/api/problems/{problem.pk}/updates",
        f"/api/problems/{problem.pk}/actions",
    ):
        assert outsider.get(url).status_code == 404, url
    for url in (
        f"/problems/{problem.pk}/dispatch/",
        f"/problems/{problem.pk}/progress/",
        f"/problems/{problem.pk}/solution/",
        f"/problems/{problem.pk}/urgency/",
        f"/problems/{problem.pk}/do/confirm/",
        f"/items/problems.problem/{problem.pk}/comments/",
        f"/items/problems.problem/{problem.pk}/attachments/",
    ):
        assert outsider.post(url, {"progress": "x", "body": "x", "urgency": "high"}).status_code == 404, url
    for url in (
        f"/api/problems/{problem.pk}/dispatch",
        f"/api/problems/{problem.pk}/progress",
        f"/api/problems/{problem.pk}/solution",
        f"/api/problems/{problem.pk}/urgency",
        f"/api/problems/{problem.pk}/transitions/confirm",
    ):
        response = outsider.post(
            url, {"lead_department_id": 1, "progress": "x", "urgency": "high"}, content_type="application/json"
        )
        assert response.status_code == 404, url
    assert problem.number not in outsider.get("/problems/?scope=all").content.decode()
    assert problem.number not in outsider.get("/problems/ledger/").content.decode()
    assert outsider.get("/api/problems/").json()["count"] == 0
    assert outsider.get("/api/problems/ledger").json() == []
    assert Problem.objects.get(pk=problem.pk).state == "dispatched"


def test_who_sees_a_problem(company, client_for, dispatched):
    # The filer, a project member, the filing and lead departments' heads, the helper department's head,
    # the copied division leader, 综合管理部 and the general manager.
    for username in (
        "caojing",
        "pengbo",
        "dengli",
        "lina",
        "zhangwei",
        "sunyu",
        "wangjianguo",
        "liufang",
        "sunli",
        "chenzhiqiang",
    ):
        assert client_for(username).get(f"/problems/{dispatched.pk}/").status_code == 200, username
    assert client_for("gaofeng").get(f"/problems/{dispatched.pk}/").status_code == 404  # 市场部


def test_filing_through_the_form_with_evidence(company, client_for):
    client = client_for("caojing")
    page = client.get("/problems/new/")
    assert page.status_code == 200 and "售后服务响应流程优化" in page.content.decode()
    assert "智能手表项目" not in page.content.decode()  # only her own projects
    data = {
        "title": "客服工单系统高峰期响应缓慢",
        "project": company.project("service-response").pk,
        "urgency": "high",
        "expected_date": (dt.date.today() + dt.timedelta(days=20)).isoformat(),
        "background": "双十一预热期间客服咨询量翻倍",
        "current_state": "高峰期打开工单平均需 12 秒",
        "impact": "客服部全员",
    }
    bad = client.post("/problems/new/", {**data, "evidence": SimpleUploadedFile("脚本.exe", b"MZ")})
    assert bad.status_code == 200 and "不允许上传“.exe”类型的文件" in bad.content.decode()
    assert not Problem.objects.exists() and not Attachment.objects.exists()
    evidence = [
        SimpleUploadedFile("工单耗时统计.xlsx", xlsx_bytes([["工单", "耗时"], ["A-1", "12 秒"]])),
        SimpleUploadedFile("卡顿截图.png", b"\x89PNG\r\n\x1a\n data"),
    ]
    response = client.post("/problems/new/", {**data, "evidence": evidence})
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.pk}/"
    assert sorted(a.topic for a in Attachment.objects.all()) == ["卡顿截图", "工单耗时统计"]
    assert problem.urgency == "high" and problem.created_by.username == "caojing"
    html = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "待部门负责人审核" in html and "工单耗时统计V1-" in html


def test_filing_form_shows_chinese_errors(company, client_for):
    page = client_for("caojing").post(
        "/problems/new/",
        {
            "title": "",
            "project": company.project("service-response").pk,
            "urgency": "medium",
            "expected_date": "2026-13-45",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "请填写问题主题" in html and "请填写问题背景" in html and "请填写影响范围" in html
    assert "输入一个有效的日期" in html
    assert not Problem.objects.exists()


def test_dispatch_page_refuses_a_department_that_does_not_exist(company, client_for):
    problem = file_problem(company)
    client = client_for("liufang")
    assert 'id="dispatch"' in client.get(f"/problems/{problem.pk}/").content.decode()
    page = client.post(
        f"/problems/{problem.pk}/dispatch/",
        {"lead_department": 999999, "basis": "按职责", "deadline": "2026-12-30", "version": problem.version},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "所选主责部门不存在（可能已被删除），请重新选择" in html
    problem.refresh_from_db()
    assert problem.state == "filed" and problem.lead_department_id is None
    assert not AuditEvent.objects.filter(action="problem.dispatch").exists()


def test_dispatch_api_refuses_a_department_that_does_not_exist(company, client_for):
    problem = file_problem(company)
    response = client_for("liufang").post(
        f"/api/problems/{problem.pk}/dispatch",
        {"lead_department_id": 999999, "basis": "按职责", "deadline": "2026-12-30"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"lead_department_id": "部门不存在：#999999"}
    problem.refresh_from_db()
    assert problem.state == "filed"


def test_non_coordinator_cannot_dispatch_through_the_api(company, client_for):
    problem = file_problem(company)
    response = client_for("dengli").post(
        f"/api/problems/{problem.pk}/dispatch",
        {"lead_department_id": company.department("rd-software").pk, "basis": "按职责", "deadline": "2026-12-30"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["message"] == "您不能对此事项执行“分派”"


def test_the_whole_flow_through_the_pages(company, client_for):
    problem = file_problem(company, when="2026-03-02 09:00")
    with time_machine.travel(at("2026-03-02 10:00"), tick=False):
        response = client_for("liufang").post(
            f"/problems/{problem.pk}/dispatch/",
            {
                "lead_department": company.department("rd-software").pk,
                "helper_departments": [company.department("rd-qa").pk],
                "basis": "工单系统由软件开发部负责",
                "deadline": "2026-03-13",
                "version": problem.version,
            },
        )
        assert response.status_code == 302
    lina = client_for("lina")
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        html = lina.get(f"/problems/{problem.pk}/").content.decode()
        assert 'id="plan-form"' in html and 'id="progress"' not in html  # the plan comes first (步骤3)
        planned = lina.post(
            f"/problems/{problem.pk}/plan/",
            {
                "measure_1": "为工单表增加复合索引",
                "owner_1": company.person("lina").pk,
                "due_date_1": "2026-03-05",
                "consultation": "测试部配合验证",
            },
        )
        assert planned.status_code == 302
        html = lina.get(f"/problems/{problem.pk}/").content.decode()
        assert 'id="progress"' in html and "2026-03-04 10:00" in html  # every 2 working days
        empty = lina.post(f"/problems/{problem.pk}/progress/", {"progress": " "})
        assert "请填写阶段性成果" in empty.content.decode()
        lina.post(f"/problems/{problem.pk}/progress/", {"progress": "已定位慢查询", "next_step": "加索引"})
    with time_machine.travel(at("2026-03-05 10:00"), tick=False):
        lina.post(
            f"/problems/{problem.pk}/solution/",
            {"cause": "缺少索引", "measures": "增加复合索引", "effect": "平均 0.8 秒"},
        )
    with time_machine.travel(at("2026-03-05 11:00"), tick=False):
        client_for("caojing").post(f"/problems/{problem.pk}/do/confirm/", {})
    problem.refresh_from_db()
    assert problem.state == "closed"
    cases = client_for("liufang").get("/problems/cases/?q=复合索引").content.decode()
    assert problem.number in cases and "平均 0.8 秒" in cases
    assert problem.number not in client_for("liufang").get("/problems/cases/?q=打印机").content.decode()


def test_urgency_page_rearms_the_cadence(company, client_for, dispatched):
    with time_machine.travel(at("2026-10-08 14:00"), tick=False):
        response = client_for("caojing").post(
            f"/problems/{dispatched.pk}/urgency/",
            {"urgency": "high", "reason": "投诉升级", "version": dispatched.version},
        )
    assert response.status_code == 302
    live = Clock.objects.get(
        subject_type="problems.problem", subject_id=dispatched.pk, kind="update_due", state="armed"
    )
    assert live.due_at == at("2026-10-09 14:00")
    same = client_for("caojing").post(f"/problems/{dispatched.pk}/urgency/", {"urgency": "high"})
    assert "紧急程度没有变化" in same.content.decode()


def test_ledger_page_and_excel_export_in_the_ledger_layout(company, client_for, dispatched):
    report(company, dispatched, "2026-10-09 15:00")
    client = client_for("liufang")
    with time_machine.travel(at("2026-10-09 16:00"), tick=False):
        html = client.get("/problems/ledger/").content.decode()
        response = client.get("/problems/ledger.xlsx")
    assert dispatched.number in html and "11.0" in html
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "问题处理台账" and sheet["A1"].value == "问题处理台账"
    assert [c.value for c in sheet[3]] == LEDGER_COLUMNS
    assert LEDGER_COLUMNS[:5] == ["序号", "问题编号", "问题主题", "提报部门", "提报人"]
    row = [c.value for c in sheet[4]]
    assert row[1] == "WT-2026-0001" and row[3] == "客户服务部" and row[6] == "软件开发部" and row[8] == "处理中"
    assert row[9] == dt.datetime(2026, 9, 30, 17, 30) and row[12] == dt.datetime(2026, 10, 9, 15, 0)
    assert row[10] == dt.datetime(2026, 9, 30, 17, 30)  # signed off by the head as it was filed
    assert float(row[15]) == 1.5 and float(row[16]) == 11.0 and row[17] is None and row[20] == 1
    assert client_for("fengjing").get("/problems/ledger.xlsx").status_code == 200
    outsider_sheet = load_workbook(io.BytesIO(client_for("fengjing").get("/problems/ledger.xlsx").content)).active
    assert outsider_sheet.max_row == 3  # headers only: nothing within her reach


def test_api_file_and_read(company, client_for):
    client = client_for("caojing")
    response = client.post(
        "/api/problems/",
        {
            "title": "客服工单系统高峰期响应缓慢",
            "project_id": company.project("service-response").pk,
            "background": "咨询量翻倍",
            "current_state": "打开工单 12 秒",
            "impact": "客服部",
            "urgency": "high",
            "expected_date": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("WT-") and body["state"] == "endorsing" and body["urgency"] == "high"
    assert body["endorser_id"] == company.person("dengli").pk and body["endorsed_at"] is None
    empty = client.post(
        "/api/problems/",
        {"title": "x", "project_id": company.project("service-response").pk, "expected_date": "2030-01-01"},
        content_type="application/json",
    )
    assert empty.status_code == 400 and empty.json()["fields"]["background"] == "请填写问题背景"
    assert Problem.objects.count() == 1
    assert client.get(f"/api/problems/{body['id']}").json()["title"] == "客服工单系统高峰期响应缓慢"


def test_the_flash_after_filing_names_the_dispatch_limit_the_policy_sets(company, client_for):
    from django.contrib.messages import get_messages

    from xietong.clocks.models import ClockPolicy

    ClockPolicy.objects.filter(process="problem", kind="dispatch").update(duration="2d")
    form = {
        "title": "客服工单系统高峰期响应缓慢",
        "project": company.project("service-response").pk,
        "urgency": "medium",
        "expected_date": "2026-10-30",
        "background": "双十一预热期间客服咨询量翻倍",
        "current_state": "高峰期打开工单平均需 12 秒",
        "impact": "客服部全员",
    }
    with time_machine.travel(at("2026-09-30 17:30"), tick=False):
        response = client_for("dengli").post("/problems/new/", form)  # the head signs by filing
    assert response.status_code == 302
    # 0.5 h on 9/30, 7.5 h on 10/8, 7 h on 10/9 (国庆 does not count).
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "问题 WT-2026-0001 已提报，综合管理部将在 10月9日 17:30 前（2 个工作日内）分派"
    ]
    with time_machine.travel(at("2026-09-30 17:40"), tick=False):
        response = client_for("caojing").post("/problems/new/", {**form, "title": "客服知识库与产品手册不一致"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "问题 WT-2026-0002 已提报，等待部门负责人 邓丽 审核签署后提交综合管理部"
    ]
