"""A collaboration request from draft to a published breakdown, as the templates prescribe:
需求说明书 → 接收确认 (2 working hours when urgent, 1 working day otherwise) → 受理 → 双方确认签字 →
协作任务分解表 → 发布 → owners confirm (or 24 h of silence counts as acceptance)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock, Escalation
from xietong.clocks.services import clock_fire_due
from xietong.core.errors import ApplicationError, Conflict, Forbidden, InvalidState
from xietong.core.models import AuditEvent
from xietong.items.runner import run_step
from xietong.notify.models import InboxMessage
from xietong.requests.models import Request
from xietong.requests.services import request_create
from xietong.requests.validation import vagueness_warnings
from xietong.tasks.models import Task
from xietong.tasks.process import awaited_signatures
from xietong.tasks.services import (
    breakdown_open,
    breakdown_publish,
    breakdown_sign,
    raci_set,
    task_create,
    task_transition,
    task_update,
)

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def heads_sign(breakdown):
    """Every participating department's head signs the 分工表 and its RACI (required before publishing)."""
    for participation in awaited_signatures(breakdown):
        breakdown_sign(actor=participation.head, breakdown=breakdown)


def new_request(
    company,
    *,
    priority="high",
    submit=True,
    when="2026-09-30 17:30",
    actor="guoxin",
    criteria=("待机续航≥5天", "功耗测试报告通过评审"),
    **overrides,
):
    data = dict(
        title="智能手表项目-续航优化方案评审",
        project=company.project("smartwatch"),
        receiving_department=company.department("rd-software"),
        receiver=company.person("lina"),
        background="用户调研显示续航是首要投诉点",
        goal="续航由 2 天提升到 5 天",
        content="1. 评估低功耗芯片方案；2. 优化后台同步策略",
        expected_date=dt.date(2026, 11, 30),
        priority=priority,
    )
    data.update(overrides)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return request_create(actor=company.person(actor), criteria=list(criteria), submit=submit, **data)


def act(company, request, username, name, when, reason=""):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=request, step=name, reason=reason)


def fire(when):
    with time_machine.travel(at(when), tick=False):
        return clock_fire_due()


@pytest.mark.parametrize(
    ("priority", "due", "remind", "escalate"),
    [
        # 2 个工作小时: 30 min on 9/30, then 国庆 10/1–10/7: the rest on Thursday 10/8. 超时48小时 (elapsed,
        # from the missed deadline) ends on the 调休 Saturday 10/10, a working day.
        ("high", "2026-10-08 10:30", "2026-10-08 10:00", "2026-10-10 10:30"),
        # 24 小时 (elapsed) ends 10/1 17:30, a holiday: it moves to the next working period, 10/8 09:00; the
        # reminder 2 hours before would move onto the deadline itself, so there is none.
        ("medium", "2026-10-08 09:00", None, "2026-10-10 09:00"),
        ("low", "2026-10-08 09:00", None, "2026-10-10 09:00"),
    ],
)
def test_submitted_at_1730_before_national_day_acknowledgement_clocks(company, priority, due, remind, escalate):
    request = new_request(company, priority=priority)
    clocks = {c.kind: c for c in Clock.objects.filter(subject_id=request.pk, subject_type="requests.request")}
    assert clocks["respond"].due_at == at(due)
    assert (clocks["remind"].due_at if "remind" in clocks else None) == (at(remind) if remind else None)
    assert clocks["escalate"].due_at == at(escalate)
    assert clocks["respond"].owner.username == "lina"
    assert request.number == "XQ-2026-0001" and request.state == "submitted"
    assert InboxMessage.objects.get(recipient__username="lina").notification.title == (
        "【待接收】XQ-2026-0001 智能手表项目-续航优化方案评审"
    )


def test_unanswered_request_escalates_to_the_receivers_department_head(company):
    request = new_request(company)
    assert fire("2026-10-08 10:30") == 2  # reminder, then overdue
    assert fire("2026-10-10 10:29") == 0  # 超时48小时: not before 48 hours after the missed deadline
    assert fire("2026-10-10 10:30") == 1
    escalation = Escalation.objects.get(subject_id=request.pk)
    # 李娜 is the receiver and heads 软件开发部: her own head is 研发中心's head 张伟.
    assert escalation.target.username == "zhangwei"


