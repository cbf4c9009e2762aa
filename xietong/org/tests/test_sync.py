"""Org sync from DingTalk, WeCom and Feishu (their local stand-in servers, real HTTP): the first sync links
the typed-in org chart by department name and people by email or mobile, shows the diff before changing
anything, applies it in one audited transaction; a person who left is handed over to the head of their
department, or left active and named when no successor can be found; token expiry and rate limits during
a sync."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.platforms import Reply
from xietong.core.errors import ApplicationError
from xietong.core.models import AuditEvent
from xietong.org.models import Department, Person
from xietong.org.sync import apply_plan, plan_sync
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import at, new_request

PEOPLE_PATH = {
    "dingtalk": "/topapi/v2/user/list",
    "wecom": "/cgi-bin/user/list",
    "feishu": "/open-apis/contact/v3/users/find_by_department",
}
TOKEN_PATH = {
    "dingtalk": "/gettoken",
    "wecom": "/cgi-bin/gettoken",
    "feishu": "/open-apis/auth/v3/tenant_access_token/internal",
}
MAIL = "xingchen.example.com"

FIRST_SYNC = [
    "关联部门 研发中心（按名称匹配）",
    "关联部门 硬件研发部（按名称匹配）",
    "部门调整上级 硬件研发部：研发中心 → 星辰智能科技有限公司",
    "关联部门 软件开发部（按名称匹配）",
    "部门负责人 软件开发部：李娜 → 王强",
    "关联部门 测试部（按名称匹配）",
    "新增部门 算法部（上级：研发中心）",
    "部门负责人 算法部：— → 新同事",
    "关联人员 张伟（按邮箱或手机匹配）",
    "关联人员 赵磊（按邮箱或手机匹配）",
    "离职 李娜：停用账号，工作交接给 王强",
    "关联人员 王强（按邮箱或手机匹配）",
    "人员信息变更 王强：职务 高级软件工程师 → 软件开发部经理",
    "关联人员 陈静（按邮箱或手机匹配）",
    "人员调动 陈静：软件开发部 → 测试部",
    "关联人员 孙宇（按邮箱或手机匹配）",
    "新增人员 新同事（算法部，算法工程师）",
]


@pytest.fixture(params=["dingtalk", "wecom", "feishu"])
def platform(request, company):
    """The platform's directory of 研发中心 as it stands today: 李娜 has resigned and 王强 heads 软件开发部,
    陈静 moved to 测试部 (the platform has no email for her: she is known by her mobile), 硬件研发部 now
    reports to the company, and a new 算法部 with a new engineer."""
    server = request.getfixturevalue(request.param)
    server.name = request.param
    root = server.root_department
    ids = {"rd": "2", "sw": "3", "qa": "4", "hw": "5", "algo": "6"}
    if request.param == "feishu":
        ids = {key: f"od-{key}" for key in ids}
    server.ids = ids
    server.add_department(ids["rd"], "研发中心", root, heads=["u-zw"])
    server.add_department(ids["hw"], "硬件研发部", root, heads=["u-zl"])
    server.add_department(ids["sw"], "软件开发部", ids["rd"], heads=["u-wq"])
    server.add_department(ids["qa"], "测试部", ids["rd"], heads=["u-sunyu"])
    server.add_department(ids["algo"], "算法部", ids["rd"], heads=["u-new"])
    server.add_user("u-zw", "张伟", [ids["rd"]], title="研发总监", email=f"zhangwei@{MAIL}")
    server.add_user("u-zl", "赵磊", [ids["hw"]], title="硬件研发部经理", email=f"zhaolei@{MAIL}")
    server.add_user("u-lina", "李娜", [ids["sw"]], title="软件开发部经理", email=f"lina@{MAIL}", active=False)
    server.add_user("u-wq", "王强", [ids["sw"]], title="软件开发部经理", email=f"wangqiang@{MAIL}")
    server.add_user("u-cj", "陈静", [ids["qa"]], title="后端工程师", mobile=company.person("chenjing").phone)
    server.add_user("u-sunyu", "孙宇", [ids["qa"]], title="测试部经理", email=f"sunyu@{MAIL}")
    server.add_user("u-new", "新同事", [ids["algo"]], title="算法工程师", email=f"xintongshi@{MAIL}")
    return server


def sync(platform, *args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(at("2026-10-08 09:00"), tick=False):
        call_command("org", "sync", "--source", platform.name, *args, stdout=out)
    return out.getvalue()


def test_dry_run_shows_the_diff_and_changes_nothing(platform, company):
    audit_before = AuditEvent.objects.count()
    out = sync(platform, "--dry-run")
    assert out.splitlines() == [*FIRST_SYNC, "（试运行：共 17 项变更，未做任何修改）"]
    assert AuditEvent.objects.count() == audit_before
    assert not Department.objects.filter(name="算法部").exists()
    assert not Person.objects.exclude(**{f"{platform.name}_id": ""}).exists()
    assert company.person("lina").is_active


def test_sync_applies_the_diff_and_hands_a_departure_over_to_the_new_head(platform, company):
    request = new_request(company, when="2026-09-30 17:30")  # 李娜 must answer it
    id_field = f"{platform.name}_id"

    out = sync(platform, "--actor", "admin")

    assert out.splitlines() == [
        *FIRST_SYNC,
        "已同步：新增部门 1、变更部门 4、新增人员 1、变更人员 5（其中调动 1）、离职交接 1。",
    ]
    lina, wangqiang, chenjing = company.person("lina"), company.person("wangqiang"), company.person("chenjing")
    # The departure went through the hand-over: her request is 王强's, her account is off.
    assert not lina.is_active
    assert Request.objects.get(pk=request.pk).receiver == wangqiang
    hand_over = AuditEvent.objects.get(action="org.person.hand_over")
    assert hand_over.object_id == str(lina.pk) and hand_over.after["successor_name"] == "王强"
    assert hand_over.actor.username == "admin"
    # Heads, moves, details and links.
    software, hardware = company.department("rd-software"), company.department("rd-hardware")
    assert software.head == wangqiang and getattr(software, id_field) == platform.ids["sw"]
    assert hardware.parent == company.department("company")
    assert chenjing.department == company.department("rd-qa")
    assert wangqiang.title == "软件开发部经理" and getattr(wangqiang, id_field) == "u-wq"
    algo = Department.objects.get(name="算法部")
    assert algo.parent == company.department("rd") and getattr(algo, id_field) == platform.ids["algo"]
    newcomer = Person.objects.get(**{id_field: "u-new"})
    assert (newcomer.username, newcomer.name, newcomer.department, newcomer.title) == (
        "xintongshi",
        "新同事",
        algo,
        "算法工程师",
    )
    assert not newcomer.has_usable_password() and algo.head == newcomer
    # Local roles the platform does not know are kept.
    rd = company.department("rd")
    assert rd.division_leader.username == "wangjianguo" and company.department("admin").is_coordinating_office
    # One summary event with the counts and the lines.
    summary = AuditEvent.objects.get(action="org.sync")
    assert summary.after["people_departed"] == 1 and summary.after["changes"] == FIRST_SYNC
    # Everything is in place: a second sync has nothing to do.
    assert sync(platform, "--actor", "admin").splitlines() == [
        f"{summary.object_label[:-5]}通讯录与协同一致，无需变更。"
    ]


def test_a_rename_and_a_departure_without_successor(platform, company):
    sync(platform, "--actor", "admin")
    platform.departments[platform.ids["qa"]].name = "质量保障部"
    platform.remove_user("u-zl")  # gone from the platform; he headed 硬件研发部, which has no one above it

    lines = sync(platform, "--actor", "admin").splitlines()

    assert lines == [
        "部门更名 测试部：测试部 → 质量保障部",
        "离职 赵磊：找不到接替人（所在部门及上级部门均无负责人），请手动办理离职交接",
        "已同步：新增部门 0、变更部门 1、新增人员 0、变更人员 0（其中调动 0）、离职交接 0。",
    ]
    assert company.department("rd-qa").name == "质量保障部"
    assert company.person("zhaolei").is_active  # never switched off without a hand-over


def test_a_department_deleted_and_created_again_on_the_platform_keeps_its_row(platform, company):
    sync(platform, "--actor", "admin")
    qa = platform.departments.pop(platform.ids["qa"])
    again = "9" if platform.name != "feishu" else "od-qa-2"
    platform.add_department(again, qa.name, qa.parent_id, heads=qa.heads)
    for user in platform.users.values():
        user.departments = [again if d == platform.ids["qa"] else d for d in user.departments]

    lines = sync(platform, "--actor", "admin").splitlines()

    assert lines == [
        "关联部门 测试部（按名称匹配）",
        "已同步：新增部门 0、变更部门 1、新增人员 0、变更人员 0（其中调动 0）、离职交接 0。",
    ]
    assert getattr(company.department("rd-qa"), f"{platform.name}_id") == again
    assert company.person("chenjing").department == company.department("rd-qa")


def test_a_conflict_while_applying_is_a_clear_refusal(platform, company):
    plan = plan_sync(platform.name)
    # Typed in by hand since the preview: the planned 算法部 would be a second one under 研发中心.
    Department.objects.create(name="算法部", code="algo-by-hand", parent=company.department("rd"))
    with pytest.raises(ApplicationError) as refused:
        apply_plan(plan, actor=company.person("admin"))
    assert str(refused.value.message).startswith("与已有的部门或人员冲突，未做任何修改，请在管理后台处理后重新预览（")
    assert company.person("lina").is_active
    assert not AuditEvent.objects.filter(action__startswith="org.").exists()


def test_token_expiry_and_rate_limits_during_a_sync(platform, company, settings):
    settings.XIETONG_PLATFORM_BACKOFF_SECONDS = 1
    sync(platform, "--dry-run")
    platform.expire_tokens()
    platform.rate_limit_next(PEOPLE_PATH[platform.name], times=2)

    out = sync(platform, "--actor", "admin")

    assert out.splitlines()[-1].startswith("已同步：新增部门 1、")
    assert len(platform.calls_to(TOKEN_PATH[platform.name])) == 2
    assert platform.waits == ([2.0, 2.0] if platform.name == "feishu" else [1.0, 2.0])


def test_a_rate_limit_that_does_not_end_changes_nothing(platform, company, settings):
    settings.XIETONG_PLATFORM_RETRIES = 2
    platform.rate_limit_next(PEOPLE_PATH[platform.name], times=10)
    with pytest.raises(CommandError) as refused:
        sync(platform, "--actor", "admin")
    label = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}[platform.name]
    assert str(refused.value).startswith(f"{label}接口调用过于频繁（限流），请稍后重试")
    assert not AuditEvent.objects.filter(action="org.sync").exists()
    assert not Department.objects.filter(name="算法部").exists()


def test_a_failure_while_applying_leaves_nothing_half_done(platform, company):
    plan = plan_sync(platform.name)
    wangqiang = company.person("wangqiang")
    wangqiang.is_active = False  # since the preview: the planned successor can no longer take over
    wangqiang.save()
    with pytest.raises(ApplicationError) as refused:
        apply_plan(plan, actor=company.person("admin"))
    assert refused.value.fields == {"successor": "王强 的账号已停用，不能接替"}
    assert not Department.objects.filter(name="算法部").exists()
    assert not Person.objects.filter(username="xintongshi").exists()
    assert not AuditEvent.objects.filter(action__startswith="org.").exists()
    assert company.person("lina").is_active


def test_actor_must_be_an_administrator(platform, company):
    with pytest.raises(CommandError, match="lina 不是在职的系统管理员"):
        sync(platform, "--actor", "lina")


def test_a_platform_error_is_a_clear_message(platform, company):
    platform.fail_next(PEOPLE_PATH[platform.name], Reply(500, "<html>bad gateway</html>"))
    label = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}[platform.name]
    with pytest.raises(CommandError, match=f"读取{label}通讯录失败"):
        sync(platform, "--dry-run")


def test_the_admin_page_previews_then_applies_what_was_previewed(platform, company, client_for):
    assert client_for("lina").get("/org/sync/").status_code == 404
    admin = client_for("admin")
    page = admin.get("/org/").content.decode()
    assert 'id="org-sync-link" href="/org/sync/"' in page
    label = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}[platform.name]
    assert f'<option value="{platform.name}" selected>{label}</option>' in admin.get("/org/sync/").content.decode()

    preview = admin.post("/org/sync/", {"source": platform.name, "action": "preview"})
    html = preview.content.decode()
    assert "共 17 项变更" in html
    assert all(f"<li>{line}</li>" in html for line in FIRST_SYNC)
    assert not Department.objects.filter(name="算法部").exists()
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)

    # The platform changes between the preview and the press: nothing is applied, the new diff is shown.
    platform.add_user("u-late", "晚到者", [platform.ids["algo"]], email=f"late@{MAIL}")
    stale = admin.post("/org/sync/", {"source": platform.name, "action": "apply", "fingerprint": fingerprint})
    html = stale.content.decode()
    assert "通讯录在预览之后又有变化，请核对下面最新的差异后再应用。" in html
    assert "<li>新增人员 晚到者（算法部，—）</li>" in html
    assert not Department.objects.filter(name="算法部").exists()
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)

    with time_machine.travel(at("2026-10-08 09:00"), tick=False):
        applied = admin.post("/org/sync/", {"source": platform.name, "action": "apply", "fingerprint": fingerprint})
    assert applied.status_code == 302 and applied["Location"] == f"/org/sync/?source={platform.name}"
    done = admin.get(applied["Location"]).content.decode()
    assert f"已同步{label}通讯录：新增部门 1、变更部门 4、新增人员 2、变更人员 5、离职交接 1。" in done
    assert not company.person("lina").is_active
    assert AuditEvent.objects.get(action="org.sync").actor.username == "admin"


def test_the_admin_page_says_when_the_platform_is_busy(platform, company, client_for, settings):
    settings.XIETONG_PLATFORM_RETRIES = 1
    platform.rate_limit_next(PEOPLE_PATH[platform.name], times=5)
    response = client_for("admin").post("/org/sync/", {"source": platform.name, "action": "preview"})
    label = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}[platform.name]
    assert response.status_code == 400
    assert f"{label}接口调用过于频繁（限流），请稍后重试。" in response.content.decode()


def test_the_administrator_may_choose_another_successor_or_none(platform, company, client_for):
    request = new_request(company, when="2026-09-30 17:30")  # 李娜 must answer it
    admin = client_for("admin")
    lina, chenjing = company.person("lina"), company.person("chenjing")
    html = admin.post("/org/sync/", {"source": platform.name, "action": "preview"}).content.decode()
    # The default is the new head of her department.
    wangqiang = company.person("wangqiang")
    assert f'<option value="{wangqiang.pk}" selected>王强（软件开发部）</option>' in html
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)
    form = {"source": platform.name, "action": "apply", "fingerprint": fingerprint}

    # Someone switched off is no successor: said at the field, the choice kept, nothing applied.
    gone = company.person("heyang")
    gone.is_active = False
    gone.save()
    refused = admin.post("/org/sync/", {**form, f"successor-{lina.pk}": str(gone.pk)}).content.decode()
    assert "请更正下面的接替人" in refused and "请选择在职且不在本次离职名单中的接替人" in refused
    assert not Department.objects.filter(name="算法部").exists()

    with time_machine.travel(at("2026-10-08 09:00"), tick=False):
        done = admin.post("/org/sync/", {**form, f"successor-{lina.pk}": str(chenjing.pk)})
    assert done.status_code == 302
    assert Request.objects.get(pk=request.pk).receiver == chenjing
    assert AuditEvent.objects.get(action="org.person.hand_over").after["successor_name"] == "陈静"
    assert "离职 李娜：停用账号，工作交接给 陈静" in AuditEvent.objects.get(action="org.sync").after["changes"]


def test_no_successor_chosen_leaves_the_person_active(platform, company, client_for):
    admin = client_for("admin")
    lina = company.person("lina")
    html = admin.post("/org/sync/", {"source": platform.name, "action": "preview"}).content.decode()
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)
    form = {"source": platform.name, "action": "apply", "fingerprint": fingerprint, f"successor-{lina.pk}": ""}
    assert admin.post("/org/sync/", form).status_code == 302
    assert company.person("lina").is_active
    assert not AuditEvent.objects.filter(action="org.person.hand_over").exists()
    assert Department.objects.filter(name="算法部").exists()
    assert "离职 李娜：暂不交接，账号保持启用" in AuditEvent.objects.get(action="org.sync").after["changes"]


def test_after_a_sync_linked_and_new_people_sign_in_with_the_platform(platform, company):
    from django.test import Client

    from xietong.org.tests.test_sso import scan_as, signed_in_as, start

    sync(platform, "--actor", "admin")
    for user_id, username in (("u-wq", "wangqiang"), ("u-new", "xintongshi")):
        client = Client()
        authorize, _state = start(client, platform)
        assert client.get(scan_as(platform, authorize, user_id)).status_code == 302
        assert signed_in_as(client) == username
    # 李娜 left: the platform no longer vouches for her, and her account is off anyway.
    client = Client()
    authorize, _state = start(client, platform)
    assert client.get(scan_as(platform, authorize, "u-lina")).status_code == 403
