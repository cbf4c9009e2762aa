"""Who may be named on a task (issue 23, people pickers): the project's people; a department head may also
name a member of her own department, who joins the project there and then, on its record. Nobody else —
not another department's people, not through someone who heads no department — and a refused task takes
the membership back with it."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import ApplicationError
from xietong.core.models import AuditEvent
from xietong.org.models import ProjectMembership
from xietong.requests.tests.test_request_flow import _published_task, at
from xietong.tasks.forms import TaskForm
from xietong.tasks.services import task_create


def add(company, breakdown, actor, owner, helpers, end=dt.date(2026, 3, 6)):
    with time_machine.travel(at("2026-03-02 11:00"), tick=False), transaction.atomic():
        return task_create(
            completion_criteria="交付物经负责人确认",
            actor=company.person(actor),
            breakdown=breakdown,
            title="前端续航提示",
            owner=company.person(owner),
            helpers=[company.person(u) for u in helpers],
            start_date=dt.date(2026, 3, 3),
            end_date=end,
        )


def member(project, username):
    return ProjectMembership.objects.filter(project=project, person__username=username).exists()


def test_only_a_head_adds_her_own_people_and_a_refused_task_adds_nobody(company):
    # A draft 分工表: after publication a task is added only by a 需求变更 (tasks.changes).
    request, breakdown, _task = _published_task(company, publish=False)
    project = request.project
    with pytest.raises(ApplicationError) as refused:
        add(company, breakdown, "guoxin", "wangqiang", ["liuyang"])  # 郭鑫 heads no department
    assert refused.value.fields["helpers"] == "协助人须为项目成员：刘洋 不是"
    with pytest.raises(ApplicationError) as refused:
        add(company, breakdown, "lina", "wangqiang", ["hanlei"])  # 韩磊 is in 销售部, not hers
    assert refused.value.fields["helpers"] == "协助人须为项目成员：韩磊 不是"
    with pytest.raises(ApplicationError):
        add(company, breakdown, "lina", "wangqiang", ["liuyang"], end=dt.date(2026, 3, 1))  # ends before it starts
    assert not member(project, "liuyang") and not AuditEvent.objects.filter(action="org.project.member_add").exists()

    task = add(company, breakdown, "lina", "chenjing", ["liuyang"])
    assert (task.owner.username, member(project, "chenjing"), member(project, "liuyang")) == ("chenjing", True, True)
    joined = AuditEvent.objects.filter(action="org.project.member_add").order_by("pk")
    assert [(e.actor_label, e.after["name"]) for e in joined] == [("李娜", "陈静"), ("李娜", "刘洋")]


def test_the_form_offers_the_projects_people_and_the_heads_own_only(company):
    _request, breakdown, _task = _published_task(company)
    offered = {
        p.username for p in TaskForm(breakdown=breakdown, actor=company.person("guoxin")).fields["helpers"].queryset
    }
    assert offered == {
        "guoxin",
        "lina",
        "wangqiang",
        "zhaolei",
        "huangmin",
        "sunyu",
        "maxiaoyan",
        "luoqian",
        "xieqiang",
        "heli",
    }
    form = TaskForm(breakdown=breakdown, actor=company.person("lina"))
    offered_to_lina = {p.username for p in form.fields["helpers"].queryset}
    assert offered_to_lina == offered | {"liuyang", "chenjing", "yangfan"}
    html = str(form["helpers"])
    assert 'data-search="刘洋 liuyang ly liuyang 软件开发部 ruanjiankaifabu rjkfb" data-note="选中即加入项目"' in html
