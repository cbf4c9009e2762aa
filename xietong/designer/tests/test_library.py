"""The shipped library (issue 21): 制度模板 — the company documents' own forms — and 常用审批. Every entry imports
from its file and publishes; each 制度模板 step's limit cites its clause as the built-in policies carry it; and
《问题提报表》 runs end to end (004 三（一）: 发起部门负责人审核 → 综合管理部分派 within 1 working day → 主责部门
处理 → 发起部门确认验收) with exact clock instants across the 调休 Saturday 2026-10-10."""

import io
import json
import re

import time_machine
from django.core.management import call_command
from django.db import transaction

from xietong.clocks.basis import policy_basis
from xietong.clocks.models import Clock, ClockPolicy
from xietong.clocks.sources import SOURCES
from xietong.designer.editor_forms import definition_from_post
from xietong.designer.items import designed_item_create
from xietong.designer.library import library_documents, library_groups
from xietong.designer.models import ApprovalTask, ApproverGroup, DefinitionVersion, DesignedItem
from xietong.designer.tests.support import act, finance_group, publish
from xietong.designer.tests.test_editor import post
from xietong.requests.tests.test_request_flow import at

DOCUMENT_TEMPLATES = ["collab-feedback", "delay-apply", "exception-report", "meeting-apply", "problem-report"]


def tasks(item):
    return [(t.step, t.person.username, t.status) for t in ApprovalTask.objects.filter(item=item).order_by("pk")]


def fresh(item):
    return DesignedItem.objects.get(pk=item.pk)


def test_the_library_is_grouped_into_the_documents_templates_and_the_usual_approvals():
    groups = library_groups()
    assert list(groups) == ["制度模板", "常用审批"]
    assert sorted(groups["制度模板"]) == DOCUMENT_TEMPLATES
    assert sorted(groups["常用审批"]) == ["contract", "expense", "leave", "purchase", "seal-apply"]


def test_every_library_entry_imports_from_its_file_and_publishes(company, tmp_path):
    finance_group(company)  # 常用审批 names approver groups a company sets up first: 财务, 人事
    hr, _ = ApproverGroup.objects.get_or_create(code="hr", defaults={"name": "人事"})
    hr.members.set([company.person("sunli")])
    for key, document in library_documents().items():
        path = tmp_path / f"{key}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        out = io.StringIO()
        call_command("designer", "import", str(path), "--by", "admin", stdout=out)
        assert out.getvalue().strip() == f"{key} v1"
        assert DefinitionVersion.objects.get(definition__key=key).document == document


def test_the_library_command_publishes_one_group_and_labels_each_line(company):
    out = io.StringIO()
    call_command("designer", "library", "--by", "admin", "--group", "制度模板", stdout=out)
    assert out.getvalue().splitlines() == [f"制度模板 · {key} v1" for key in DOCUMENT_TEMPLATES]


def test_each_document_step_limit_cites_its_clause_as_the_built_in_policy_does(company):
    """The same document, clause and words as clocks.sources (the built-in policy of the same rule)."""
    built_in = {
        ("problem-report", "dispatch"): ("problem", "*", "dispatch"),
        ("problem-report", "handle"): ("problem", "*", "update_due"),
        ("delay-apply", "pm"): ("delay", "*", "review"),
        ("delay-apply", "head"): ("delay", "*", "review"),
        ("exception-report", "resolve"): ("exception", "normal", "resolve"),
        ("meeting-apply", "notice"): ("meeting", "*", "notice"),  # counted back from 建议会议时间
    }
    documents = library_groups()["制度模板"]
    cited = {
        (key, step["key"]): step["limit"]
        for key, doc in documents.items()
        for step in doc["steps"]
        if step.get("limit")
    }
    assert sorted(cited) == sorted(built_in)
    for (key, step), limit in cited.items():
        source = SOURCES[built_in[(key, step)]]
        assert (limit["source"], limit["article"], limit["clause"]) == (
            source.source,
            source.clause,
            source.clause_text,
        )
    version = publish(company, documents["problem-report"])
    policy = ClockPolicy.objects.get(process=version.policy_process, kind="dispatch")
    assert (policy.duration, policy.mode) == ("1d", "working")
    assert policy_basis(policy) == "依据：《内部沟通与协调工作机制》三（一）步骤2「综合管理部在1个工作日内审核」"


