"""Demo notices for `./run.sh`: one being confirmed now, one whose deadline passed (its lists went to
the department heads), one for everyone without confirmation. Idempotent by title."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xietong.core import clock
from xietong.meetings.demo import as_of, catch_up_clocks
from xietong.meetings.schedule import end_of_working_day, working_days_before
from xietong.notices.models import Notice
from xietong.notices.services import notice_confirm, notice_create
from xietong.org.models import Department, Person, Project
from xietong.workcal.selectors import default_calendar, engine_for

PROCESS_NOTICE = """<p>为提高跨部门协作效率，自<strong>下周一</strong>起：</p>
<ul><li>跨部门需求一律通过协同提交《需求说明书》，接收方 1 个工作日内响应（高优先级 2 个工作小时）；</li>
<li>会议通知至少提前 2 个工作日发出，会议纪要会后 1 个工作日内分发；</li>
<li>逾期事项由系统自动提醒并升级至部门负责人。</li></ul>
<p>请各部门负责人组织学习，并于截止时间前在本页点击“已阅”确认。</p>"""


def seed_demo_notices() -> dict[str, int]:
    with transaction.atomic():
        if Person.objects.filter(username="liufang").exists():
            _seed_notices()
            catch_up_clocks()
    return {"notices": Notice.objects.count()}


def _seed_notices() -> None:
    engine = engine_for(default_calendar())
    today = clock.today()
    tz = clock.local().tzinfo

    def day(offset: int) -> dt.date:
        return working_days_before(engine, today, -offset) if offset <= 0 else engine.add_working_days(today, offset)

    def moment(d: dt.date, hh: int, mm: int = 0) -> dt.datetime:
        return dt.datetime.combine(d, dt.time(hh, mm), tzinfo=tz)

    people = {p.username: p for p in Person.objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    project = Project.objects.get(code="service-response")

    def publish(title: str, when: dt.datetime, **data) -> Notice | None:
        if Notice.objects.filter(title=title).exists():
            return None
        with as_of(when):
            return notice_create(actor=people["liufang"], title=title, project=project, publish=True, **data)

    def confirm(notice: Notice | None, usernames: tuple[str, ...], when: dt.datetime) -> None:
        if notice is None:
            return
        with as_of(when):
            for username in usernames:
                notice_confirm(actor=people[username], notice=notice)

    current = publish(
        "关于规范跨部门协作流程的通知",
        moment(day(-2), 9),
        body=PROCESS_NOTICE,
        body_format="html",
        effective_date=day(3),
        requires_confirmation=True,
        confirm_by=end_of_working_day(engine, day(2)),
        departments=[departments["rd"], departments["product"]],
        people=[people["dengli"]],
    )
    confirm(current, ("zhangwei", "lina", "wangqiang", "chenjing", "zhaolei", "sunyu", "hujun"), moment(day(-1), 10))
    passed = publish(
        "关于启用协同平台与账号安全的通知",
        moment(day(-6), 9),
        body="各位同事：协同平台已上线，请登录后修改初始密码，并在“通知设置”中选择接收方式。",
        effective_date=day(-5),
        requires_confirmation=True,
        confirm_by=end_of_working_day(engine, day(-4)),
        departments=[departments["sales"], departments["service"]],
    )
    confirm(passed, ("songtao", "tangwen", "dengli", "caojing"), moment(day(-5), 11))
    publish(
        "关于开展年度消防安全演练的通知",
        moment(day(-1), 16),
        body="定于下周三 15:00 在 A 座广场开展消防安全演练，请全体员工听到警报后按疏散路线撤离。",
        effective_date=day(4),
        requires_confirmation=False,
        target_everyone=True,
    )