def test_full_path_from_draft_to_published_breakdown(company):
    draft = new_request(company, submit=False, when="2026-09-30 16:00")
    assert draft.state == "draft" and not Clock.objects.exists()
    request = act(company, draft, "guoxin", "submit", "2026-09-30 17:30")
    act(company, request, "lina", "acknowledge", "2026-10-08 09:20")
    respond = Clock.objects.get(subject_id=request.pk, kind="respond")
    assert respond.met_at == at("2026-10-08 09:20") and respond.met_at < respond.limit_due_at  # on time
    # What stays armed is the evaluation (内部评估 within 2 working days of receipt); deciding ends it.
    armed = Clock.objects.filter(subject_type="requests.request", subject_id=request.pk, state="armed")
    assert set(armed.values_list("limit", flat=True)) == {"evaluate"}
    act(company, request, "lina", "accept", "2026-10-08 10:00")
    assert not armed.exists()
    with pytest.raises(Forbidden):
        act(company, request, "guoxin", "start", "2026-10-08 10:05")  # 双方尚未签字
    act(company, request, "guoxin", "sign", "2026-10-08 10:10")
    act(company, request, "lina", "sign", "2026-10-08 10:20")
    assert {s.role for s in Request.objects.get(pk=request.pk).signatures.all()} == {"requester", "receiver"}

    guoxin, lina = company.person("guoxin"), company.person("lina")
    with time_machine.travel(at("2026-10-08 11:00"), tick=False), transaction.atomic():
        breakdown = breakdown_open(actor=guoxin, request=request)
        common = dict(breakdown=breakdown, priority="high", content="")
        t1 = task_create(
            completion_criteria="交付物经负责人确认",
            actor=guoxin,
            title="功耗基线测试",
            owner=company.person("sunyu"),
            start_date=dt.date(2026, 10, 9),
            end_date=dt.date(2026, 10, 14),
            **common,
        )
        t2 = task_create(
            completion_criteria="交付物经负责人确认",
            actor=lina,
            title="低功耗芯片选型",
            owner=company.person("zhaolei"),
            helpers=[company.person("huangmin")],
            start_date=dt.date(2026, 10, 15),
            end_date=dt.date(2026, 10, 21),
            predecessors=[t1],
            **common,
        )
        t3 = task_create(
            completion_criteria="交付物经负责人确认",
            actor=lina,
            title="后台同步策略优化",
            owner=company.person("wangqiang"),
            start_date=dt.date(2026, 10, 9),
            end_date=dt.date(2026, 10, 16),
            **common,
        )
        t4 = task_create(
            completion_criteria="交付物经负责人确认",
            actor=lina,
            title="续航验证与报告",
            owner=company.person("maxiaoyan"),
            start_date=dt.date(2026, 10, 22),
            end_date=dt.date(2026, 10, 27),
            predecessors=[t2, t3],
            **common,
        )
        heads_sign(breakdown)
        breakdown_publish(actor=guoxin, breakdown=breakdown)
    assert Request.objects.get(pk=request.pk).state == "in_progress"
    assert set(Task.objects.values_list("state", flat=True)) == {"published"}
    # Every owner and helper heard about their task.
    for username in ("sunyu", "zhaolei", "huangmin", "wangqiang", "maxiaoyan"):
        assert InboxMessage.objects.filter(
            recipient__username=username, notification__title__startswith="【新任务】"
        ).exists()
    accept = Clock.objects.get(subject_type="tasks.task", subject_id=t1.pk, kind="accept")
    assert accept.due_at == at("2026-10-09 11:00")  # one working day

    with time_machine.travel(at("2026-10-08 15:00"), tick=False), transaction.atomic():
        task_transition(actor=company.person("sunyu"), task=t1, name="accept")
    # The others stay silent: after one working day their tasks count as accepted, on the record.
    assert fire("2026-10-09 11:00") == 3
    t2.refresh_from_db()
    assert (t2.state, t2.auto_accepted) == ("accepted", True)
    event = AuditEvent.objects.get(action="task.auto_accept", object_id=str(t2.pk))
    assert event.after["reason"] == "24 小时内未确认，视为默认接受" and event.actor_label == "系统"

    # 芯片选型 cannot start before 功耗基线测试 is finished.
    # The refusal names whose work is awaited.
    with pytest.raises(InvalidState) as refused, transaction.atomic():
        task_transition(actor=company.person("zhaolei"), task=t2, name="start")
    assert str(refused.value) == "前置任务尚未完成：功耗基线测试（已接收，负责人：孙宇）"
    assert t4.predecessors.count() == 2


