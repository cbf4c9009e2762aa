"""The definition document: the library parses; mistakes are refused with the path and the reason in Chinese;
values are checked on the server from the definition (types, required, limits, formulas)."""

import copy
import datetime as dt

import pytest

from xietong.designer.library import library_documents
from xietong.designer.schema import DefinitionError, clean, condition_holds, parse, raw_from_post

EXPENSE = library_documents()["expense"]


def problems(document):
    with pytest.raises(DefinitionError) as caught:
        parse(document)
    return caught.value.problems


def test_every_library_definition_parses():
    assert sorted(library_documents()) == [
        "collab-feedback",
        "contract",
        "delay-apply",
        "exception-report",
        "expense",
        "leave",
        "meeting-apply",
        "problem-report",
        "purchase",
        "seal-apply",
    ]
    for document in library_documents().values():
        definition = parse(document)
        assert definition.steps and definition.fields


def test_a_broken_definition_names_each_problem_by_its_path():
    document = copy.deepcopy(EXPENSE)
    document["prefix"] = "bx"
    document["fields"][1]["type"] = "colour"
    document["fields"][3]["formula"] = "sum(lines.price)"
    document["steps"][1]["when"] = {"field": "amount", "op": ">", "value": 50000}
    document["steps"][2]["approvers"] = {"type": "role"}
    document["steps"][0]["limit"]["on_timeout"] = "explode"
    assert problems(document) == [
        ("prefix", "编号前缀“bx”应为 1–6 个大写字母，例如 BX"),
        (
            "fields[1].type",
            "未知的字段类型“colour”，可选：text（单行文本）、textarea（多行文本）、number（数字）、money（金额）、"
            "date（日期）、datetime（日期时间）、daterange（日期范围）、choice（单选）、multichoice（多选）、person（人员）、"
            "people（多个人员）、department（部门）、departments（多个部门）、project（项目）、attachment（附件）、"
            "attachments（多个附件）、table（明细表）",
        ),
        ("fields[3].formula", "公式引用的列“lines.price”不存在或不是数字/金额"),
        (
            "steps[0].limit.on_timeout",
            "超时处理只能是：remind（仅提醒）、escalate（升级）、approve（自动同意）、return（自动退回）",
        ),
        ("steps[1].when.field", "条件引用的字段“amount”不存在"),
        ("steps[2].approvers", "请指定角色（role）或审批组（group）"),
    ]


def test_only_conditional_approval_steps_could_leave_an_item_with_no_approver():
    document = copy.deepcopy(EXPENSE)
    for step in document["steps"]:
        step["when"] = {"field": "total", "op": ">", "value": 1}
    assert (
        "steps",
        "所有审批步骤都有条件：条件都不满足时事项无人审批。请至少保留一个无条件的审批步骤（默认路径）",
    ) in problems(document)


def test_an_approver_field_must_be_a_required_person_field():
    document = copy.deepcopy(EXPENSE)
    document["steps"][0]["approvers"] = {"type": "field", "field": "payee"}
    assert problems(document) == [
        ("steps[0].approvers.field", "审批人字段“收款人”必须是必填项，否则此步骤可能没有审批人")
    ]


def test_values_come_from_the_form_names_and_the_total_is_computed_on_the_server():
    definition = parse(EXPENSE)
    post = {
        "f_reason": ["10月上海出差"],
        "f_kind": ["差旅"],
        "f_lines-0-date": ["2026-10-09"],
        "f_lines-0-item": ["高铁"],
        "f_lines-0-amount": ["553.5"],
        "f_lines-1-date": [""],
        "f_lines-1-item": [""],
        "f_lines-1-amount": [""],
        "f_lines-2-date": ["2026-10-10"],
        "f_lines-2-item": ["酒店"],
        "f_lines-2-amount": ["1200"],
        "f_total": ["1"],  # the browser's total is never trusted
    }
    cleaned = clean(definition, raw_from_post(definition, post))
    assert cleaned.errors == {}
    assert cleaned.values["lines"] == [
        {"date": "2026-10-09", "item": "高铁", "amount": "553.50"},
        {"date": "2026-10-10", "item": "酒店", "amount": "1200.00"},
    ]
    assert cleaned.values["total"] == "1753.50"


def test_bad_values_are_refused_at_their_field():
    definition = parse(EXPENSE)
    post = {
        "f_reason": ["x" * 501],
        "f_kind": ["旅游"],
        "f_lines-0-date": ["2026-13-01"],
        "f_lines-0-item": [""],
        "f_lines-0-amount": ["12.345"],
    }
    assert clean(definition, raw_from_post(definition, post)).errors == {
        "f_reason": "“报销事由”不能超过 500 字（现为 501 字）",
        "f_kind": "“旅游”不是“费用类型”的选项",
        "f_lines-0-date": "“日期”应为日期，例如 2026-10-10",
        "f_lines-0-item": "请填写“费用明细”第 1 行的“项目”",
        "f_lines-0-amount": "“金额”最多两位小数",
        # not "“合计”不能小于 0.01" too: the total is computed from what is refused above
    }


def test_conditions_route_by_value_with_a_default_path():
    assert condition_holds({"field": "total", "op": ">", "value": 50000}, {"total": "50000.01"})
    assert not condition_holds({"field": "total", "op": ">", "value": 50000}, {"total": "50000.00"})
    both = {"any": [{"field": "amount", "op": ">", "value": 50000}, {"field": "kind", "op": "==", "value": "对外合作"}]}
    assert condition_holds(both, {"amount": "10.00", "kind": "对外合作"})
    assert not condition_holds(both, {"amount": "10.00", "kind": "采购"})
    assert condition_holds(None, {})
    assert condition_holds(
        {"field": "period", "op": ">", "value": 3}, {"period": {"start": "x", "end": "y", "days": 4}}
    )


def test_leave_counts_working_days_with_the_calendar():
    definition = parse(library_documents()["leave"])
    counted = []

    def working_days(first, last):
        counted.append((first, last))
        return 3

    raw = raw_from_post(
        definition, {"f_kind": "年假", "f_period_start": "2026-10-08", "f_period_end": "2026-10-11", "f_reason": "探亲"}
    )
    cleaned = clean(definition, raw, working_days=working_days)
    assert cleaned.values["period"] == {"start": "2026-10-08", "end": "2026-10-11", "days": 3}
    assert counted == [(dt.date(2026, 10, 8), dt.date(2026, 10, 11))]
