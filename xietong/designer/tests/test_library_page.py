"""模板库 in the browser (issue 21): the page lists every entry of both groups with its prefix, steps and each
limit's 依据; 「使用此模板」 makes a draft through the designer's import — the file's definition exactly, nothing
published — and opens the editor; a second use leaves the first alone (another copy only when asked, under
key-2); the change is audited; anyone but the designers gets a 404 on the page and on the POST."""

from __future__ import annotations

import html
import json
import re

import pytest

from xietong.clocks.basis import basis_text
from xietong.core.models import AuditEvent
from xietong.designer.library import library_groups, library_text
from xietong.designer.models import DefinitionVersion, ProcessDefinition

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def entry_html(response, key: str) -> str:
    return response.content.decode().split(f'id="lib-{key}"', 1)[1].split("</article>", 1)[0]


def use(client, key: str, **extra: str):
    return client.post("/designer/library/use/", {"template": key, **extra})


def test_the_page_lists_every_entry_of_both_groups_with_its_steps_and_clauses(client_for):
    response = client_for("admin").get("/designer/library/")
    assert response.status_code == 200
    body = response.content.decode()
    groups = library_groups()
    assert re.findall(r'data-group="([^"]+)"', body) == ["制度模板", "常用审批"]
    for label, group in groups.items():
        section = body.split(f'data-group="{label}"', 1)[1].split("</section>", 1)[0]
        assert re.findall(r'data-key="([^"]+)"', section) == list(group)
        for key, document in group.items():
            entry = html.unescape(entry_html(response, key))
            assert document["name"] in entry and document["description"] in entry
            assert f'class="lib-prefix">{document["prefix"]}<' in entry
            for step in document["steps"]:
                assert step["name"] in entry
                limit = step.get("limit") or {}
                if limit.get("clause"):
                    basis = basis_text(limit.get("source", ""), limit.get("article", ""), limit["clause"])
                    assert basis in entry, (key, step["key"])
    text = page_text(response)
    assert "依据：《内部沟通与协调工作机制》三（一）步骤2「综合管理部在1个工作日内审核」" in text
    assert "时限 1 工作日，提前 2 小时提醒，超时：升级" in text
    assert "条件：合计 > 50,000" in text  # 费用报销's 总经理 step
    assert "条件：起止日期天数 > 3" in text  # 请假/外出 compares the date range by its days
    assert "办理人：表单中的“发起部门对接人”" in text  # 会议申请表's notice goes to the form's 对接人
    assert "/designer/library/" in client_for("admin").get("/designer/").content.decode()


def test_using_a_template_makes_a_draft_equal_to_its_file_and_opens_the_editor(client_for):
    admin = client_for("admin")
    response = use(admin, "meeting-apply")
    definition = ProcessDefinition.objects.get(key="meeting-apply")
    assert response.status_code == 302 and response["Location"] == f"/designer/{definition.pk}/"
    assert definition.draft == json.loads(library_text("meeting-apply"))  # the file's definition, exactly
    assert definition.name == "会议申请表" and definition.owner.username == "admin"
    assert not DefinitionVersion.objects.exists()  # a draft: nothing published
    editor = admin.get(response["Location"])
    assert "已从模板库创建草稿“会议申请表”" in page_text(editor)
    assert re.findall(r'name="f\d+_key" value="([^"]*)"', editor.content.decode())[:3] == [
        "goal",
        "agenda",
        "attendees",
    ]
    event = AuditEvent.objects.get(action="designer.create", object_id=str(definition.pk))
    assert event.actor.username == "admin"
    assert event.after == {"key": "meeting-apply", "name": "会议申请表", "origin": "library:meeting-apply"}


