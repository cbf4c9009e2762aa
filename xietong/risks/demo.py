"""Demo exception report (异常问题反馈表): the 设置页前端实现 owner reports that the page waits on the
unfinished switch API, within the working day of discovering it; it must be closed within 1 working
day or it climbs to the heads. Idempotent: a task with a report is left alone."""

from __future__ import annotations

from django.db import transaction

from xietong.clocks.demo import replay_clocks
from xietong.core.demo import at_instant
from xietong.org.models import Person
from xietong.risks.models import ExceptionReport
from xietong.risks.services import exception_raise
from xietong.tasks.models import Task
from xietong.workcal.demo import working_day_before


@transaction.atomic
def seed_demo_risks() -> dict[str, int]:
    task = Task.objects.filter(title="设置页前端实现", state="in_progress").first()
    if task is None or ExceptionReport.objects.filter(task=task).exists():
        return {"exception_reports": ExceptionReport.objects.count()}
    discovered, filed = working_day_before(1, "15:20"), working_day_before(1, "17:10")
    replay_clocks(filed)
    with at_instant(filed):
        exception_raise(
            actor=Person.objects.get(username="liuyang"),
            task=task,
            discovered_at=discovered,
            title="推送开关接口字段未定稿，设置页无法联调",
            problem="接口的“渠道”字段取值尚未确定（是否包含短信），前端按钮无法与接口对接",
            impact="设置页前端实现预计推迟 1 个工作日，回归测试顺延",
            proposal="今天与陈静确认字段定义；前端先用模拟数据完成页面，接口就绪后半天内完成联调",
            severity="normal",
        )
    return {"exception_reports": ExceptionReport.objects.count()}
