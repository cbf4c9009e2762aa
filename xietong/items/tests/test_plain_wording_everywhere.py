"""Every process refuses vague wording (003 五「避免“待定”“详见附件”等模糊表述」, 步骤1「避免“请确认”“事”等
模糊表述」) on its subject and on each of its required texts, through the one shared rule (items.plain_wording):
this test walks every registered process — a new one cannot skip it — and a designed one, and shows the
refusal at each field, in Chinese. Steps' texts (a reason, a progress update) go through the runner."""

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import ApplicationError
from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import publish
from xietong.items.plain_wording import live_from_creation, required_texts, sends, vague_errors
from xietong.items.process import process_named, processes
from xietong.problems.models import Problem
from xietong.problems.services import problem_transition
from xietong.problems.tests.test_problem_flow import at, dispatch, file_problem, plan

TITLE_REFUSAL = "主题“请确认”过于模糊，不能发出：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”"


def declared_texts(process, item) -> dict[str, str]:
    """The subject and required texts the process declares: field (error key) → its label."""
    texts = {"title": "主题"} if any(f.name == "title" for f in process.model._meta.fields) else {}
    texts.update({f.name: str(f.verbose_name) for f in required_texts(process.model)})
    if hasattr(item, "plain_texts"):
        texts.update({key: str(label) for key, label, _value in item.plain_texts()})
    return texts


def vague_item(process, version=None):
    item = process.model()
    if version is not None:
        item.definition_version = version
    if any(f.name == "title" for f in process.model._meta.fields):
        item.title = "请确认"
    for field in required_texts(process.model):
        setattr(item, field.name, "待定")
    if isinstance(item, DesignedItem):
        item.values = {key[2:]: "详见附件" for key, _label, _value in item.plain_texts()}
    return item


def test_every_process_refuses_a_vague_subject_and_every_required_text(company):
    version = publish(company)  # a designed process (费用报销) registers its own
    designed = process_named(version.definition.key)
    walked = []
    for process in processes():
        if process.model is DesignedItem and process is not designed:
            continue  # the designer's base declaration: items follow their version's process
        item = vague_item(process, version if process.model is DesignedItem else None)
        texts = declared_texts(process, item)
        # Where the rule runs: the step a person sends the draft with, or as the item is created.
        assert live_from_creation(process) or any(sends(process, s) for s in process.steps), process.key
        errors = vague_errors(item)
        assert set(errors) == set(texts), process.key
        for field, label in texts.items():
            if field == "title":
                assert errors[field] == TITLE_REFUSAL, process.key
            else:
                phrase = "详见附件" if field.startswith("f_") else "待定"
                assert errors[field] == f"{label}不能只写“{phrase}”：请直接写明关键信息", (process.key, field)
        if live_from_creation(process) and texts:
            with pytest.raises(ApplicationError) as refused:
                item.save()  # refused before anything is written
            assert refused.value.fields == errors, process.key
        walked.append(process.key)
    # Every process the brief names is among those walked.
    for key in (
        "request",
        "task",
        "exception",
        "delay",
        "dispute",
        "deliverable",
        "problem",
        "emergency",
        "customer",
        "onboarding",
        "meeting",
        "action_item",
        "notice",
        "seal",
        "proposal",
        version.definition.key,
    ):
        assert key in walked, key


def test_a_designed_form_whose_required_text_is_only_see_attachment_is_not_submitted(company):
    from xietong.designer.items import designed_item_create
    from xietong.designer.tests.support import lines

    version = publish(company)
    with (
        pytest.raises(ApplicationError) as refused,
        time_machine.travel(at("2026-10-09 15:00"), tick=False),
        transaction.atomic(),
    ):
        designed_item_create(
            definition=version.definition,
            actor=company.person("guoxin"),
            title="10月上海出差报销",
            project=company.project("smartwatch"),
            raw={"reason": "详见附件", "kind": "差旅", "lines": lines(1200)},
            submit=True,
        )
    assert refused.value.fields == {"f_reason": "报销事由不能只写“详见附件”：请直接写明关键信息"}


def test_a_step_reason_or_text_that_is_only_vague_is_refused_at_its_field(company):
    problem = file_problem(company, endorse=None)
    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-08 09:30"), tick=False):
        problem_transition(actor=company.person("dengli"), problem=problem, name="return_filing", reason="待定")
    assert refused.value.fields == {"reason": "退回原因不能只写“待定”：请直接写明关键信息"}
    assert Problem.objects.get(pk=problem.pk).state == "endorsing"

    problem = dispatch(company, problem_transition_at(company, problem))
    plan(company, problem, "2026-10-08 15:00")
    from xietong.problems.services import problem_progress

    with pytest.raises(ApplicationError) as refused, time_machine.travel(at("2026-10-09 15:00"), tick=False):
        problem_progress(actor=company.person("lina"), problem=problem, progress="详见附件", next_step="同上")
    assert refused.value.fields == {
        "progress": "不能只写“详见附件”：请直接写明关键信息",
        "next_step": "不能只写“同上”：请直接写明关键信息",
    }
    assert not Problem.objects.get(pk=problem.pk).updates.exists()


def problem_transition_at(company, problem):
    with time_machine.travel(at("2026-10-08 09:30"), tick=False), transaction.atomic():
        return problem_transition(actor=company.person("dengli"), problem=problem, name="endorse")