def test_a_second_use_overwrites_nothing_and_another_copy_is_made_only_when_asked(client_for):
    admin = client_for("admin")
    use(admin, "expense")
    definition = ProcessDefinition.objects.get(key="expense")
    admin.post(f"/designer/{definition.pk}/", {"name": "费用报销（本公司）", "key": "expense", "action": "save"})
    definition.refresh_from_db()
    adapted, version = definition.draft, definition.version
    assert adapted["name"] == "费用报销（本公司）"

    again = use(admin, "expense")
    assert again.status_code == 302 and again["Location"] == "/designer/library/#lib-expense"
    definition.refresh_from_db()
    assert (definition.draft, definition.version) == (adapted, version)  # the company's work is kept
    assert ProcessDefinition.objects.count() == 1
    page = admin.get(again["Location"])
    assert "“费用报销（本公司）”（expense）已在流程列表中，未作改动" in page_text(page)
    entry = entry_html(page, "expense")
    assert f'href="/designer/{definition.pk}/"' in entry and "另建一份" in entry and "使用此模板" not in entry

    copy = use(admin, "expense", copy="1")
    second = ProcessDefinition.objects.get(key="expense-2")
    assert copy["Location"] == f"/designer/{second.pk}/"
    assert second.name == "费用报销（2）" and second.draft["key"] == "expense-2"
    assert (
        second.draft["prefix"] == "BX"
    )  # the adapted draft was saved without one: BX is free (test_definition_prefix)
    assert {k: v for k, v in second.draft.items() if k not in ("key", "name", "prefix")} == {
        k: v for k, v in json.loads(library_text("expense")).items() if k not in ("key", "name", "prefix")
    }
    use(admin, "expense", copy="1")
    third = ProcessDefinition.objects.get(key="expense-3")
    assert (third.name, third.draft["prefix"]) == ("费用报销（3）", "BXA")  # BX is the second's
    definition.refresh_from_db()
    assert definition.draft == adapted and not DefinitionVersion.objects.exists()
    assert AuditEvent.objects.filter(action="designer.create", after__origin="library:expense").count() == 3


def test_the_coordinating_office_uses_templates_for_its_own_processes(client_for):
    liufang = client_for("liufang")
    assert liufang.get("/designer/library/").status_code == 200
    response = use(liufang, "problem-report")
    definition = ProcessDefinition.objects.get(key="problem-report")
    assert response["Location"] == f"/designer/{definition.pk}/" and definition.owner.username == "liufang"
    assert liufang.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("username", ["lina", "fengjing"])
def test_anyone_else_gets_404_on_the_page_and_on_the_post(client_for, username):
    person = client_for(username)
    assert person.get("/designer/library/").status_code == 404
    assert use(person, "meeting-apply").status_code == 404
    assert use(person, "meeting-apply", copy="1").status_code == 404
    assert not ProcessDefinition.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="designer.").exists()


def test_the_post_is_a_post_with_its_csrf_token_and_an_unknown_entry_is_404(client_for, company):
    from django.test import Client

    admin = client_for("admin")
    assert admin.get("/designer/library/use/?template=meeting-apply").status_code == 405
    assert use(admin, "no-such-template").status_code == 404
    assert use(admin, "").status_code == 404
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(company.person("admin"))
    assert use(checked, "meeting-apply").status_code == 403  # no token
    assert not ProcessDefinition.objects.exists()
    page = checked.get("/designer/library/").content.decode()
    forms = re.findall(r'<form method="post" action="/designer/library/use/">(.*?)</form>', page, re.S)
    assert len(forms) == sum(len(g) for g in library_groups().values())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', forms[0])[1]
    sent = checked.post("/designer/library/use/", {"template": "collab-feedback", "csrfmiddlewaretoken": token})
    assert sent.status_code == 302 and ProcessDefinition.objects.get().key == "collab-feedback"


def test_the_page_reads_in_english_once_chosen(client_for):
    admin = client_for("admin")
    admin.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = page_text(admin.get("/designer/library/"))
    for english in ("Template library", "Use this template", "Approved by: ", "Time limit 1 ", "at timeout: "):
        assert english in text, english
    for chinese in ("使用此模板", "审批人：", "模板库", "超时："):
        assert chinese not in text, chinese
