"""Deleting a draft and throwing away unpublished changes (issue 21): a definition never published can be
deleted after a page that says what goes, audited with the draft as it was; a published one stays, with the
reason (its items and their approvals are on record); the unpublished edit of a published definition (a pending
v2) can be thrown away, the definition going back to its published version. Only those who may change the
definition do either — anyone else gets a 404 and nothing changes."""

from __future__ import annotations

import re

import pytest

from xietong.core.models import AuditEvent
from xietong.designer.models import ProcessDefinition
from xietong.designer.tests.support import finance_group, start
from xietong.designer.tests.test_editor import EXPENSE

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(company):
    return finance_group(company)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def refusal(response) -> list[str]:
    return re.findall(r'id="designer-refusal"><p>([^<]*)</p>', response.content.decode())


def draft(client, **typed: str) -> ProcessDefinition:
    assert client.post("/designer/new/", {**EXPENSE, **typed, "action": "save"}).status_code == 302
    return ProcessDefinition.objects.get(key=typed.get("key", "expense"))


def published(client, **typed: str) -> ProcessDefinition:
    assert client.post("/designer/new/", {**EXPENSE, **typed, "action": "publish"}).status_code == 302
    return ProcessDefinition.objects.get(key=typed.get("key", "expense"))


def test_a_draft_is_deleted_after_its_confirmation_and_the_deletion_is_audited(client_for, finance):
    admin = client_for("admin")
    definition = draft(admin)
    listed = admin.get("/designer/").content.decode()
    assert f'<a class="danger" href="/designer/{definition.pk}/delete/">删除</a>' in listed
    editor = admin.get(f"/designer/{definition.pk}/").content.decode()
    assert f'id="designer-delete" href="/designer/{definition.pk}/delete/">删除草稿</a>' in editor

    page = admin.get(f"/designer/{definition.pk}/delete/")
    assert page.status_code == 200
    assert "将删除尚未发布的流程“费用报销”（expense）及其草稿，删除后不能恢复。" in text(page)
    assert re.search(
        r'<button type="submit" class="btn danger-solid" id="designer-confirm-button">确认删除</button>',
        page.content.decode(),
    )
    assert ProcessDefinition.objects.filter(pk=definition.pk).exists()  # a GET deletes nothing

    document = definition.draft
    response = admin.post(f"/designer/{definition.pk}/delete/", {"version": str(definition.version)})
    assert response.status_code == 302 and response["Location"] == "/designer/"
    assert not ProcessDefinition.objects.filter(pk=definition.pk).exists()
    event = AuditEvent.objects.get(action="designer.delete")
    assert (event.actor.username, event.object_id) == ("admin", str(definition.pk))
    assert event.before == {"key": "expense", "name": "费用报销", "draft": document}
    after = text(admin.get("/designer/"))
    assert "已删除草稿“费用报销”（expense）" in after and "还没有设计过流程。" in after


def test_a_published_process_is_not_deleted_and_says_why(client_for, company, finance):
    admin = client_for("admin")
    definition = published(admin)
    assert "/delete/" not in admin.get(f"/designer/{definition.pk}/").content.decode()
    assert "/delete/" not in admin.get("/designer/").content.decode()
    without_items = admin.get(f"/designer/{definition.pk}/delete/")
    assert refusal(without_items) == ["“费用报销”已发布，不能删除：员工可能正在发起，发布过的版本须保留。"]
    assert "确认删除" not in without_items.content.decode()

    start(company, definition.current)
    for response in (admin.get(f"/designer/{definition.pk}/delete/"), admin.post(f"/designer/{definition.pk}/delete/")):
        assert refusal(response) == ["“费用报销”已有 1 个事项，不能删除：事项及其审批记录须保留。"]
        assert "确认删除" not in response.content.decode()
    assert response.status_code == 400
    assert ProcessDefinition.objects.filter(pk=definition.pk).exists()
    assert not AuditEvent.objects.filter(action="designer.delete").exists()


def test_a_page_read_before_the_draft_changed_deletes_nothing(client_for, finance):
    admin = client_for("admin")
    definition = draft(admin)
    stale = definition.version
    admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "name": "差旅报销", "action": "save"})
    response = admin.post(f"/designer/{definition.pk}/delete/", {"version": str(stale)})
    assert response.status_code == 409
    html = response.content.decode()
    assert re.findall(r'id="designer-stale"><p>([^<]*)<', html) == [
        "该记录已被他人修改，页面已更新为最新内容：请核对后再提交"
    ]
    assert "将删除尚未发布的流程“差旅报销”（expense）及其草稿" in text(response)  # as it is now, to confirm again
    definition.refresh_from_db()
    assert (definition.name, f'name="version" value="{definition.version}"' in html) == ("差旅报销", True)
    assert admin.post(f"/designer/{definition.pk}/delete/", {"version": str(definition.version)}).status_code == 302


