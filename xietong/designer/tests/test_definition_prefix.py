"""One process per number prefix (issue 21): 「另建一份」 kept the original's 编号前缀, and nothing stopped two
definitions — or a definition and a built-in process — from numbering items alike (BX-2026-0001 twice over).
Publishing now refuses, at 编号前缀, a prefix a built-in process numbers with or another definition does (its
published one, or one of its versions' before); the database holds one definition per published prefix, so two
publishes at the same moment cannot both take it; and a copy gets its own key, name and prefix."""

from __future__ import annotations

import re

import pytest

from xietong.core.errors import ApplicationError
from xietong.designer.models import ProcessDefinition
from xietong.designer.services import definition_publish
from xietong.designer.tests.support import expense, finance_group, publish
from xietong.designer.tests.test_editor import EXPENSE, errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(company):
    return finance_group(company)


def prefix_errors(response) -> list[str]:
    field = re.search(r'<div class="field has-error"><label for="d-prefix">.*?</div>', response.content.decode(), re.S)
    assert field is not None
    return re.findall(r'class="field-error" role="alert">([^<]*)<', field.group(0))


def test_a_prefix_another_process_numbers_with_is_refused_at_its_field(client_for, finance):
    admin = client_for("admin")
    assert admin.post("/designer/new/", {**EXPENSE, "action": "publish"}).status_code == 302
    response = admin.post("/designer/new/", {**EXPENSE, "key": "trip", "name": "差旅报销", "action": "publish"})
    assert response.status_code == 400
    assert prefix_errors(response) == ["编号前缀“BX”已由流程“费用报销”使用，请换一个"]
    assert errors(response) == ["编号前缀“BX”已由流程“费用报销”使用，请换一个"]
    assert 'id="d-prefix" name="prefix" value="BX"' in response.content.decode()  # as typed
    trip = ProcessDefinition.objects.get(key="trip")
    assert (trip.current, trip.prefix, trip.draft["prefix"]) == (None, "", "BX")  # kept as a draft only

    response = admin.post(f"/designer/{trip.pk}/", {**EXPENSE, "key": "trip", "prefix": "cl", "action": "publish"})
    assert response.status_code == 302
    trip.refresh_from_db()
    assert (trip.current.n, trip.prefix) == (1, "CL")


@pytest.mark.parametrize(("prefix", "name"), [("XQ", "需求"), ("YY", "用印申请"), ("HY", "会议"), ("JJ", "紧急事项")])
def test_a_built_in_process_s_prefix_is_refused(client_for, finance, prefix, name):
    response = client_for("admin").post("/designer/new/", {**EXPENSE, "prefix": prefix, "action": "publish"})
    assert response.status_code == 400
    assert prefix_errors(response) == [f"编号前缀“{prefix}”已由系统自带的“{name}”使用，请换一个"]
    assert ProcessDefinition.objects.get().current is None


def test_a_prefix_left_behind_by_a_new_version_stays_its_process_s(client_for, finance):
    """费用报销 numbered BX-…, then v2 numbers FY-…: its old items still read BX, so BX is not free for another
    process — but 费用报销 itself may go back to it."""
    admin = client_for("admin")
    admin.post("/designer/new/", {**EXPENSE, "action": "publish"})
    definition = ProcessDefinition.objects.get(key="expense")
    admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "prefix": "FY", "action": "publish"})
    definition.refresh_from_db()
    assert (definition.current.n, definition.prefix) == (2, "FY")

    other = admin.post("/designer/new/", {**EXPENSE, "key": "trip", "name": "差旅报销", "action": "publish"})
    assert prefix_errors(other) == ["编号前缀“BX”已由流程“费用报销”使用，请换一个"]
    back = admin.post(f"/designer/{definition.pk}/", {**EXPENSE, "prefix": "BX", "action": "publish"})
    assert back.status_code == 302
    definition.refresh_from_db()
    assert (definition.current.n, definition.prefix) == (3, "BX")


def test_two_publishes_at_the_same_moment_cannot_both_take_a_prefix(company, monkeypatch):
    """The check ran for both before either committed (here: it finds nothing); the database's
    one_definition_per_prefix refuses the second, and the refusal lands at 编号前缀 with nothing published."""
    publish(company)  # 费用报销, BX
    monkeypatch.setattr("xietong.designer.services.prefix_holder", lambda prefix, key: None)
    trip = {**expense(), "key": "trip", "name": "差旅报销"}
    with pytest.raises(ApplicationError) as refused:
        publish(company, trip)
    assert refused.value.fields == {"prefix": "编号前缀“BX”已被使用"}
    assert not ProcessDefinition.objects.filter(key="trip").exists()  # the whole publish rolled back


def test_a_copy_from_the_library_gets_its_own_key_name_and_prefix(client_for, company, finance):
    admin = client_for("admin")
    publish(company)  # 费用报销 from the library, published: BX
    ProcessDefinition.objects.create(key="expense-bj", name="费用报销（2）", owner=company.person("admin"))
    response = admin.post("/designer/library/use/", {"template": "expense", "copy": "1"})
    copy = ProcessDefinition.objects.get(key="expense-3")  # 费用报销（2） is another's name already
    assert response["Location"] == f"/designer/{copy.pk}/"
    assert (copy.name, copy.draft["name"], copy.draft["prefix"]) == ("费用报销（3）", "费用报销（3）", "BXA")
    shown = admin.get(response["Location"]).content.decode()
    assert (
        "已从模板库另建草稿“费用报销（3）”（expense-3），编号前缀为“BXA”（不与其他流程相同），发布前可修改；尚未发布。"
        in shown
    )
    assert 'id="d-prefix" name="prefix" value="BXA"' in shown

    version = definition_publish(actor=company.person("admin"), document=copy.draft)
    assert (version.definition.pk, version.definition.prefix) == (copy.pk, "BXA")
    assert sorted(ProcessDefinition.objects.exclude(prefix="").values_list("prefix", flat=True)) == ["BX", "BXA"]


def test_the_migration_gives_a_shared_prefix_to_the_first_published_only(company):
    """Before the column, two definitions could both be published with BX: the first keeps it, the other is
    left without (refused at 编号前缀 when it is published next)."""
    from django.apps import apps

    from xietong.designer.migrations import __name__ as package

    first = publish(company, when="2026-10-09 09:00").definition
    second = publish(company, {**expense(), "key": "trip", "prefix": "CL"}, when="2026-10-10 09:00").definition
    second.versions.update(document={**second.current.document, "prefix": "BX"})
    ProcessDefinition.objects.update(prefix="")
    forwards = __import__(f"{package}.0005_definition_prefix", fromlist=["forwards"]).forwards
    forwards(apps, None)
    assert dict(ProcessDefinition.objects.values_list("key", "prefix")) == {first.key: "BX", second.key: ""}