def _published_task(company, *, publish=True):
    """One task on a breakdown the heads signed and published (`publish` False: still a draft, unsigned)."""
    request = new_request(company, when="2026-03-02 09:00")
    for username, name, when in (
        ("lina", "accept", "2026-03-02 09:30"),
        ("guoxin", "sign", "2026-03-02 09:40"),
        ("lina", "sign", "2026-03-02 09:50"),
    ):
        request = act(company, request, username, name, when)
    with time_machine.travel(at("2026-03-02 10:00"), tick=False), transaction.atomic():
        breakdown = breakdown_open(actor=company.person("guoxin"), request=request)
        task = task_create(
            completion_criteria="交付物经负责人确认",
            actor=company.person("guoxin"),
            breakdown=breakdown,
            title="硬件方案评审",
            owner=company.person("zhaolei"),
            coordinator=company.person("sunyu"),
            start_date=dt.date(2026, 3, 3),
            end_date=dt.date(2026, 3, 6),
            priority="medium",
        )
        if publish:
            heads_sign(breakdown)
            breakdown_publish(actor=company.person("guoxin"), breakdown=breakdown)
    return request, breakdown, Task.objects.get(pk=task.pk)


def test_consulted_people_must_be_asked_before_done(company):
    _request, _breakdown, task = _published_task(company)
    zhaolei = company.person("zhaolei")
    for name in ("accept", "start"):
        with transaction.atomic():
            task = task_transition(actor=zhaolei, task=task, name=name)
    with pytest.raises(InvalidState, match="完成前须先征询 C（咨询）角色的意见：孙宇"), transaction.atomic():
        task_transition(actor=zhaolei, task=task, name="done")
    with transaction.atomic():
        task_transition(actor=zhaolei, task=task, name="consult", reason="请确认测试方案")
        task = task_transition(actor=zhaolei, task=task, name="done")
    assert task.state == "done"
    assert InboxMessage.objects.filter(
        recipient__username="sunyu", notification__title__startswith="【征询意见】"
    ).exists()
    # The requester is I (informed): they heard that it started and that it is done.
    titles = list(
        InboxMessage.objects.filter(recipient__username="guoxin").values_list("notification__title", flat=True)
    )
    assert any(t.startswith("【任务开始】") for t in titles) and any(t.startswith("【任务标记完成】") for t in titles)


def test_raci_needs_exactly_one_a_and_at_least_one_r(company):
    _request, _breakdown, task = _published_task(company)
    guoxin = company.person("guoxin")
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        raci_set(
            actor=guoxin,
            task=task,
            assignments={company.person("zhaolei").pk: {"R"}, company.person("sunyu").pk: {"C"}},
        )
    assert refused.value.fields["raci"] == "每个任务必须恰好有一个 A（审批/问责），当前有 0 个"
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        raci_set(
            actor=guoxin,
            task=task,
            assignments={company.person("zhaolei").pk: {"A"}, company.person("sunyu").pk: {"A", "C"}},
        )
    assert "当前有 2 个" in refused.value.fields["raci"] and "至少需要一个 R" in refused.value.fields["raci"]