def test_a_problem_report_is_reviewed_dispatched_within_a_working_day_over_the_adjusted_saturday_and_handled(company):
    version = publish(company, library_groups()["制度模板"]["problem-report"])
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        item = designed_item_create(
            definition=version.definition,
            actor=company.person("guoxin"),
            title="渠道报价口径不一致",
            project=company.project("smartwatch"),
            raw={
                "background": "销售与市场对外报价不同",
                "situation": "两份价目表并行",
                "impact": "华东渠道",
                "urgency": "高",
                "expected": "2026-10-16",
            },
            submit=True,
        )
    assert (item.number, item.step, tasks(item)) == ("WTTB-2026-0001", "head", [("head", "hujun", "open")])
    assert not Clock.objects.filter(subject_id=item.pk).exists()  # the document sets no limit for the head's review
    # Friday 15:00: the head signs; 综合管理部 has 1 working day — Saturday 10-10 is a 调休 workday.
    act(company, "hujun", item, "approve", "2026-10-09 15:00")
    item = fresh(item)
    assert item.step == "dispatch"
    coordinators = [t.person.username for t in ApprovalTask.objects.filter(item=item, step="dispatch")]
    assert coordinators == ["liufang", "sunli"]
    clocks = Clock.objects.filter(subject_id=item.pk, kind="dispatch").order_by("owner__username")
    assert [(c.owner.username, c.due_at) for c in clocks] == [(who, at("2026-10-10 15:00")) for who in coordinators]
    assert {policy_basis(c.policy) for c in clocks} == {
        "依据：《内部沟通与协调工作机制》三（一）步骤2「综合管理部在1个工作日内审核」"
    }
    coordinator = coordinators[0]
    act(company, coordinator, item, "handle", "2026-10-10 14:30")
    mine = Clock.objects.get(subject_id=item.pk, kind="dispatch", owner__username=coordinator)
    assert mine.met_at == at("2026-10-10 14:30")
    item = fresh(item)
    assert item.step == "handle"
    # 分派: the coordinating office hands the handling to the responsible department's head (recorded).
    act(company, coordinator, item, "transfer", "2026-10-10 14:40", reason="分派至市场部", to=company.person("linxue"))
    act(company, "linxue", item, "handle", "2026-10-12 11:00")
    item = fresh(item)
    assert (item.step, tasks(item)[-1]) == ("confirm", ("confirm", "hujun", "open"))
    act(company, "hujun", item, "approve", "2026-10-12 16:00")
    assert fresh(item).state == "approved"


def test_an_exception_report_copies_the_department_head_and_gives_the_initiator_24_elapsed_hours(company):
    """000 二（三）「抄送发起方及部门负责人」「保证问题在24小时内闭环」: 24 hours (小时 = elapsed time)."""
    version = publish(company, library_groups()["制度模板"]["exception-report"])
    with time_machine.travel(at("2026-10-09 15:00"), tick=False), transaction.atomic():
        item = designed_item_create(
            definition=version.definition,
            actor=company.person("guoxin"),
            title="原型设计资源不足",
            project=company.project("smartwatch"),
            raw={
                "kind": "资源不足",
                "found_at": "2026-10-09T11:00",
                "detail": "设计师被抽调",
                "impact": "原型初稿延后",
                "proposal": "借调一名设计师",
                "urgent": "否",
                "severity": "一般",
                "initiator": company.person("linxue").pk,
            },
            submit=True,
        )
    assert (item.step, tasks(item)) == ("resolve", [("head", "hujun", "sent"), ("resolve", "linxue", "open")])
    resolve = Clock.objects.get(subject_id=item.pk, kind="resolve")
    assert resolve.due_at == at("2026-10-10 15:00")
    assert policy_basis(resolve.policy) == "依据：《企业沟通与协作流程规范》二（三）「保证问题在24小时内闭环」"


def test_a_template_opened_in_the_designer_keeps_its_clause_when_saved_again(company, client_for):
    """The editor shows 依据文件、条款、依据 and another save keeps them (a company adapts the template)."""
    version = publish(company, library_groups()["制度模板"]["problem-report"])
    page = client_for("admin").get(f"/designer/{version.definition.pk}/").content.decode()
    typed = dict(re.findall(r'name="(s\d+_(?:source|article|clause|also))" value="([^"]*)"', page))
    assert typed == {
        "s0_source": "",
        "s0_article": "",
        "s0_clause": "",
        "s0_also": "",
        "s1_source": "内部沟通与协调工作机制",
        "s1_article": "三（一）步骤2",
        "s1_clause": "综合管理部在1个工作日内审核",
        "s1_also": "",
        "s2_source": "",
        "s2_article": "",
        "s2_clause": "",
        "s2_also": "",
        "s3_source": "内部沟通与协调工作机制",
        "s3_article": "三（一）步骤3",
        "s3_clause": "每2个工作日通过OA系统反馈进度",
        "s3_also": "文件未规定处理完成时限，按进度反馈周期 2 个工作日为本产品默认",
        "s4_source": "",
        "s4_article": "",
        "s4_clause": "",
        "s4_also": "",
    }
    again = definition_from_post(post({**typed, "s1_limit_n": "1", "s1_limit_unit": "wd", "s1_key": "dispatch"}))
    assert again["steps"][1]["limit"]["source"] == "内部沟通与协调工作机制"
    assert again["steps"][1]["limit"]["article"] == "三（一）步骤2"
    assert "source" not in (again["steps"][0].get("limit") or {})


