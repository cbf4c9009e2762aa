"""The designer's refusals read in English for a person who chose English (Chinese stays the default):
definition problems at publish and the form's value errors."""

import pytest
from django.utils import translation

from xietong.designer.schema import DefinitionError, clean, parse
from xietong.designer.tests.support import expense


def problems(document):
    with pytest.raises(DefinitionError) as refused:
        parse(document)
    return refused.value.problems


def broken():
    document = expense()
    document["prefix"] = "bx"
    document["steps"][0]["approvers"] = {"type": "boss"}
    return document


def test_definition_problems_read_in_english_when_english_is_chosen():
    with translation.override("en"):
        found = problems(broken())
    assert found == [
        ("prefix", 'The number prefix "bx" should be 1–6 capital letters, e.g. BX'),
        (
            "steps[0].approvers.type",
            'Unknown approver type "boss"; choose from: manager、department_head、division_leader、general_manager、'
            "chain、role、people、field、chooser",
        ),
    ]


def test_chinese_stays_the_default():
    with translation.override("zh-hans"):
        found = problems(broken())
    assert found[0] == ("prefix", "编号前缀“bx”应为 1–6 个大写字母，例如 BX")


def test_value_errors_read_in_english():
    definition = parse(expense())
    with translation.override("en"):
        errors = clean(
            definition, {"reason": "", "kind": "差旅", "lines": [{"date": "x", "item": "车费", "amount": "1"}]}
        ).errors
    assert errors == {
        "f_reason": 'Please fill in "报销事由"',
        "f_lines-0-date": '"日期" should be a date, e.g. 2026-10-10',
    }
