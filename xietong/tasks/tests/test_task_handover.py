"""离职交接 of tasks: when 王强 leaves, the task he is running passes to his successor with its clocks and his
RACI letters; the task he finished stays his, as history."""

import datetime as dt

import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.items.handover import open_items_owned_by, person_hand_over
from xietong.notify.models import InboxMessage
from xietong.progress.tests.test_progress import running_task
from xietong.requests.tests.test_request_flow import at
from xietong.tasks.models import Task, TaskRole
from xietong.tasks.services import task_transition


def test_a_running_task_passes_to_the_successor_a_finished_one_stays(company):
    wangqiang = company.person("wangqiang")
    running = running_task(  # 王强's, started 10/9 10:00, helper 何丽; and a second one of his
        company,
        also=[
            dict(
                completion_criteria="交付物经负责人确认",
                title="接口文档整理",
                owner=wangqiang,
                start_date=dt.date(2026, 10, 9),
                end_date=dt.date(2026, 10, 9),
                priority="low",
            )
        ],
    )
    with time_machine.travel(at("2026-10-09 11:00"), tick=False), transaction.atomic():
        finished = Task.objects.get(title="接口文档整理")
        for name in ("accept", "start", "done"):
            finished = task_transition(actor=wangqiang, task=finished, name=name)
    assert open_items_owned_by(wangqiang) == [running]

    with time_machine.travel(at("2026-10-09 15:00"), tick=False), transaction.atomic():
        report = person_hand_over(actor=company.person("admin"), person=wangqiang, successor=company.person("liuyang"))

    assert report.items == {"tasks.task": 1}
    owners = dict(Task.objects.values_list("title", "owner__username"))
    assert owners == {"后台同步策略优化": "liuyang", "接口文档整理": "wangqiang"}
    letters = sorted(TaskRole.objects.filter(task=running).values_list("person__username", "role"))
    assert letters == [("guoxin", "I"), ("heli", "R"), ("liuyang", "A"), ("liuyang", "R")]
    armed = Clock.objects.filter(subject_type="tasks.task", subject_id=running.pk, state="armed")
    assert {c.owner.username for c in armed} == {"liuyang"} and armed.filter(kind="update_due").exists()
    assert InboxMessage.objects.filter(
        recipient__username="liuyang", notification__title="【移交】XQ-2026-0001-T01 后台同步策略优化"
    ).exists()
