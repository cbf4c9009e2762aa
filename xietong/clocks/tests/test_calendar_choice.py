"""Which calendar a clock counts in (the one who must act), and telling people before an unpublished year
bites: the clock panel and the workbench mark a due time counted by the weekday pattern, and from 1 November
administrators and the coordinating office see that next year's holidays are not published.
Every instant is Asia/Shanghai; 2027 is the invented notice of workcal/tests/notices/2027-invented.txt.
"""

import pytest
import time_machine

from xietong.clocks.models import ClockPolicy
from xietong.clocks.selectors import clock_views
from xietong.clocks.services import clock_arm
from xietong.clocks.tests.probe.models import Probe
from xietong.clocks.workbench import my_limits
from xietong.core.workbench import sections_for
from xietong.org.models import Department, Person, Project
from xietong.workcal.models import WorkCalendar
from xietong.workcal.services import notice_import
from xietong.workcal.tests.support import at, notice

NOTICE_2027 = notice("2027-invented")


@pytest.fixture
def policy(company):
    return ClockPolicy.objects.create(process="probe", priority="*", kind="respond", duration="2h", mode="working")


@pytest.fixture
def calendars(db):
    return {
        "service": WorkCalendar.objects.create(name="客服轮班", code="service-shift", workdays="0,1,2,3,4,5,6"),
        "factory": WorkCalendar.objects.create(name="工厂六天工作制", code="factory", workdays="0,1,2,3,4,5"),
        "project": WorkCalendar.objects.create(name="项目日历", code="project"),
    }


def arm(owner, *, department=None, project=None, start="2026-03-06 17:00", name="评审"):  # a Friday
    probe = Probe.objects.create(name=name, owner=owner, department=department, project=project)
    with time_machine.travel(at(start), tick=False):
        main = clock_arm(
            subject=probe, process="probe", limit="respond", owner=owner, department=department, project=project
        )
    return probe, main


def test_a_clock_counts_in_the_calendar_of_the_one_who_must_act(company, policy, calendars):
    smartwatch = company.project("smartwatch")
    Project.objects.filter(pk=smartwatch.pk).update(calendar=calendars["project"])
    smartwatch.refresh_from_db()
    Department.objects.filter(code="rd").update(calendar=calendars["factory"])  # 研发中心 and below: Mon–Sat
    Person.objects.filter(username="zhaolei").update(calendar=calendars["service"])  # his own: every day

    # His own calendar first: Saturday 7 March is worked, 2 h from Friday 17:00 end Saturday 10:00.
    _probe, own = arm(company.person("zhaolei"), project=smartwatch)
    assert (own.calendar.code, own.due_at) == ("service-shift", at("2026-03-07 10:00"))
    # Else his department's, inherited from 研发中心 (软件开发部 has none of its own): also Saturday.
    _probe, inherited = arm(company.person("wangqiang"), project=smartwatch)
    assert (inherited.calendar.code, inherited.due_at) == ("factory", at("2026-03-07 10:00"))
    # Nobody in a calendar-less department: the project's calendar (Monday 10:00).
    _probe, by_project = arm(company.person("guoxin"), project=smartwatch)
    assert (by_project.calendar.code, by_project.due_at) == ("project", at("2026-03-09 10:00"))
    # No owner: the responsible department's, else the project's, else the default.
    _probe, by_department = arm(None, department=company.department("rd-qa"), project=smartwatch)
    assert by_department.calendar.code == "factory"
    _probe, by_default = arm(None)
    assert by_default.calendar.code == "standard"


def test_the_clock_panel_says_which_calendar_a_clock_counts_in(company, policy, calendars):
    Person.objects.filter(username="zhaolei").update(calendar=calendars["service"])
    probe, _main = arm(company.person("zhaolei"))
    with time_machine.travel(at("2026-03-07 09:00"), tick=False):
        view = clock_views(probe)[0]
    assert view.counted_in == "按“客服轮班”计时"
    assert view.status == "剩余 1 个工作小时"


def test_a_due_time_running_into_an_unpublished_year_is_marked_until_the_notice_is_imported(
    company, policy, client_for, django_capture_on_commit_callbacks
):
    wangqiang = company.person("wangqiang")
    probe, main = arm(wangqiang, start="2026-12-31 17:00")
    safe, _ = arm(wangqiang, start="2026-12-31 09:00", name="年终盘点")  # due 11:00 the same day: nothing to mark
    assert main.due_at == at("2027-01-01 10:00")  # Friday 1 January counted as a working day
    with time_machine.travel(at("2026-12-31 17:30"), tick=False):
        view = clock_views(probe)[0]
        assert view.provisional and view.provisional_note == "按每周工作日推算，待节假日公布"
        assert not clock_views(safe)[0].provisional
        page = client_for("wangqiang").get("/").content.decode()
        entry = next(e for e in my_limits(wangqiang).entries if e.title == "评审 · 响应")
    assert entry.meta == "剩余 1 个工作小时 30 分钟 · 按每周工作日推算，待节假日公布"
    assert "按每周工作日推算，待节假日公布" in page

    with time_machine.travel(at("2026-12-31 17:40"), tick=False), django_capture_on_commit_callbacks(execute=True):
        notice_import(text=NOTICE_2027, actor=company.person("admin"))
    with time_machine.travel(at("2026-12-31 17:45"), tick=False):
        view = clock_views(probe)[0]
        assert not view.provisional and view.due_at == at("2027-01-04 10:00")
        assert "待节假日公布" not in client_for("wangqiang").get("/").content.decode()


def holiday_section(person):
    return next((s for s in sections_for(person) if s.key == "holidays"), None)


def test_from_1_november_administrators_and_coordinators_see_next_year_is_not_published(
    company, django_capture_on_commit_callbacks
):
    admin, coordinator, member = company.person("admin"), company.person("sunli"), company.person("wangqiang")
    with time_machine.travel(at("2026-10-31 12:00"), tick=False):
        assert holiday_section(admin) is None  # 2026 is published, 2027 not asked about yet
    with time_machine.travel(at("2026-11-01 09:00"), tick=False):
        section = holiday_section(admin)
        assert section is not None
        assert [(e.title, e.url, e.meta) for e in section.entries] == [
            (
                "2027 年法定节假日尚未公布/录入",
                "/admin/workcal/holidayschedule/import/",
                "跨入 2027 年的时限暂按每周工作日推算；国务院办公厅通知发布后请导入（系统管理 › 节假日安排）。",
            )
        ]
        coordinators = holiday_section(coordinator)
        assert coordinators is not None and [e.url for e in coordinators.entries] == [""]
        assert holiday_section(member) is None
    with time_machine.travel(at("2026-12-03 10:00"), tick=False), django_capture_on_commit_callbacks(execute=True):
        notice_import(text=NOTICE_2027, actor=admin)
    with time_machine.travel(at("2026-12-03 10:05"), tick=False):
        assert holiday_section(admin) is None
        assert holiday_section(coordinator) is None