@pytest.mark.parametrize("username", ["lina", "fengjing", "liufang"])
def test_only_those_who_may_change_the_definition_delete_or_discard_it(client_for, finance, username):
    """李娜 and 冯静 do not design; 刘芳 (综合管理部) designs and reads every definition, but changes only her own."""
    admin = client_for("admin")
    draft_only = draft(admin)
    live = published(admin, key="trip", name="差旅报销", prefix="CL")
    admin.post(
        f"/designer/{live.pk}/", {**EXPENSE, "key": "trip", "name": "差旅报销", "prefix": "CL", "s0_limit_n": "3"}
    )
    person = client_for(username)
    for url in (f"/designer/{draft_only.pk}/delete/", f"/designer/{live.pk}/discard/"):
        assert person.get(url).status_code == 404, url
        assert person.post(url, {"version": "1"}).status_code == 404, url
    assert ProcessDefinition.objects.count() == 2
    assert ProcessDefinition.objects.get(pk=live.pk).draft["steps"][0]["limit"]["duration"] == "3d"
    assert not AuditEvent.objects.filter(action__in=["designer.delete", "designer.discard"]).exists()


def test_the_coordinating_office_deletes_its_own_draft(client_for, finance):
    liufang = client_for("liufang")
    definition = draft(liufang, key="meeting-room", name="会议室申请", prefix="HYS")
    assert liufang.post(f"/designer/{definition.pk}/delete/").status_code == 302
    assert not ProcessDefinition.objects.exists()
    assert AuditEvent.objects.get(action="designer.delete").actor.username == "liufang"


def test_unpublished_changes_are_thrown_away_back_to_the_published_version(client_for, finance):
    admin = client_for("admin")
    definition = published(admin)
    v1 = definition.current.document
    assert "放弃" not in admin.get(f"/designer/{definition.pk}/").content.decode()  # nothing pending yet
    admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "name": "差旅报销", "s0_limit_n": "3", "action": "save"})
    definition.refresh_from_db()
    pending = definition.draft
    assert pending["steps"][0]["limit"]["duration"] == "3d"

    listed = admin.get("/designer/").content.decode()
    assert '<span class="badge warn">有未发布的修改</span>' in listed
    assert f'<a class="danger" href="/designer/{definition.pk}/discard/">放弃修改</a>' in listed
    editor = admin.get(f"/designer/{definition.pk}/").content.decode()
    assert f'id="designer-discard" href="/designer/{definition.pk}/discard/">放弃未发布的修改</a>' in editor
    assert 'name="s0_limit_n" value="3"' in editor

    page = admin.get(f"/designer/{definition.pk}/discard/")
    assert (
        "将放弃“费用报销”尚未发布的修改，恢复为已发布的第 1 版；放弃的修改不能恢复。员工发起的仍是第 1 版，不受影响。"
        in text(page)
    )
    response = admin.post(f"/designer/{definition.pk}/discard/", {"version": str(definition.version)})
    assert response.status_code == 302 and response["Location"] == f"/designer/{definition.pk}/"
    definition.refresh_from_db()
    assert (definition.draft, definition.name, definition.current.n) == (v1, "费用报销", 1)
    editor = admin.get(response["Location"])
    assert "已放弃未发布的修改，恢复为已发布的第 1 版" in text(editor)
    assert (
        'name="s0_limit_n" value="1"' in editor.content.decode() and "designer-discard" not in editor.content.decode()
    )
    event = AuditEvent.objects.get(action="designer.discard")
    assert (event.actor.username, event.before, event.after) == ("admin", {"draft": pending}, {"version": 1})

    again = admin.post(f"/designer/{definition.pk}/discard/")
    assert again.status_code == 400 and refusal(again) == ["“费用报销”没有未发布的修改。"]


def test_a_draft_never_published_has_nothing_to_go_back_to(client_for, finance):
    admin = client_for("admin")
    definition = draft(admin)
    assert "designer-discard" not in admin.get(f"/designer/{definition.pk}/").content.decode()
    response = admin.get(f"/designer/{definition.pk}/discard/")
    assert refusal(response) == ["“费用报销”尚未发布，没有可恢复的版本；不需要时可删除此草稿。"]


def test_confirming_a_draft_already_deleted_elsewhere_says_so(client_for, finance):
    admin = client_for("admin")
    definition = draft(admin)
    assert admin.post(f"/designer/{definition.pk}/delete/").status_code == 302  # the other tab
    again = admin.post(f"/designer/{definition.pk}/delete/")
    assert again.status_code == 302 and again["Location"] == "/designer/"
    assert "该草稿已不存在（可能已在别处删除）" in admin.get("/designer/").content.decode()
    assert client_for("lina").post(f"/designer/{definition.pk}/delete/").status_code == 404  # not a designer