def test_bad_task_input_is_refused_with_field_errors_and_nothing_saved(company):
    _request, breakdown, _task = _published_task(company, publish=False)  # a draft: tasks are added to it
    guoxin = company.person("guoxin")
    count = Task.objects.count()
    cases = [
        (
            dict(owner=company.person("zhaolei"), start_date=dt.date(2026, 3, 9), end_date=dt.date(2026, 3, 5)),
            "end_date",
            "结束时间 2026-03-05 早于开始时间 2026-03-09",
        ),
        (
            dict(owner=company.person("fengjing"), start_date=dt.date(2026, 3, 9), end_date=dt.date(2026, 3, 10)),
            "owner",
            "冯静 不是项目“智能手表项目”的成员，不能担任负责人",
        ),
    ]
    for data, field, message in cases:
        with pytest.raises(ApplicationError) as refused, transaction.atomic():
            task_create(actor=guoxin, breakdown=breakdown, title="测试", priority="medium", **data)
        assert refused.value.fields[field] == message
    # A dependency on a task of another request / project.
    other = new_request(
        company,
        actor="lina",
        title="Q4迭代-登录页改版",
        project=company.project("q4-iteration"),
        receiving_department=company.department("product"),
        receiver=company.person("linxue"),
        when="2026-03-02 11:00",
    )
    for username, name in (("linxue", "accept"), ("linxue", "sign"), ("lina", "sign")):
        other = act(company, other, username, name, "2026-03-02 11:30")
    with transaction.atomic():
        other_breakdown = breakdown_open(actor=company.person("lina"), request=other)
        foreign = task_create(
            completion_criteria="交付物经负责人确认",
            actor=company.person("lina"),
            breakdown=other_breakdown,
            title="登录页设计",
            owner=company.person("liuyang"),
            start_date=dt.date(2026, 3, 3),
            end_date=dt.date(2026, 3, 4),
            priority="low",
        )
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        task_create(
            completion_criteria="交付物经负责人确认",
            actor=guoxin,
            breakdown=breakdown,
            title="测试",
            owner=company.person("zhaolei"),
            start_date=dt.date(2026, 3, 9),
            end_date=dt.date(2026, 3, 10),
            priority="low",
            predecessors=[foreign],
        )
    assert "属于其他需求或项目，不能作为前置任务" in refused.value.fields["predecessors"]
    assert Task.objects.count() == count + 1  # only the other project's own task


def test_a_cycle_is_refused_with_the_cycle_named(company):
    from xietong.tasks.services import dependencies_set

    _request, breakdown, a = _published_task(company, publish=False)  # a draft: tasks are added to it
    guoxin = company.person("guoxin")
    with transaction.atomic():
        b = task_create(
            completion_criteria="交付物经负责人确认",
            actor=guoxin,
            breakdown=breakdown,
            title="样机试产",
            owner=company.person("xieqiang"),
            start_date=dt.date(2026, 3, 9),
            end_date=dt.date(2026, 3, 12),
            priority="medium",
            predecessors=[a],
        )
        c = task_create(
            completion_criteria="交付物经负责人确认",
            actor=guoxin,
            breakdown=breakdown,
            title="量产评估",
            owner=company.person("xieqiang"),
            start_date=dt.date(2026, 3, 13),
            end_date=dt.date(2026, 3, 16),
            priority="medium",
            predecessors=[b],
        )
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        dependencies_set(actor=guoxin, task=a, predecessors=[c])
    assert refused.value.fields["predecessors"] == "依赖关系形成循环：硬件方案评审 → 量产评估 → 样机试产 → 硬件方案评审"


def test_two_people_editing_the_same_task_the_second_gets_a_conflict(company):
    _request, _breakdown, task = _published_task(company)
    loaded = task.version
    with transaction.atomic():
        task_update(actor=company.person("guoxin"), task=task, expected_version=loaded, resources="样机 2 台")
    with pytest.raises(Conflict, match="该记录已被他人修改"), transaction.atomic():
        task_update(actor=company.person("lina"), task=task, expected_version=loaded, resources="样机 3 台")
    task.refresh_from_db()
    assert task.resources == "样机 2 台"


