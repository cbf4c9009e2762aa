"""Org sync from an LDAP directory (Debian's slapd started by the test) and from an Excel sheet (the downloadable
template filled in), each with the same dry-run diff — added, moved, renamed, left, head changed — and a person
who left handed over to the head of their department, then switched off; local roles kept; and the scheduled
sync the worker runs at the configured time, recorded."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from xietong.core.models import AuditEvent
from xietong.org import excel_directory
from xietong.org.models import Department, OrgSyncRun, Person
from xietong.org.sync import plan_sync
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import at, new_request

MAIL = "xingchen.example.com"

# The first sync: the chart typed in so far is linked, departments by name, people by email (陈静 by her
# mobile). The order is the source's: the sheet's rows; the directory's tree (an OU's entries together).
FIRST_SYNC = {
    "excel": [
        "关联部门 研发中心（按名称匹配）",
        "关联部门 软件开发部（按名称匹配）",
        "关联部门 测试部（按名称匹配）",
        "关联人员 张伟（按邮箱或手机匹配）",
        "关联人员 李娜（按邮箱或手机匹配）",
        "关联人员 王强（按邮箱或手机匹配）",
        "关联人员 陈静（按邮箱或手机匹配）",
        "关联人员 孙宇（按邮箱或手机匹配）",
    ],
    "ldap": [
        "关联部门 研发中心（按名称匹配）",
        "关联部门 测试部（按名称匹配）",
        "关联部门 软件开发部（按名称匹配）",
        "关联人员 孙宇（按邮箱或手机匹配）",
        "关联人员 陈静（按邮箱或手机匹配）",
        "关联人员 李娜（按邮箱或手机匹配）",
        "关联人员 王强（按邮箱或手机匹配）",
        "关联人员 张伟（按邮箱或手机匹配）",
    ],
}
# A month later: 测试部 renamed 质量保障部, 陈静 moved there, 李娜 left, 王强 heads 软件开发部, a new 算法部 with
# a new engineer.
SECOND_SYNC = {
    "excel": [
        "部门负责人 软件开发部：李娜 → 王强",
        "部门更名 测试部：测试部 → 质量保障部",
        "新增部门 算法部（上级：研发中心）",
        "部门负责人 算法部：— → 新同事",
        "离职 李娜：停用账号，工作交接给 王强",
        "人员调动 陈静：软件开发部 → 质量保障部",
        "新增人员 新同事（算法部，算法工程师）",
    ],
    "ldap": [
        "新增部门 算法部（上级：研发中心）",
        "部门负责人 算法部：— → 新同事",
        "部门更名 测试部：测试部 → 质量保障部",
        "部门负责人 软件开发部：李娜 → 王强",
        "新增人员 新同事（算法部，算法工程师）",
        "人员调动 陈静：软件开发部 → 质量保障部",
        "离职 李娜：停用账号，工作交接给 王强",
    ],
}


def run_sync(*args: str) -> list[str]:
    out = io.StringIO()
    with time_machine.travel(at("2026-10-08 09:00"), tick=False):
        call_command("org", "sync", *args, stdout=out)
    return out.getvalue().splitlines()


def check_second_sync_applied(company, request, id_field: str) -> None:
    lina, wangqiang, chenjing = company.person("lina"), company.person("wangqiang"), company.person("chenjing")
    # 李娜 left: her request went to 王强 through the hand-over, then her account was switched off.
    assert not lina.is_active
    assert Request.objects.get(pk=request.pk).receiver == wangqiang
    hand_over = AuditEvent.objects.get(action="org.person.hand_over")
    assert hand_over.object_id == str(lina.pk) and hand_over.after["successor_name"] == "王强"
    assert hand_over.actor.username == "admin"
    qa = company.department("rd-qa")
    assert qa.name == "质量保障部" and chenjing.department == qa
    assert company.department("rd-software").head == wangqiang
    algo = Department.objects.get(name="算法部")
    newcomer = Person.objects.get(**{id_field: getattr(Person.objects.get(name="新同事"), id_field)})
    assert (algo.parent, algo.head, newcomer.department, newcomer.title, newcomer.email) == (
        company.department("rd"),
        newcomer,
        algo,
        "算法工程师",
        f"xintongshi@{MAIL}",
    )
    assert not newcomer.has_usable_password()
    # Local roles the source does not know are kept.
    assert company.department("rd").division_leader.username == "wangjianguo"
    assert company.department("admin").is_coordinating_office and company.person("chenzhiqiang").is_general_manager


# --- LDAP --------------------------------------------------------------------------------------------------


@pytest.fixture
def directory(slapd, company):
    """研发中心 as the directory has it today (matching what was typed into Xietong)."""
    slapd.add_ou("研发中心")
    slapd.add_ou("研发中心", "软件开发部")
    slapd.add_ou("研发中心", "测试部")
    chenjing = company.person("chenjing")
    slapd.add_person("zw", "张伟", "研发中心", mail=f"zhangwei@{MAIL}", title="研发总监")
    slapd.add_person("li.na", "李娜", "研发中心", "软件开发部", mail=f"lina@{MAIL}", title="软件开发部经理")
    slapd.add_person("wq", "王强", "研发中心", "软件开发部", mail=f"wangqiang@{MAIL}", title="高级软件工程师")
    slapd.add_person("cj", "陈静", "研发中心", "软件开发部", mobile=chenjing.phone, title=chenjing.title)
    slapd.add_person("sy", "孙宇", "研发中心", "测试部", mail=f"sunyu@{MAIL}", title="测试部经理")
    slapd.modify(slapd.ou_dn("研发中心"), owner=slapd.person_dn("zw"))
    slapd.modify(slapd.ou_dn("研发中心", "软件开发部"), owner=slapd.person_dn("li.na"))
    slapd.modify(slapd.ou_dn("研发中心", "测试部"), owner=slapd.person_dn("sy"))
    return slapd


def a_month_later(slapd) -> None:
    slapd.rename(slapd.ou_dn("研发中心", "测试部"), "ou=质量保障部")
    slapd.rename(slapd.person_dn("cj"), "uid=cj", slapd.ou_dn("研发中心", "质量保障部"))
    slapd.delete(slapd.person_dn("li.na"))
    slapd.modify(slapd.ou_dn("研发中心", "软件开发部"), owner=slapd.person_dn("wq"))
    slapd.add_ou("研发中心", "算法部")
    slapd.add_person("xts", "新同事", "研发中心", "算法部", mail=f"xintongshi@{MAIL}", title="算法工程师")
    slapd.modify(slapd.ou_dn("研发中心", "算法部"), owner=slapd.person_dn("xts"))


def test_ldap_sync_dry_run_then_apply_with_a_departure_handed_over(directory, company):
    assert run_sync("--source", "ldap", "--dry-run") == [*FIRST_SYNC["ldap"], "（试运行：共 8 项变更，未做任何修改）"]
    assert not Person.objects.exclude(ldap_id="").exists()
    run_sync("--source", "ldap", "--actor", "admin")
    lina = company.person("lina")
    assert len(lina.ldap_id) == 36 and company.department("rd-software").ldap_id
    assert run_sync("--source", "ldap", "--dry-run") == ["LDAP通讯录与协同一致，无需变更。"]

    request = new_request(company, when="2026-09-30 17:30")  # 李娜 must answer it
    a_month_later(directory)
    audit_before = AuditEvent.objects.count()
    assert run_sync("--source", "ldap", "--dry-run") == [*SECOND_SYNC["ldap"], "（试运行：共 7 项变更，未做任何修改）"]
    assert AuditEvent.objects.count() == audit_before and company.person("lina").is_active

    assert run_sync("--source", "ldap", "--actor", "admin") == [
        *SECOND_SYNC["ldap"],
        "已同步：新增部门 1、变更部门 2、新增人员 1、变更人员 1（其中调动 1）、离职交接 1。",
    ]
    check_second_sync_applied(company, request, "ldap_id")
    summary = AuditEvent.objects.filter(action="org.sync").latest("pk")
    assert summary.object_label == "LDAP通讯录同步" and summary.after["changes"] == SECOND_SYNC["ldap"]


def test_a_disabled_active_directory_account_has_left(directory, company):
    run_sync("--source", "ldap", "--actor", "admin")
    # AD marks a switched-off account in userAccountControl (bit 2); OpenLDAP's inetOrgPerson has no such
    # attribute, so the test entry takes the extensible object class to carry it.
    dn = directory.person_dn("cj")
    import ldap

    directory.conn.modify_s(
        dn, [(ldap.MOD_ADD, "objectClass", [b"extensibleObject"]), (ldap.MOD_ADD, "userAccountControl", [b"514"])]
    )
    assert run_sync("--source", "ldap", "--dry-run")[0] == "离职 陈静：停用账号，工作交接给 李娜"


def test_an_unreachable_directory_is_a_clear_message(directory, company, settings):
    settings.XIETONG_LDAP_BIND_PASSWORD = "wrong"
    with pytest.raises(CommandError, match=r"读取LDAP通讯录失败：.*INVALID_CREDENTIALS"):
        run_sync("--source", "ldap", "--dry-run")


# --- Excel -------------------------------------------------------------------------------------------------


def sheet(departments: list[list[str]], people: list[list[str]]) -> bytes:
    workbook = Workbook()
    first = workbook.active
    first.title = "部门"
    first.append(list(excel_directory.DEPARTMENT_HEADER))
    for row in departments:
        first.append(row)
    second = workbook.create_sheet("人员")
    second.append(list(excel_directory.PEOPLE_HEADER))
    for row in people:
        second.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def today_sheet(company) -> bytes:
    chenjing = company.person("chenjing")
    return sheet(
        [["D1", "研发中心", "", "E1"], ["D2", "软件开发部", "D1", "E2"], ["D3", "测试部", "D1", "E5"]],
        [
            ["E1", "张伟", "D1", "研发总监", "", f"zhangwei@{MAIL}", "在职"],
            ["E2", "李娜", "D2", "软件开发部经理", "", f"lina@{MAIL}", "在职"],
            ["E3", "王强", "D2", "高级软件工程师", "", f"wangqiang@{MAIL}", ""],
            ["E4", "陈静", "D2", chenjing.title, chenjing.phone, "", "在职"],
            ["E5", "孙宇", "D3", "测试部经理", "", f"sunyu@{MAIL}", "在职"],
        ],
    )


def month_later_sheet(company) -> bytes:
    chenjing = company.person("chenjing")
    return sheet(
        [
            ["D1", "研发中心", "", "E1"],
            ["D2", "软件开发部", "D1", "E3"],
            ["D3", "质量保障部", "D1", "E5"],
            ["D4", "算法部", "D1", "E6"],
        ],
        [
            ["E1", "张伟", "D1", "研发总监", "", f"zhangwei@{MAIL}", "在职"],
            ["E2", "李娜", "D2", "软件开发部经理", "", f"lina@{MAIL}", "离职"],
            ["E3", "王强", "D2", "高级软件工程师", "", f"wangqiang@{MAIL}", "在职"],
            ["E4", "陈静", "D3", chenjing.title, chenjing.phone, "", "在职"],
            ["E5", "孙宇", "D3", "测试部经理", "", f"sunyu@{MAIL}", "在职"],
            ["E6", "新同事", "D4", "算法工程师", "", f"xintongshi@{MAIL}", "在职"],
        ],
    )


def test_the_template_has_the_two_sheets_with_their_headers(company, client_for):
    response = client_for("admin").get("/org/sync/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["部门", "人员", "说明"]
    assert [c.value for c in workbook["部门"][1]] == ["部门编号", "部门名称", "上级部门编号", "负责人工号"]
    assert [c.value for c in workbook["人员"][1]] == ["工号", "姓名", "部门编号", "职务", "手机", "邮箱", "状态"]
    # The template as downloaded is a valid sheet.
    departments, people = excel_directory.read(response.content)
    assert [d.name for d in departments] == ["研发中心", "软件开发部"] and [p.name for p in people] == ["张伟", "李娜"]
    assert client_for("lina").get("/org/sync/template.xlsx").status_code == 404


def test_excel_sync_dry_run_then_apply_with_a_departure_handed_over(company, tmp_path):
    first, second = tmp_path / "today.xlsx", tmp_path / "month-later.xlsx"
    first.write_bytes(today_sheet(company))
    second.write_bytes(month_later_sheet(company))
    assert run_sync("--source", "excel", "--file", str(first), "--dry-run") == [
        *FIRST_SYNC["excel"],
        "（试运行：共 8 项变更，未做任何修改）",
    ]
    run_sync("--source", "excel", "--file", str(first), "--actor", "admin")
    assert company.person("lina").excel_id == "E2" and company.department("rd-qa").excel_id == "D3"

    request = new_request(company, when="2026-09-30 17:30")
    assert run_sync("--source", "excel", "--file", str(second), "--dry-run") == [
        *SECOND_SYNC["excel"],
        "（试运行：共 7 项变更，未做任何修改）",
    ]
    assert company.person("lina").is_active
    run_sync("--source", "excel", "--file", str(second), "--actor", "admin")
    check_second_sync_applied(company, request, "excel_id")
    assert Person.objects.get(name="新同事").excel_id == "E6"


def test_a_person_missing_from_the_sheet_has_left_too(company):
    from xietong.org.sync import apply_plan

    apply_plan(plan_sync("excel", sheet=today_sheet(company)), actor=company.person("admin"))
    without_chenjing = sheet(
        [["D1", "研发中心", "", "E1"], ["D2", "软件开发部", "D1", "E2"], ["D3", "测试部", "D1", "E5"]],
        [
            ["E1", "张伟", "D1", "研发总监", "", f"zhangwei@{MAIL}", "在职"],
            ["E2", "李娜", "D2", "软件开发部经理", "", f"lina@{MAIL}", "在职"],
            ["E3", "王强", "D2", "高级软件工程师", "", f"wangqiang@{MAIL}", ""],
            ["E5", "孙宇", "D3", "测试部经理", "", f"sunyu@{MAIL}", "在职"],
        ],
    )
    assert plan_sync("excel", sheet=without_chenjing).lines() == ["离职 陈静：停用账号，工作交接给 李娜"]


@pytest.mark.parametrize(
    ("departments", "people", "message"),
    [
        (
            [["D1", "研发中心", "D9", ""]],
            [],
            "工作表“部门”第 2 行：上级部门编号“D9”不在“部门”表中",
        ),
        (
            [["D1", "研发中心", "", ""]],
            [["E1", "张伟", "D1", "", "", "", "在职"], ["E1", "李娜", "D1", "", "", "", "在职"]],
            "工作表“人员”第 3 行：工号“E1”重复",
        ),
        (
            [["D1", "研发中心", "", ""]],
            [["E1", "张伟", "D1", "", "", "", "退休"]],
            "工作表“人员”第 2 行：状态应为“在职”或“离职”，这里是“退休”",
        ),
        (
            [["D1", "研发中心", "D2", ""], ["D2", "软件开发部", "D1", ""]],
            [],
            "工作表“部门”第 2 行：上级部门形成了循环",
        ),
    ],
)
def test_a_mistake_in_the_sheet_names_its_sheet_and_row(company, departments, people, message):
    with pytest.raises(excel_directory.SheetError) as error:
        plan_sync("excel", sheet=sheet(departments, people))
    assert str(error.value) == message


def test_the_admin_page_previews_an_uploaded_sheet_then_applies_it(company, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = client_for("admin")
    upload = SimpleUploadedFile("通讯录.xlsx", today_sheet(company))
    page = admin.post("/org/sync/", {"source": "excel", "action": "preview", "sheet": upload})
    html = page.content.decode()
    assert page.status_code == 200 and "<li>关联人员 陈静（按邮箱或手机匹配）</li>" in html
    digest = page.context["sheet_digest"]
    assert f'name="sheet_digest" value="{digest}"' in html
    applied = admin.post(
        "/org/sync/",
        {"source": "excel", "action": "apply", "fingerprint": page.context["fingerprint"], "sheet_digest": digest},
    )
    assert applied.status_code == 302
    assert company.person("chenjing").excel_id == "E4"

    wrong = admin.post(
        "/org/sync/", {"source": "excel", "action": "preview", "sheet": SimpleUploadedFile("x.xlsx", b"not a workbook")}
    )
    assert "无法读取 Excel 文件（请使用下载的模板，.xlsx 格式）" in wrong.content.decode()


# --- the scheduled sync ------------------------------------------------------------------------------------


def test_the_worker_applies_the_scheduled_sync_once_a_day_at_the_configured_time(company, settings, tmp_path):
    from xietong.core.worker import sweeps

    path = tmp_path / "directory.xlsx"
    path.write_bytes(today_sheet(company))
    settings.XIETONG_ORG_SYNC_SOURCE = "excel"
    settings.XIETONG_ORG_SYNC_EXCEL_FILE = str(path)
    settings.XIETONG_ORG_SYNC_TIME = "02:00"
    settings.XIETONG_ORG_SYNC_ACTOR = "admin"
    sweep = next(s for s in sweeps() if s.name == "org-sync")

    with time_machine.travel(at("2026-10-08 01:59"), tick=False):
        assert sweep.run(200) == 0
    with time_machine.travel(at("2026-10-08 02:00"), tick=False):
        assert sweep.run(200) == 1
        assert sweep.run(200) == 0  # once a day
    first = OrgSyncRun.objects.get()
    assert (first.source, str(first.run_date), first.status, first.changes) == (
        "excel",
        "2026-10-08",
        "done",
        FIRST_SYNC["excel"],
    )
    assert first.started_at == at("2026-10-08 02:00") and first.finished_at == at("2026-10-08 02:00")

    request = new_request(company, when="2026-09-30 17:30")
    path.write_bytes(month_later_sheet(company))
    with time_machine.travel(at("2026-10-09 01:00"), tick=False):
        assert sweep.run(200) == 0
    assert company.person("lina").is_active
    with time_machine.travel(at("2026-10-09 02:30"), tick=False):
        assert sweep.run(200) == 1
    second = OrgSyncRun.objects.get(run_date="2026-10-09")
    assert second.status == "done" and second.changes == SECOND_SYNC["excel"]
    assert second.counts["people_handed_over"] == 1 and second.counts["people_new"] == 1
    check_second_sync_applied(company, request, "excel_id")


def test_a_scheduled_sync_that_cannot_run_is_recorded_with_its_reason(company, settings):
    settings.XIETONG_ORG_SYNC_SOURCE = "excel"
    settings.XIETONG_ORG_SYNC_EXCEL_FILE = ""
    settings.XIETONG_ORG_SYNC_ACTOR = "admin"
    from xietong.org.scheduled_sync import org_sync_due

    with time_machine.travel(at("2026-10-08 03:00"), tick=False):
        assert org_sync_due() == 1
    run = OrgSyncRun.objects.get()
    assert run.status == "failed" and run.error == "请设置 XIETONG_ORG_SYNC_EXCEL_FILE：定时同步读取的 Excel 通讯录"
    assert run.finished_at == at("2026-10-08 03:00")
