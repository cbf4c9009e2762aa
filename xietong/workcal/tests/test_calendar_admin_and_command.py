"""The calendar from the command line and in the admin: ISO output, exit code 2 on bad input, the
warning for a year whose statutory holidays are not published yet."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from xietong.clocks.models import Clock
from xietong.workcal.models import CalendarOverride, WorkCalendar
from xietong.workcal.services import calendar_changed


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("calendar", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_add_prints_iso_with_offset(db):
    assert run("add", "2026-09-30 17:00", "2h").strip() == "2026-10-08T10:00:00+08:00"
    # 1 h on 9/30, 7.5 h on 10/8, the last 3 h end exactly at the lunch break on 10/9.
    assert run("add", "2026-09-30 17:00", "1d4h").strip() == "2026-10-09T12:00:00+08:00"


def test_between_prints_hours_and_minutes(db):
    assert run("between", "2026-09-30 17:00", "2026-10-09 10:00").strip() == "9 小时 30 分钟（工作时间）"


def test_month_marks_holidays_and_adjusted_workdays(db):
    text = run("month", "2026-10")
    assert text.splitlines()[0] == "2026年10月  标准工作日历"
    assert "  1假" in text and " 10班" in text and " 11休" in text
    assert "10-10 调休上班（国庆节）" in text and "本月工作日 18 天" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2026-09-30 17:00", "2x"), "看不懂“2x”"),
        (("add", "2026-13-01 09:00", "2h"), "日期“2026-13-01”不存在"),
        (("between", "昨天", "2026-10-09 10:00"), "应为 YYYY-MM-DD HH:MM"),
        (("month", "2026/10"), "应为 YYYY-MM"),
        (("--calendar", "nope", "add", "2026-09-30 17:00", "2h"), "没有编码为“nope”的日历"),
    ],
)
def test_bad_input_names_the_bad_part_and_exits_2(db, args, message):
    with pytest.raises(CommandError, match=message) as error:
        run(*args)
    assert error.value.returncode == 2


def test_command_exit_code_is_2_from_the_shell(tmp_path):
    import subprocess
    import sys

    env = {
        "DJANGO_SETTINGS_MODULE": "xietong.settings",
        "XIETONG_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SECRET_KEY": "x" * 50,
    }

    def xietong(*args):
        return subprocess.run([sys.executable, "-m", "xietong.cli", *args], capture_output=True, text=True, env=env)

    assert xietong("migrate", "workcal", "-v0").returncode == 0  # the calendar tables and what they need
    good = xietong("calendar", "add", "2026-09-30 17:00", "2h")
    assert (good.returncode, good.stdout.strip()) == (0, "2026-10-08T10:00:00+08:00")
    bad = xietong("calendar", "add", "2026-09-30 17:00", "2x")
    assert bad.returncode == 2
    assert "看不懂“2x”" in bad.stderr


def test_unpublished_year_warns_in_command_and_admin(db, client_for):
    from io import StringIO

    err = StringIO()
    call_command("calendar", "month", "2027-02", stdout=StringIO(), stderr=err)
    assert "2027 年该年度法定节假日未发布/未录入" in err.getvalue()
    with time_machine.travel(dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC), tick=False):
        page = client_for("admin").get("/admin/workcal/workcalendar/").content.decode()
    assert "2027 年该年度法定节假日未发布/未录入" in page
    standard = WorkCalendar.objects.get(code="standard")
    CalendarOverride.objects.create(calendar=standard, date=dt.date(2027, 1, 1), is_workday=False, note="元旦")
    calendar_changed(standard)  # what the admin's save does
    with time_machine.travel(dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC), tick=False):
        page = client_for("admin").get("/admin/workcal/workcalendar/").content.decode()
    assert "未发布/未录入" not in page


def test_admin_override_retimes_clocks_and_is_audited(company, client_for):
    from xietong.clocks.models import ClockPolicy
    from xietong.clocks.services import clock_arm
    from xietong.clocks.tests.probe.models import Probe
    from xietong.core.models import AuditEvent

    ClockPolicy.objects.create(process="probe", priority="*", kind="respond", duration="2h", mode="working")
    owner = company.person("wangqiang")
    probe = Probe.objects.create(name="评审", owner=owner, department=owner.department)
    sh = dt.timezone(dt.timedelta(hours=8))
    with time_machine.travel(dt.datetime(2026, 3, 6, 17, 0, tzinfo=sh), tick=False):
        clock_arm(subject=probe, process="probe", limit="respond", owner=owner)
    calendar = WorkCalendar.objects.get(code="standard")
    response = client_for("admin").post(
        f"/admin/workcal/workcalendar/{calendar.pk}/change/",
        {
            "name": calendar.name,
            "code": calendar.code,
            "time_zone": "Asia/Shanghai",
            "periods": "09:00-12:00, 13:30-18:00",
            "workdays": ["0", "1", "2", "3", "4"],
            "statutory": "on",
            "is_default": "on",
            "overrides-TOTAL_FORMS": "1",
            "overrides-INITIAL_FORMS": "0",
            "overrides-MIN_NUM_FORMS": "0",
            "overrides-MAX_NUM_FORMS": "1000",
            "overrides-0-date": "2026-03-08",
            "overrides-0-is_workday": "on",
            "overrides-0-note": "周日加班",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    clock = Clock.objects.get(kind="respond")
    assert clock.due_at == dt.datetime(2026, 3, 8, 10, 0, tzinfo=sh)
    event = AuditEvent.objects.get(action="workcal.override.set")
    assert event.after == {"date": "2026-03-08", "is_workday": True, "note": "周日加班"}


def test_admin_refuses_bad_working_periods(db, client_for):
    calendar = WorkCalendar.objects.get(code="standard")
    response = client_for("admin").post(
        f"/admin/workcal/workcalendar/{calendar.pk}/change/",
        {
            "name": calendar.name,
            "code": calendar.code,
            "time_zone": "Asia/Shanghai",
            "periods": "09:00-12:00, 11:00-18:00",
            "workdays": ["0"],
            "statutory": "on",
            "is_default": "on",
            "overrides-TOTAL_FORMS": "0",
            "overrides-INITIAL_FORMS": "0",
            "overrides-MIN_NUM_FORMS": "0",
            "overrides-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "互不重叠" in response.content.decode()
