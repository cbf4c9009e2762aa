"""复制 (issue 21): a company's own process copied into a new draft — the designer as it stands, unpublished edits
included — under a free key and name and a number prefix no process uses, opened in the editor, nothing
published and the original untouched; audited with where it came from. Who does not design gets a 404."""

from __future__ import annotations

import pytest

from xietong.core.models import AuditEvent
from xietong.designer.models import ProcessDefinition
from xietong.designer.tests.test_definition_delete import draft, finance, published  # noqa: F401
from xietong.designer.tests.test_editor import EXPENSE

pytestmark = pytest.mark.django_db


def test_a_published_process_with_unpublished_edits_is_copied_into_a_new_draft(client_for, finance):  # noqa: F811
    admin = client_for("admin")
    original = published(admin)
    admin.post(f"/designer/{original.pk}/", {**EXPENSE, "s0_limit_n": "3"})  # saved, not published
    listed = admin.get("/designer/").content.decode()
    assert f'<form method="post" action="/designer/{original.pk}/copy/" class="inline">' in listed
    assert f'action="/designer/{original.pk}/copy/"' in admin.get(f"/designer/{original.pk}/").content.decode()

    response = admin.post(f"/designer/{original.pk}/copy/")
    copy = ProcessDefinition.objects.get(key="expense-2")
    assert response.status_code == 302 and response["Location"] == f"/designer/{copy.pk}/"
    assert (copy.name, copy.draft["name"], copy.draft["prefix"], copy.current) == (
        "费用报销（2）",
        "费用报销（2）",
        "BXA",
        None,
    )
    assert copy.draft["steps"][0]["limit"]["duration"] == "3d"  # the edit as saved
    assert copy.owner.username == "admin"
    page = admin.get(response["Location"]).content.decode()
    assert "已复制为新流程“费用报销（2）”（expense-2，编号前缀 BXA），尚未发布：请修改后发布" in page
    original.refresh_from_db()
    assert (original.key, original.current.n, original.draft["prefix"]) == ("expense", 1, "BX")
    event = AuditEvent.objects.get(action="designer.create", object_id=str(copy.pk))
    assert event.after == {"key": "expense-2", "name": "费用报销（2）", "origin": "copy:expense"}


def test_a_second_copy_takes_the_next_free_key_name_and_prefix(client_for, finance):  # noqa: F811
    admin = client_for("admin")
    original = published(admin)
    admin.post(f"/designer/{original.pk}/copy/")
    admin.post(f"/designer/{original.pk}/copy/")
    copies = ProcessDefinition.objects.exclude(pk=original.pk).order_by("pk")
    assert [(d.key, d.name, d.draft["prefix"]) for d in copies] == [
        ("expense-2", "费用报销（2）", "BXA"),
        ("expense-3", "费用报销（3）", "BXB"),
    ]


@pytest.mark.parametrize("username", ["lina", "fengjing"])
def test_who_does_not_design_cannot_copy(client_for, finance, username):  # noqa: F811
    original = published(client_for("admin"))
    person = client_for(username)
    assert person.post(f"/designer/{original.pk}/copy/").status_code == 404
    assert person.get(f"/designer/{original.pk}/copy/").status_code == 405  # a POST route; nothing done
    assert ProcessDefinition.objects.count() == 1


def test_the_coordinating_office_copies_what_it_may_read_of_an_administrators_process(client_for, finance):  # noqa: F811
    """刘芳 reads the administrator's definitions but not his unpublished work: she copies the published version,
    and a draft he never published is neither offered to her nor copied (404); his editor is a 404 for her."""
    admin = client_for("admin")
    original = published(admin)
    admin.post(f"/designer/{original.pk}/", {**EXPENSE, "description": "机密草稿：预算上限 9 万"})
    unpublished = draft(admin, key="trip", name="差旅报销", prefix="CL")
    liufang = client_for("liufang")
    listed = liufang.get("/designer/").content.decode()
    assert f'action="/designer/{original.pk}/copy/"' in listed
    assert f'action="/designer/{unpublished.pk}/copy/"' not in listed
    assert liufang.get(f"/designer/{original.pk}/").status_code == 404
    assert liufang.post(f"/designer/{unpublished.pk}/copy/").status_code == 404
    assert liufang.post(f"/designer/{original.pk}/copy/").status_code == 302
    copy = ProcessDefinition.objects.get(key="expense-2")
    assert copy.owner.username == "liufang"
    assert copy.draft == {**original.current.document, "key": "expense-2", "name": "费用报销（2）", "prefix": "BXA"}
    assert "机密草稿" not in str(copy.draft)
    assert liufang.get(f"/designer/{copy.pk}/").status_code == 200
    assert ProcessDefinition.objects.count() == 3