def test_the_rules_the_documents_state_are_options_now_not_help_text_and_quote_their_clause():
    """提前3个工作日 (会议申请表), 提前2天 (延期申请) and 紧急 (问题提报表) are options the server applies, each
    quoting its document word for word; the help text that said the designer could not express them is gone."""
    from xietong.clocks.tests.test_rule_sources import document

    documents = library_groups()["制度模板"]
    earliest = {
        (key, f["key"]): f["earliest"] for key, doc in documents.items() for f in doc["fields"] if f.get("earliest")
    }
    assert {k: (e["after"], e["unit"]) for k, e in earliest.items()} == {
        ("meeting-apply", "start"): (3, "working_days"),
        ("delay-apply", "original_due"): (2, "working_days"),
    }
    delay = SOURCES[("delay", "*", "notice")]  # the built-in 延期申请 counts the 2 days as the same
    assert (earliest[("delay-apply", "original_due")]["clause"], earliest[("delay-apply", "original_due")]["also"]) == (
        delay.clause_text,
        delay.also,
    )
    rules = [
        (key, step["key"], rule)
        for key, doc in documents.items()
        for step in doc["steps"]
        for rule in (step.get("limit") or {}).get("rules", [])
    ]
    assert [(k, s, r["when"], r["duration"], r["mode"]) for k, s, r in rules] == [
        ("problem-report", "handle", {"field": "urgency", "op": "==", "value": "高"}, "2h", "elapsed")
    ]
    for cited in [*earliest.values(), *(r for _k, _s, r in rules)]:
        assert cited["clause"] in document(cited["source"]), cited
    helps = " ".join(f.get("help", "") for doc in documents.values() for f in doc["fields"])
    assert "提前3个工作日通过OA系统提交" not in helps and "提前2天" not in helps


def test_an_urgent_problem_is_handled_within_2_elapsed_hours_and_a_medium_one_within_2_working_days(company):
    """《问题提报表》主责部门处理: 紧急程度 高 → 2 小时 「紧急事项需2小时内响应」, else the default 2 个工作日
    「每2个工作日通过OA系统反馈进度」 — on each approver's own clock, from 综合管理部's dispatch on Friday
    2026-10-09 16:00 (the 调休 Saturday counts)."""
    version = publish(company, library_groups()["制度模板"]["problem-report"])
    due = {}
    for urgency in ("高", "中"):
        with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
            item = designed_item_create(
                definition=version.definition,
                actor=company.person("guoxin"),
                title=f"渠道报价口径不一致（{urgency}）",
                project=company.project("smartwatch"),
                raw={
                    "background": "背景",
                    "situation": "现状",
                    "impact": "华东渠道",
                    "urgency": urgency,
                    "expected": "2026-10-16",
                },
                submit=True,
            )
        act(company, "hujun", item, "approve", "2026-10-09 15:00")
        act(company, "liufang", item, "handle", "2026-10-09 16:00")
        clocks = Clock.objects.filter(subject_id=item.pk, kind="handle").exclude(part="").order_by("owner__username")
        due[urgency] = [(c.owner.username, c.due_at, c.mode, policy_basis(c.policy)) for c in clocks]
    urgent = (
        "依据：《企业沟通与协作流程规范》二（三）「紧急事项需2小时内响应」；"
        "另见：《企业协作沟通标准化平台使用指南》五「优先级为“高”的事项,接收人需在2小时内响应」"
    )
    assert due["高"] == [(who, at("2026-10-09 18:00"), "wall", urgent) for who in ("liufang", "sunli")]
    default = (
        "依据：《内部沟通与协调工作机制》三（一）步骤3「每2个工作日通过OA系统反馈进度」；"
        "另见：文件未规定处理完成时限，按进度反馈周期 2 个工作日为本产品默认"
    )
    assert due["中"] == [(who, at("2026-10-12 16:00"), "working", default) for who in ("liufang", "sunli")]


def test_the_library_page_shows_the_lead_time_and_the_rule_with_its_clause(company, client_for):
    page = client_for("admin").get("/designer/library/").content.decode()
    assert "建议会议时间（最早：提交后 3 个工作日）" in page and "原计划完成日（最早：提交后 2 个工作日）" in page
    assert "当 紧急程度 = 高 时：时限 2 小时，提前 30 分钟提醒，超时：升级" in page
    assert "依据：《企业沟通与协作流程规范》二（三）「紧急事项需2小时内响应」" in page


def test_every_library_limit_says_where_it_comes_from():
    """Every clock shows its 依据: a 制度模板 limit cites its clause; a 常用审批 limit the documents do not set says
    it is the template's default, for the company to change (请假/外出's 4 working hours had no 依据 line)."""
    missing = [
        (key, step["key"])
        for key, document in library_documents().items()
        for step in document["steps"]
        if step.get("limit") and not str(step["limit"].get("clause") or "").strip()
    ]
    assert missing == []
    leave = next(s for s in library_documents()["leave"]["steps"] if s["key"] == "manager")
    assert leave["limit"]["clause"] == "常用审批模板的默认时限，请按本公司制度修改"
