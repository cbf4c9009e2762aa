"""The designer's pages without a browser: what the form sends becomes the definition document, a refusal
lands on the step or field it concerns with everything typed kept, the buttons work without JavaScript,
only administrators and the coordinating office design (anyone else: 404), versions count their items,
export/import round-trip."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from xietong.designer.editor_forms import definition_from_post
from xietong.designer.models import ApproverGroup, ProcessDefinition

pytestmark = pytest.mark.django_db

EXPENSE = {
    "name": "费用报销",
    "key": "expense",
    "prefix": "bx",
    "visibility": "participants",
    "starters_everyone": "on",
    "f0_label": "报销事由",
    "f0_key": "reason",
    "f0_type": "textarea",
    "f0_required": "on",
    "f7_label": "费用明细",
    "f7_key": "lines",
    "f7_type": "table",
    "f7_required": "on",
    "f7_c0_label": "日期",
    "f7_c0_key": "date",
    "f7_c0_type": "date",
    "f7_c0_required": "on",
    "f7_c3_label": "金额",
    "f7_c3_key": "amount",
    "f7_c3_type": "money",
    "f7_c3_required": "on",
    "f7_c3_min": "0",
    "f2_label": "合计",
    "f2_key": "total",
    "f2_type": "money",
    "f2_formula": "sum(lines.amount)",
    "s0_name": "直属上级审批",
    "s0_key": "manager",
    "s0_kind": "approval",
    "s0_approver": "manager",
    "s0_mode": "any",
    "s0_limit_n": "1",
    "s0_limit_unit": "wd",
    "s0_remind_n": "2",
    "s0_remind_unit": "h",
    "s0_timeout": "escalate",
    "s0_clause": "各环节 1 个工作日内审批",
    "s5_name": "总经理审批",
    "s5_key": "gm",
    "s5_kind": "approval",
    "s5_approver": "general_manager",
    "s5_mode": "any",
    "s5_when_field": "total",
    "s5_when_op": ">",
    "s5_when_value": "50,000",
    "s1_name": "财务审核",
    "s1_key": "finance",
    "s1_kind": "approval",
    "s1_approver": "group",
    "s1_group": "finance",
    "s1_mode": "all",
    "s1_limit_n": "4",
    "s1_limit_unit": "h",
}


def post(data: dict[str, str]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.appendlist(name, value)
    return query


def errors(response) -> list[str]:
    return re.findall(r'class="field-error[^"]*" role="alert">([^<]*)<', response.content.decode())


@pytest.fixture
def finance(company) -> ApproverGroup:
    group = ApproverGroup.objects.create(code="finance", name="财务")
    group.members.set([company.person("fengjing"), company.person("heyang")])
    return group


def test_the_form_becomes_the_definition_in_the_order_of_the_page():
    document = definition_from_post(post(EXPENSE))
    assert document["prefix"] == "BX"
    assert document["starters"] == {"everyone": True, "departments": [], "roles": []}
    assert [f["key"] for f in document["fields"]] == ["reason", "lines", "total"]  # page order, not row numbers
    assert document["fields"][1]["columns"] == [
        {"key": "date", "label": "日期", "type": "date", "required": True},
        {"key": "amount", "label": "金额", "type": "money", "required": True, "min": 0},
    ]
    assert document["fields"][2] == {"key": "total", "label": "合计", "type": "money", "formula": "sum(lines.amount)"}
    manager, gm, finance = document["steps"]
    assert manager["limit"] == {
        "duration": "1d",
        "mode": "working",
        "remind_before": "2h",
        "ladder": "",
        "on_timeout": "escalate",
        "clause": "各环节 1 个工作日内审批",
    }
    assert gm["when"] == {"field": "total", "op": ">", "value": 50000}
    assert finance["approvers"] == {"type": "role", "group": "finance"}
    assert finance["mode"] == "all"
    assert finance["limit"]["duration"] == "4h" and finance["limit"]["mode"] == "elapsed"


def test_a_published_definition_opens_in_the_editor_as_it_was_typed(client_for, finance):
    admin = client_for("admin")
    response = admin.post("/designer/new/", {**EXPENSE, "action": "publish"})
    definition = ProcessDefinition.objects.get(key="expense")
    assert response.status_code == 302 and response["Location"] == f"/designer/{definition.pk}/"
    assert definition.current.n == 1
    page = admin.get(f"/designer/{definition.pk}/").content.decode()
    typed = dict(re.findall(r'name="([fs]\d+_\w+)" value="([^"]*)"', page))
    chosen = re.findall(r'<select name="(s1_\w+)"[^>]*>.*?<option value="([^"]*)" selected>', page)
    again = definition_from_post(post({**typed, **{name: value.replace("&gt;", ">") for name, value in chosen}}))
    assert again["steps"][1]["when"] == {"field": "total", "op": ">", "value": 50000}
    assert again["steps"][1]["approvers"] == {"type": "general_manager"}
    assert 'name="s0_limit_unit"><option value="wh">工作小时</option><option value="wd" selected>' in page


def test_a_refusal_lands_on_its_step_and_keeps_what_was_typed(client_for, finance):
    admin = client_for("admin")
    broken = {**EXPENSE, "s1_group": "", "s1_approver": "people", "s1_people": "fengjing, nobody", "action": "publish"}
    response = admin.post("/designer/new/", broken)
    assert response.status_code == 400
    html = response.content.decode()
    step = re.search(r'<fieldset class="d-row d-step has-error" data-row="(\d+)"', html)
    assert step is not None and step.group(1) == "2"  # the third step on the page: 财务审核
    assert errors(response) == ["人员“nobody”不存在或已停用"]
    picker = re.search(r'<select id="s2_people" name="s2_people" multiple data-picker="people".*?</select>', html, re.S)
    assert picker is not None  # the shared people picker, holding both names (the unknown one as typed)
    assert re.findall(r'<option value="([^"]+)"[^>]*selected>([^<]+)</option>', picker.group(0)) == [
        ("fengjing", "冯静（财务部）"),
        ("nobody", "nobody"),
    ]
    assert 'name="s1_when_value" value="50000"' in html
    definition = ProcessDefinition.objects.get(key="expense")
    assert definition.current is None  # kept as a draft, nothing published
    assert definition.draft["steps"][2]["approvers"] == {"type": "people", "people": ["fengjing", "nobody"]}


def test_a_formula_naming_a_missing_column_is_refused_at_its_field(client_for, finance):
    response = client_for("admin").post(
        "/designer/new/", {**EXPENSE, "f2_formula": "sum(lines.price)", "action": "publish"}
    )
    html = response.content.decode()
    assert re.search(r'<fieldset class="d-row has-error" data-row="2" data-type="money"', html)
    assert errors(response) == ["公式引用的列“lines.price”不存在或不是数字/金额"]


def test_without_javascript_the_buttons_add_remove_and_move_rows(client_for, finance):
    admin = client_for("admin")
    html = admin.post("/designer/new/", {**EXPENSE, "add": "step"}).content.decode()
    assert re.findall(r'name="s\d+_key" value="([^"]*)"', html) == ["manager", "gm", "finance", "step4"]
    html = admin.post("/designer/new/", {**EXPENSE, "move": "s1-up"}).content.decode()
    assert re.findall(r'name="s\d+_key" value="([^"]*)"', html) == ["manager", "finance", "gm"]
    html = admin.post("/designer/new/", {**EXPENSE, "remove": "s5"}).content.decode()
    assert re.findall(r'name="s\d+_key" value="([^"]*)"', html) == ["manager", "finance"]
    html = admin.post("/designer/new/", {**EXPENSE, "add": "f7-column"}).content.decode()
    assert re.findall(r'name="f1_c\d+_key" value="([^"]*)"', html) == ["date", "amount", "col3"]
    html = admin.post("/designer/new/", {**EXPENSE, "remove": "f7c0"}).content.decode()
    assert re.findall(r'name="f1_c\d+_key" value="([^"]*)"', html) == ["amount"]
    assert not ProcessDefinition.objects.exists()  # rearranging saves nothing


@pytest.mark.parametrize("username", ["lina", "chenzhiqiang", "fengjing"])
def test_only_administrators_and_the_coordinating_office_design(client_for, finance, username):
    client_for("admin").post("/designer/new/", {**EXPENSE, "action": "save"})
    pk = ProcessDefinition.objects.get().pk
    person = client_for(username)
    pages = ("/designer/", "/designer/new/", "/designer/import/", "/designer/library/", f"/designer/{pk}/")
    for url in (*pages, f"/designer/{pk}/versions/"):
        assert person.get(url).status_code == 404, url
    assert person.get(f"/designer/{pk}/export/").status_code == 404
    assert person.post(f"/designer/{pk}/", {**EXPENSE, "action": "save"}).status_code == 404


def test_a_coordinator_reads_another_s_process_but_changes_only_her_own(client_for, finance):
    client_for("admin").post("/designer/new/", {**EXPENSE, "action": "save"})
    pk = ProcessDefinition.objects.get().pk
    liufang = client_for("liufang")
    assert liufang.get(f"/designer/{pk}/versions/").status_code == 200
    assert liufang.get(f"/designer/{pk}/").status_code == 404  # reads it under 版本; the editor is not hers
    response = liufang.post("/designer/new/", {**EXPENSE, "name": "我的报销", "action": "save"})
    assert response.status_code == 400 and errors(response) == ["流程标识“expense”已被另一个流程使用"]
    assert ProcessDefinition.objects.get().name == "费用报销"


def test_export_then_import_gives_the_same_definition(client_for, finance):
    admin = client_for("admin")
    admin.post("/designer/new/", {**EXPENSE, "action": "publish"})
    definition = ProcessDefinition.objects.get()
    exported = admin.get(f"/designer/{definition.pk}/export/?format=yaml")
    assert exported["Content-Disposition"] == 'attachment; filename="expense.yaml"'
    document = json.loads(admin.get(f"/designer/{definition.pk}/export/").content)
    assert document == definition.current.document
    document["key"], document["name"] = "expense2", "费用报销（分公司）"
    upload = SimpleUploadedFile("expense2.json", json.dumps(document, ensure_ascii=False).encode())
    response = admin.post("/designer/import/", {"file": upload})
    imported = ProcessDefinition.objects.get(key="expense2")
    assert response["Location"] == f"/designer/{imported.pk}/"
    assert imported.current is None and imported.draft["steps"] == document["steps"]
    bad = admin.post("/designer/import/", {"file": SimpleUploadedFile("x.yaml", b"- just\n- a list\n")})
    assert bad.status_code == 400 and errors(bad) == ["文件内容应为一个流程定义（对象）"]


def test_versions_list_each_version(client_for, finance):
    admin = client_for("admin")
    admin.post("/designer/new/", {**EXPENSE, "action": "publish"})
    definition = ProcessDefinition.objects.get()
    admin.post(
        f"/designer/{definition.pk}/",
        {**EXPENSE, "s0_limit_n": "2", "action": "publish", "version": str(definition.version)},
    )
    html = admin.get(f"/designer/{definition.pk}/versions/").content.decode()
    assert re.findall(r'data-version="(\d+)"', html) == ["2", "1"]
    assert re.findall(r'class="num item-count">(\d+)<', html) == ["0", "0"]


def test_an_empty_designer_list_points_to_the_template_library(client_for):
    shown = client_for("admin").get("/designer/").content.decode()
    assert "还没有设计过流程。" in shown
    assert (
        '可以从<a href="/designer/library/">模板库</a>选一个（公司制度中的表单与常用审批），改成本公司的规则后发布。'
        in shown
    )


def test_a_draft_does_not_rename_the_published_process(client_for, finance):
    """The administrator cleared 流程名称 in the editor of the published 费用报销 and saved a draft: 待我审批 and the
    designer's list then called the live process 「expense」 (the empty name fell back to the key) for everyone,
    with nothing published. A published process keeps its published name until the next version; a process never
    published follows its draft."""
    admin = client_for("admin")
    admin.post("/designer/new/", {**EXPENSE, "action": "publish"})
    definition = ProcessDefinition.objects.get(key="expense")
    for name in ("", "差旅报销"):
        admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "name": name, "action": "save"})
        definition.refresh_from_db()
        assert definition.name == "费用报销", name
    assert "费用报销" in admin.get("/designer/").content.decode()
    admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "name": "差旅报销", "action": "publish"})
    definition.refresh_from_db()
    assert (definition.name, definition.current.n) == ("差旅报销", 2)
    admin.post("/designer/new/", {**EXPENSE, "key": "trip", "name": "出差申请", "action": "save"})
    draft_only = ProcessDefinition.objects.get(key="trip")
    admin.post(f"/designer/{draft_only.pk}/", {**EXPENSE, "key": "trip", "name": "出差审批", "action": "save"})
    draft_only.refresh_from_db()
    assert draft_only.name == "出差审批"


def test_a_save_from_a_stale_editor_keeps_the_page_and_says_what_saving_again_does(client_for, finance):
    """Two tabs of the same draft: the second save is refused with the page as typed and words that say what a
    second click does (this page wins) and where the other change can be read first — not 「请刷新」, which
    would throw the page away."""
    import time_machine

    from xietong.requests.tests.test_request_flow import at

    admin = client_for("admin")
    admin.post("/designer/new/", {**EXPENSE, "action": "save"})
    definition = ProcessDefinition.objects.get()
    opened = definition.version
    with time_machine.travel(at("2026-10-09 10:15"), tick=False):
        admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "name": "费用报销（A）", "version": opened})
    with time_machine.travel(at("2026-10-09 10:20"), tick=False):
        stale = admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "name": "费用报销（B）", "version": opened})
    assert stale.status_code == 409
    page = stale.content.decode()
    assert re.findall(r'id="designer-errors"><p>([^<]*)</p>', page) == [
        "此流程的草稿已在别处保存了修改（2026-10-09 10:15）。本页仍是您填写的内容：再次保存将以本页为准，覆盖那次修改；"
        "如需先查看那次修改，请在新标签页打开本流程。"
    ]
    assert 'value="费用报销（B）"' in page
    now = ProcessDefinition.objects.get().version
    assert f'name="version" value="{now}"' in page and now == opened + 1
    assert ProcessDefinition.objects.get().name == "费用报销（A）"
    again = admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "name": "费用报销（B）", "version": now})
    assert again.status_code == 302 and ProcessDefinition.objects.get().name == "费用报销（B）"
