"""A number the editor cannot read (issue 21): 「两天」, 「abc」, 「-1」 or 「0」 typed as a step's 时长 is refused under
that input in a plain sentence — never the definition's duration syntax ("1d30m") nor a Python message — with
what was typed still in the input and its unit still chosen; nothing is saved, neither by 保存草稿 nor by 发布.
The editor's other number inputs (到期前提醒, a rule's 时限, a field's or a column's 最小值/最大值, 最多字数, a money
field's 默认值, 最早：提交后, 逐级层数) answer the same way. A definition file cannot publish what the clocks could
not count either (0.5d, 0d)."""

from __future__ import annotations

import copy
import re

import pytest
from django.db import transaction

from xietong.designer.models import ProcessDefinition
from xietong.designer.schema import DefinitionError, parse
from xietong.designer.services import definition_save_draft
from xietong.designer.tests.support import expense, finance_group
from xietong.designer.tests.test_editor import EXPENSE, errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(company):
    return finance_group(company)


WHOLE = "时长应为大于 0 的整数，例如 1 或 2"
FRACTION = "时长应为整数：不足 1 个单位时请换小一级的单位，例如 0.5 小时写作 30 分钟"


def at_input(response, name: str) -> tuple[str, list[str]]:
    """The value shown in the input `name` and the reasons shown right under it (in its label)."""
    html = response.content.decode()
    found = re.search(
        rf'<input type="text"[^>]* name="{name}" value="([^"]*)"[^>]*>((?:\s*<span class="field-error" role="alert">'
        r"[^<]*</span>)*)",
        html,
    )
    assert found is not None, name
    return found.group(1), re.findall(r'role="alert">([^<]*)<', found.group(2))


def selected(response, name: str) -> str:
    select = re.search(rf'<select name="{name}">(.*?)</select>', response.content.decode(), re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]*)" selected>', select.group(1))[0]


@pytest.mark.parametrize("action", ["save", "publish"])
@pytest.mark.parametrize(("typed", "reason"), [("两天", WHOLE), ("abc", WHOLE), ("-1", WHOLE), ("0", WHOLE)])
def test_a_time_limit_that_is_not_a_number_is_refused_at_its_input_as_typed(client_for, finance, action, typed, reason):
    response = client_for("admin").post("/designer/new/", {**EXPENSE, "s0_limit_n": typed, "action": action})
    assert response.status_code == 400
    assert at_input(response, "s0_limit_n") == (typed, [reason])
    assert selected(response, "s0_limit_unit") == "wd"  # 工作日, as chosen
    assert errors(response) == [reason]  # the only reason on the page: no "1d", no "无法识别"
    banner = "未能保存草稿，请按标红处修改。" if action == "save" else "未能发布，请按标红处修改。"
    assert banner in response.content.decode()
    assert re.search(r'<fieldset class="d-row d-step has-error" data-row="0"', response.content.decode())
    assert not ProcessDefinition.objects.exists()  # nothing saved


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("0.5", FRACTION),
        ("Infinity", WHOLE),
        ("99999", "时长过长（最多约 10 年）"),
        ("1e30", "时长过长（最多约 10 年）"),
    ],
)
def test_half_a_unit_or_ten_years_are_said_in_so_many_words(client_for, finance, typed, reason):
    response = client_for("admin").post("/designer/new/", {**EXPENSE, "s0_limit_n": typed, "action": "publish"})
    assert at_input(response, "s0_limit_n") == (typed, [reason])


def test_a_whole_number_is_the_limit_in_its_unit(client_for, finance):
    admin = client_for("admin")
    response = admin.post("/designer/new/", {**EXPENSE, "s0_limit_n": " 3 ", "action": "publish"})
    assert response.status_code == 302
    limit = ProcessDefinition.objects.get().current.document["steps"][0]["limit"]
    assert (limit["duration"], limit["mode"], limit["remind_before"]) == ("3d", "working", "2h")


RULE = {"s0_r0_if_field": "total", "s0_r0_if_op": ">", "s0_r0_if_value": "1000", "s0_r0_n": "4", "s0_r0_unit": "wh"}


@pytest.mark.parametrize(
    ("sent", "shown", "typed", "reason"),
    [
        ({"s0_remind_n": "两小时"}, "s0_remind_n", "两小时", "到期前提醒应为大于 0 的整数，例如 1 或 2"),
        ({**RULE, "s0_r0_n": "半天"}, "s0_r0_n", "半天", "时长应为大于 0 的整数，例如 1 或 2"),
        ({**RULE, "s0_r0_warn_n": "1.5"}, "s0_r0_warn_n", "1.5", FRACTION.replace("时长", "到期前提醒")),
        ({"f2_min": "不限"}, "f2_min", "不限", "最小值应为数字，例如 0 或 12.5"),
        ({"f2_max": "10万"}, "f2_max", "10万", "最大值应为数字，例如 0 或 12.5"),
        ({"f2_default": "零"}, "f2_default", "零", "默认值应为数字，例如 0 或 12.5"),
        ({"f7_c3_max": "abc"}, "f1_c1_max", "abc", "最大值应为数字，例如 0 或 12.5"),
        ({"f7_min": "1.5"}, "f1_min", "1.5", "最少行数应为不小于 0 的整数，例如 1 或 20"),
        ({"f7_max": "-2"}, "f1_max", "-2", "最多行数应为不小于 0 的整数，例如 1 或 20"),
        ({"f0_max_length": "两百"}, "f0_max_length", "两百", "最多字数应为大于 0 的整数，例如 200"),
        ({"s5_approver": "chain", "s5_levels": "五"}, "s1_levels", "五", "逐级层数应为 1–3 的整数"),
        (
            {"f9_label": "出发日期", "f9_key": "start", "f9_type": "date", "f9_earliest_n": "三"},
            "f3_earliest_n",
            "三",
            "“最早：提交后”应为 1–365 的整数，例如 3",
        ),
    ],
)
def test_every_number_input_of_the_editor_answers_the_same_way(client_for, finance, sent, shown, typed, reason):
    response = client_for("admin").post("/designer/new/", {**EXPENSE, **sent, "action": "publish"})
    assert response.status_code == 400
    assert at_input(response, shown) == (typed, [reason])
    assert errors(response) == [reason]
    assert not ProcessDefinition.objects.exists()


