"""A step's limit by condition (issue 21: 《问题提报表》 紧急程度 = 高 → 主责部门处理 2 小时): the step keeps its
default limit and adds ordered rules 「当 <字段> <比较> <值> 时 时限 N 单位」, conditions written and evaluated as the
steps' own (schema.condition_holds). The first rule that holds sets each approver's clock — its duration, time
mode and clause — when the step's clocks are armed; the clock panel names the rule applied. A rule that cannot
hold or names what is not there is refused at publish with its reason, at its step."""

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.basis import policy_basis
from xietong.clocks.models import Clock, ClockPolicy
from xietong.core.errors import ApplicationError
from xietong.designer.items import designed_item_create
from xietong.designer.library import library_groups
from xietong.designer.schema import DefinitionError, parse
from xietong.designer.services import definition_publish
from xietong.designer.tests.support import act, clock_rows, publish
from xietong.requests.tests.test_request_flow import at


def contract(rules=None):
    return {
        "key": "outside",
        "name": "对外函件",
        "prefix": "DW",
        "fields": [
            {"key": "kind", "label": "类型", "type": "choice", "options": ["对内", "对外"], "required": True},
            {"key": "amount", "label": "金额", "type": "money"},
        ],
        "steps": [
            {
                "key": "review",
                "name": "部门负责人审核",
                "kind": "approval",
                "approvers": {"type": "department_head"},
                "limit": {
                    "duration": "1d",
                    "mode": "working",
                    "clause": "一般函件1个工作日内审核",
                    "rules": rules
                    if rules is not None
                    else [
                        {
                            "when": {
                                "all": [
                                    {"field": "kind", "op": "==", "value": "对外"},
                                    {"field": "amount", "op": ">", "value": 10000},
                                ]
                            },
                            "duration": "2h",
                            "mode": "working",
                            "clause": "大额对外函件2个工作小时内审核",
                        },
                        {
                            "when": {"field": "kind", "op": "==", "value": "对外"},
                            "duration": "4h",
                            "mode": "working",
                            "clause": "对外函件4个工作小时内审核",
                        },
                    ],
                },
            }
        ],
    }


def start(company, version, values, when="2026-10-09 16:00"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return designed_item_create(
            definition=version.definition,
            actor=company.person("guoxin"),
            title="函件",
            project=company.project("smartwatch"),
            raw=values,
            submit=True,
        )


def test_the_first_rule_that_holds_sets_the_clock_else_the_default(company):
    version = publish(company, contract())
    policies = ClockPolicy.objects.filter(process=version.policy_process, kind="review").order_by("priority")
    assert [(p.priority, p.duration, p.mode, p.clause_text) for p in policies] == [
        ("*", "1d", "working", "一般函件1个工作日内审核"),
        ("when-1", "2h", "working", "大额对外函件2个工作小时内审核"),
        ("when-2", "4h", "working", "对外函件4个工作小时内审核"),
    ]
    cases = [
        (
            {"kind": "对外", "amount": "20000"},
            "2026-10-09 18:00",
            "大额对外函件2个工作小时内审核",
        ),  # both hold: the first
        ({"kind": "对外", "amount": "500"}, "2026-10-10 11:00", "对外函件4个工作小时内审核"),  # 调休 Saturday
        ({"kind": "对内", "amount": "20000"}, "2026-10-10 16:00", "一般函件1个工作日内审核"),
    ]
    for values, due, clause in cases:
        item = start(company, version, values)
        clock = Clock.objects.get(subject_id=item.pk, kind="review")
        assert (clock.owner.username, clock.due_at, policy_basis(clock.policy)) == (
            "hujun",
            at(due),
            f"依据：「{clause}」",
        )


def test_the_item_page_names_the_rule_applied_with_its_clause(company, client_for):
    version = publish(company, library_groups()["制度模板"]["problem-report"])
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        item = designed_item_create(
            definition=version.definition,
            actor=company.person("guoxin"),
            title="官网报价错误",
            project=company.project("smartwatch"),
            raw={
                "background": "背景",
                "situation": "现状",
                "impact": "全部渠道",
                "urgency": "高",
                "expected": "2026-10-12",
            },
            submit=True,
        )
    act(company, "hujun", item, "approve", "2026-10-09 15:00")
    act(company, "sunli", item, "handle", "2026-10-09 16:00")
    with time_machine.travel(at("2026-10-09 16:30"), tick=False):
        html = client_for("guoxin").get(item.get_absolute_url()).content.decode()
    rows = [row for row in clock_rows(html) if row[0].startswith("主责部门处理")]
    label = (
        "主责部门处理 · 紧急程度 = 高：2 小时 依据：《企业沟通与协作流程规范》二（三）「紧急事项需2小时内响应」；"
        "另见：《企业协作沟通标准化平台使用指南》五「优先级为“高”的事项,接收人需在2小时内响应」"
    )
    assert sorted((row[0], row[1], row[2][:16]) for row in rows) == [
        (label, "刘芳", "2026-10-09 18:00"),
        (label, "孙丽", "2026-10-09 18:00"),
    ]


def problems(document):
    with pytest.raises(DefinitionError) as caught:
        parse(document)
    return caught.value.problems


def test_a_rule_that_names_what_is_not_there_is_refused_with_its_reason():
    document = contract(
        [
            {"when": {"field": "urgency", "op": "==", "value": "高"}, "duration": "2h", "mode": "elapsed"},
            {"when": {"field": "kind", "op": "==", "value": "紧急"}, "duration": "2h"},
            {"when": {"field": "kind", "op": ">", "value": "对外"}, "duration": "2h"},
            {"when": {"field": "amount", "op": ">", "value": "很多"}, "duration": "2x", "mode": "fast"},
            {"duration": "2h"},
        ]
    )
    assert problems(document) == [
        ("steps[0].limit.rules[0].when.field", "条件引用的字段“urgency”不存在"),
        ("steps[0].limit.rules[1].when.value", "“紧急”不是字段“类型”的选项"),
        ("steps[0].limit.rules[2].when.op", "字段“类型”（单选）不能比较大小"),
        ("steps[0].limit.rules[3].when.value", "与数字比较的值应为数字"),
        ("steps[0].limit.rules[3].duration", "时限“2x”无法识别：例如 1d（1 天）、4h、30m"),
        ("steps[0].limit.rules[3].mode", "计时方式只能是 working（工作时间）或 elapsed（自然时间）"),
        ("steps[0].limit.rules[4].when", "按条件的时限需要条件：不设条件时用步骤的默认时限"),
    ]


def test_publishing_a_broken_rule_is_refused_and_nothing_is_published(company):
    document = contract([{"when": {"field": "urgency", "op": "==", "value": "高"}, "duration": "2h"}])
    with pytest.raises(ApplicationError) as caught, transaction.atomic():
        definition_publish(actor=company.person("admin"), document=document)
    assert caught.value.fields == {"steps[0].limit.rules[0].when.field": "条件引用的字段“urgency”不存在"}
    assert not ClockPolicy.objects.filter(process__startswith="outside").exists()