def test_moving_a_predecessors_end_shows_the_successors_in_conflict(company):
    # While the breakdown is a draft (after publication the dates change only by a 需求变更, tasks.changes).
    _request, breakdown, first = _published_task(company, publish=False)
    guoxin = company.person("guoxin")
    with transaction.atomic():
        second = task_create(
            completion_criteria="交付物经负责人确认",
            actor=guoxin,
            breakdown=breakdown,
            title="样机试产",
            owner=company.person("xieqiang"),
            start_date=dt.date(2026, 3, 9),
            end_date=dt.date(2026, 3, 12),
            priority="medium",
            predecessors=[first],
        )
        first.refresh_from_db()
        _task, conflicts = task_update(
            actor=guoxin, task=first, expected_version=first.version, end_date=dt.date(2026, 3, 10)
        )
    assert conflicts == [second]


def test_vague_subjects_and_placeholders_get_warnings():
    assert vagueness_warnings("请确认", {}) == [
        "主题“请确认”过于模糊：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”"
    ]
    assert vagueness_warnings("智能手表项目-硬件方案评审", {"具体内容": "详见附件"}) == [
        "具体内容中含有“详见附件”：关键信息请直接写明，不要只写“详见附件”"
    ]
    assert vagueness_warnings("智能手表项目-硬件方案评审", {"具体内容": "1. 评估方案"}) == []
    assert vagueness_warnings("", {}) == []  # an empty subject is "请填写主题", not a vague one


def test_a_subject_the_templates_name_as_vague_is_refused_at_submission_but_kept_in_a_draft(company):
    with pytest.raises(ApplicationError) as refused:
        new_request(company, title="请确认。")
    assert refused.value.fields == {
        "title": "主题“请确认。”过于模糊，不能提交：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”"
    }
    assert not Request.objects.exists()
    draft = new_request(company, title="事", submit=False)
    assert draft.state == "draft" and draft.title == "事"


def test_list_numbers_typed_before_criteria_are_not_stored_since_the_pages_number_them(company):
    typed = ["1.加载时间<1秒", "2、接口文档完整", "（3）良率≥98%", "④ 通过评审", "1.5 秒内响应", "1:1 还原设计稿", "5."]
    request = new_request(company, criteria=typed)
    assert list(request.criteria.order_by("position").values_list("position", "text")) == [
        (1, "加载时间<1秒"),
        (2, "接口文档完整"),
        (3, "良率≥98%"),
        (4, "通过评审"),
        (5, "1.5 秒内响应"),
        (6, "1:1 还原设计稿"),
    ]


def test_submitting_an_incomplete_request_says_what_is_missing(company):
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        request_create(
            actor=company.person("guoxin"),
            criteria=[],
            submit=True,
            title="续航评审",
            project=company.project("smartwatch"),
            receiving_department=company.department("rd-software"),
            background="",
            goal="",
            content="",
            expected_date=dt.date(2020, 1, 1),
            priority="high",
        )
    assert refused.value.fields == {
        "expected_date": "期望完成时间 2020-01-01 已经过去",
        "background": "请填写需求背景",
        "goal": "请填写需求目标",
        "content": "请填写具体内容",
        "criteria": "请至少填写一条可量化的验收标准，如“工单分类准确率达95%以上”",
    }
    assert not Request.objects.exists()


def test_only_the_receiving_side_may_acknowledge(company):
    request = new_request(company)
    with pytest.raises(Forbidden, match="您不能对此事项执行“接收确认”"):
        act(company, request, "wangqiang", "acknowledge", "2026-10-08 09:00")
    with pytest.raises(ApplicationError) as refused:
        act(company, request, "lina", "reject", "2026-10-08 09:00")  # an alternative is required
    assert refused.value.fields == {"reason": "请填写替代方案"}
    rejected = act(company, request, "lina", "reject", "2026-10-08 09:05", reason="建议先做功耗测试再评审")
    assert rejected.state == "rejected" and rejected.decision_note == "建议先做功耗测试再评审"