def test_publishing_lists_the_other_reasons_too_each_at_its_place(client_for, finance):
    response = client_for("admin").post(
        "/designer/new/", {**EXPENSE, "s0_limit_n": "两天", "f2_formula": "sum(lines.price)", "action": "publish"}
    )
    assert at_input(response, "s0_limit_n") == ("两天", [WHOLE])
    assert sorted(errors(response)) == sorted([WHOLE, "公式引用的列“lines.price”不存在或不是数字/金额"])


def test_a_preview_shows_the_reason_at_the_input_not_in_the_definition_s_words(client_for, finance):
    response = client_for("admin").post("/designer/new/", {**EXPENSE, "s0_limit_n": "两天", "action": "preview"})
    assert at_input(response, "s0_limit_n") == ("两天", [WHOLE])
    html = response.content.decode()
    assert "表单预览前，请先按标红处修改。" in html and "两天d" not in html and "无法识别" not in html


@pytest.mark.parametrize(
    ("duration", "reason"),
    [
        ("0.5d", "时限“0.5d”无法识别：例如 1d（1 天）、4h、30m"),
        ("1.5h", "时限“1.5h”无法识别：例如 1d（1 天）、4h、30m"),
        ("0d", "时限“0d”为 0：应大于 0"),
        ("99999d", "时长“99999d”过长（最多约 10 年）"),
    ],
)
def test_a_file_cannot_publish_a_limit_the_clocks_cannot_count(duration, reason):
    document = copy.deepcopy(expense())
    document["steps"][0]["limit"]["duration"] = duration
    with pytest.raises(DefinitionError) as refused:
        parse(document)
    assert refused.value.problems == [("steps[0].limit.duration", reason)]


def test_a_limit_of_several_units_from_a_file_is_shown_in_one_unit_or_kept_never_dropped(company, client_for, finance):
    """A file may say 1d4h: the editor's one number holds it when that is exact (elapsed 1d4h = 28 小时, a
    reminder of 1h30m = 90 分钟); a working day with hours cannot be one unit, so it is shown as stored and
    saving asks for one unit at its input — before, the input was empty and saving dropped the limit."""
    document = expense()
    first, finance_step = document["steps"][0], next(s for s in document["steps"] if s["key"] == "finance")
    first["limit"].update(duration="1d4h", mode="elapsed", remind_before="1h30m")
    finance_step["limit"]["duration"] = "1d4h"
    admin = client_for("admin")
    with transaction.atomic():
        definition = definition_save_draft(actor=company.person("admin"), document=document, new=True)
    page = admin.get(f"/designer/{definition.pk}/")
    assert (at_input(page, "s0_limit_n"), selected(page, "s0_limit_unit")) == (("28", []), "h")
    assert (at_input(page, "s0_remind_n"), selected(page, "s0_remind_unit")) == (("90", []), "m")
    finance_row = next(n for n, s in enumerate(document["steps"]) if s["key"] == "finance")
    assert at_input(page, f"s{finance_row}_limit_n") == ("1d4h", [])
    assert selected(page, f"s{finance_row}_limit_unit") == "wd"
    refused = admin.post("/designer/new/", {**EXPENSE, "s0_limit_n": "1d4h", "s0_limit_unit": "wd", "action": "save"})
    assert refused.status_code == 400
    assert at_input(refused, "s0_limit_n") == (
        "1d4h",
        ["时长“1d4h”含多个单位，请换算为一个单位填写，例如 2 个工作日或 12 个工作小时"],
    )
    assert ProcessDefinition.objects.count() == 1


@pytest.mark.parametrize(
    ("limit", "unit", "remind", "remind_unit", "refusal"),
    [
        ("1", "wh", "10", "d", "到期前提醒（10 天）应短于时限（1 个工作小时），否则一收到任务就已到提醒时间"),
        ("2", "wh", "2", "h", "到期前提醒（2 小时）应短于时限（2 个工作小时），否则一收到任务就已到提醒时间"),
        ("1", "wd", "2", "h", None),  # how long a working day is depends on the calendar: left alone
        ("2", "wd", "1", "d", None),
    ],
)
def test_a_reminder_not_shorter_than_its_limit_is_refused_at_publish(
    client_for, finance, limit, unit, remind, remind_unit, refusal
):
    typed = {"s0_limit_n": limit, "s0_limit_unit": unit, "s0_remind_n": remind, "s0_remind_unit": remind_unit}
    response = client_for("admin").post("/designer/new/", {**EXPENSE, **typed, "action": "publish"})
    if refusal is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert at_input(response, "s0_remind_n") == (remind, [refusal])
    assert not ProcessDefinition.objects.filter(versions__isnull=False).exists()
