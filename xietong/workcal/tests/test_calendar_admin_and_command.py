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


def test_admin_override_retimes_clocks_and_is_audited(company, client_for, django_capture_on_commit_callbacks):
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
    admin = client_for("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
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
    # The clock's item records the move, by the administrator who made the change, and why.
    moved = AuditEvent.objects.get(action="clock.retime")
    assert (moved.object_type, moved.object_id, moved.actor_label) == ("probe.probe", str(probe.pk), "系统管理员")
    assert moved.before["clocks"][0]["due_at"] == "2026-03-09T10:00:00+08:00"
    assert moved.after["clocks"][0]["due_at"] == "2026-03-08T10:00:00+08:00"
    assert moved.after["reason"] == "日历“标准工作日历”设置调整"


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


# --- xietong calendar import-notice ----------------------------------------------------------------
NOTICES = __import__("pathlib").Path(__file__).parent / "notices"


def test_import_notice_dry_run_prints_the_days_and_changes_nothing(db):
    from xietong.workcal.models import HolidaySchedule

    text = run("import-notice", str(NOTICES / "2027-invented.txt"), "--dry-run")
    lines = text.splitlines()
    assert (
        lines[0] == "国务院办公厅关于2027年部分节假日安排的通知（2026年11月10日）  适用：所有遵循国家法定节假日的日历"
    )
    assert lines[1] == "  第 8 行  元旦：1月1日至1月3日放假，共 3 天"
    assert "  第 14 行  国庆节：9月30日至10月7日放假，共 8 天；9月26日、10月9日上班" in lines
    assert "2027-01-01 周五 放假 元旦" in lines and "2027-02-20 周六 上班 春节" in lines
    assert lines[-2:] == ["共 31 天放假、6 天调休上班", "试运行：未做任何修改"]
    assert not HolidaySchedule.objects.exists()
    assert "  1假" not in run("month", "2027-01")  # still counted by the weekday pattern


def test_import_notice_records_the_year_for_one_calendar(db):
    from xietong.workcal.models import HolidaySchedule

    WorkCalendar.objects.create(name="工厂六天工作制", code="factory", workdays="0,1,2,3,4,5")
    text = run("import-notice", str(NOTICES / "2027-invented.txt"), "--calendar", "factory")
    assert "适用：日历“工厂六天工作制”" in text.splitlines()[0]
    assert text.splitlines()[-3:] == [
        "已导入 2027 年节假日安排",
        # 31 holidays less the 5 on Sundays, and the 3 make-up Sundays (its Saturdays are worked anyway).
        "  工厂六天工作制：29 天的工作时间有变化",
        "已重新计算计时中的时限：0 个时钟的到期时间有变化",
    ]
    schedule = HolidaySchedule.objects.get()
    assert (schedule.year, schedule.calendar.code, schedule.issued_on) == (2027, "factory", dt.date(2026, 11, 10))
    assert schedule.document_number == "国办发明电〔2026〕9号"
    assert "  1假" in run("--calendar", "factory", "month", "2027-01")
    assert "  1假" not in run("month", "2027-01")


def test_import_notice_refuses_a_bad_file_with_exit_2_and_the_line(db, tmp_path):
    bad = tmp_path / "2027.txt"
    bad.write_text((NOTICES / "2027-invented.txt").read_text("utf-8").replace("共3天", "共4天", 1), "utf-8")
    with pytest.raises(CommandError) as error:
        run("import-notice", str(bad))
    assert error.value.returncode == 2
    assert str(error.value) == (
        "通知未导入（未做任何修改）：\n"
        "  第 8 行“一、元旦：1月1日（周五）至3日（周日）放假，共4天。”：1月1日至1月3日共 3 天，文中写的是“共4天”"
    )
    with pytest.raises(CommandError, match="无法读取文件") as missing:
        run("import-notice", str(tmp_path / "none.txt"))
    assert missing.value.returncode == 2
    (tmp_path / "2027.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match=r"只能导入 \.txt 或 \.docx 文件") as wrong:
        run("import-notice", str(tmp_path / "2027.pdf"))
    assert wrong.value.returncode == 2


# --- The admin: paste → preview → confirm -----------------------------------------------------------
IMPORT_URL = "/admin/workcal/holidayschedule/import/"


def test_admin_previews_the_notice_as_a_year_and_records_it_on_confirm(company, client_for):
    from xietong.core.models import AuditEvent
    from xietong.workcal.models import HolidaySchedule

    admin = client_for("admin")
    text = (NOTICES / "2027-invented.txt").read_text("utf-8")
    preview = admin.post(IMPORT_URL, {"text": text, "calendar": ""})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕9号）" in page
    assert "放假 31 天，调休上班 6 天" in page
    assert "春节：2月5日至2月13日放假，共 9 天；2月14日、2月20日上班" in page
    # The grid: 5 February is a holiday, 20 February (Saturday) a make-up workday; January has 20 working days (21 weekdays less 1 January).
    assert '<td class="holiday" title="2027-02-05 春节">5<span>休</span></td>' in page
    assert '<td class="adjusted" title="2027-02-20 春节">20<span>班</span></td>' in page
    assert "1月 · 工作日 20 天" in page
    assert not HolidaySchedule.objects.exists()  # a preview changes nothing

    confirmed = admin.post(IMPORT_URL, {"text": text, "calendar": "", "confirm": "1"})
    schedule = HolidaySchedule.objects.get()
    assert confirmed.status_code == 302 and confirmed["Location"].endswith(f"/holidayschedule/{schedule.pk}/change/")
    assert (schedule.year, schedule.calendar, schedule.title) == (
        2027,
        None,
        "国务院办公厅关于2027年部分节假日安排的通知",
    )
    assert schedule.source_text == text.strip() and schedule.imported_by.username == "admin"
    assert schedule.days.count() == 37
    event = AuditEvent.objects.get(action="workcal.holidays.import")
    assert event.actor_label == "系统管理员" and event.after["issued_on"] == "2026-11-10"
    assert event.after["workdays"] == [
        "2027-02-14",
        "2027-02-20",
        "2027-04-25",
        "2027-05-08",
        "2027-09-26",
        "2027-10-09",
    ]
    # 20 holidays on weekdays and 6 make-up weekend days count differently from the weekday pattern.
    followed = admin.get(confirmed["Location"]).content.decode()
    assert (
        "已导入《国务院办公厅关于2027年部分节假日安排的通知》：1 个日历的 26 天工作时间有变化，0 个计时中的时钟已重新计算到期时间。"
        in followed
    )


def test_admin_refuses_a_wrong_notice_with_the_line_and_keeps_the_text(company, client_for):
    from xietong.workcal.models import HolidaySchedule

    text = (NOTICES / "2027-invented.txt").read_text("utf-8").replace("（周四）至10月7日", "（周五）至10月7日")
    response = client_for("admin").post(IMPORT_URL, {"text": text, "calendar": "", "confirm": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "通知未导入，未做任何修改。" in page
    assert "第 14 行" in page and "9月30日是周四，括号里写的是“周五”" in page
    assert "（周五）至10月7日（周四）放假调休" in page  # the text is kept in the box as typed
    assert not HolidaySchedule.objects.exists()


def test_admin_reads_an_uploaded_word_file(company, client_for):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = (NOTICES / "2026.txt").read_text("utf-8").splitlines()
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        f"{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr("word/document.xml", document)
    upload = SimpleUploadedFile("2026.docx", buffer.getvalue())
    page = client_for("admin").post(IMPORT_URL, {"text": "", "file": upload, "calendar": ""}).content.decode()
    assert "放假 33 天，调休上班 6 天" in page


def test_only_administrators_reach_the_import(company, client_for):
    response = client_for("lina").get(IMPORT_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Hours per weekday and half days in the admin ----------------------------------------------------
def calendar_form(calendar, **changes):
    data = {
        "name": calendar.name,
        "code": calendar.code,
        "time_zone": "Asia/Shanghai",
        "periods": "09:00-12:00, 13:30-18:00",
        "workdays": ["0", "1", "2", "3", "4"],
        "weekday_hours": "",
        "statutory": "on",
        "is_default": "on" if calendar.is_default else "",
        "overrides-TOTAL_FORMS": "0",
        "overrides-INITIAL_FORMS": "0",
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_admin_sets_saturday_mornings_and_a_half_day_and_clocks_follow(
    company, client_for, django_capture_on_commit_callbacks
):
    from xietong.clocks.models import ClockPolicy
    from xietong.clocks.services import clock_arm
    from xietong.clocks.tests.probe.models import Probe
    from xietong.workcal.selectors import engine_for

    ClockPolicy.objects.create(process="probe", priority="*", kind="respond", duration="4h", mode="working")
    owner = company.person("wangqiang")
    probe = Probe.objects.create(name="评审", owner=owner, department=owner.department)
    sh = dt.timezone(dt.timedelta(hours=8))
    with time_machine.travel(dt.datetime(2027, 3, 5, 17, 0, tzinfo=sh), tick=False):  # Friday
        clock = clock_arm(subject=probe, process="probe", limit="respond", owner=owner)
    assert clock.due_at == dt.datetime(2027, 3, 8, 12, 0, tzinfo=sh)  # 1 h Friday, 3 h Monday morning

    calendar = WorkCalendar.objects.get(code="standard")
    admin = client_for("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/workcal/workcalendar/{calendar.pk}/change/",
            calendar_form(
                calendar,
                workdays=["0", "1", "2", "3", "4", "5"],
                weekday_hours="星期六 09:00-12:00",
                **{
                    "overrides-TOTAL_FORMS": "1",
                    "overrides-0-date": "2027-03-08",
                    "overrides-0-is_workday": "on",
                    "overrides-0-periods": "09:00-11:00",
                    "overrides-0-note": "三八妇女节下午放假",
                },
            ),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    engine = engine_for(WorkCalendar.objects.get(pk=calendar.pk))
    assert engine.day_end(dt.date(2027, 3, 6)) == dt.datetime(2027, 3, 6, 12, 0, tzinfo=sh)
    assert engine.day_end(dt.date(2027, 3, 8)) == dt.datetime(2027, 3, 8, 11, 0, tzinfo=sh)
    clock.refresh_from_db()
    # 1 h Friday, then the 3 h of Saturday morning.
    assert clock.due_at == dt.datetime(2027, 3, 6, 12, 0, tzinfo=sh)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weekday_hours": "星期六 09:00-12:00"}, "weekday_hours", "星期六设置了工作时段，但不在每周工作日中"),
        ({"weekday_hours": "Saturday 9-12"}, "weekday_hours", "无法识别“Saturday 9-12”，应写成“星期六 09:00-12:00”"),
        (
            {
                "overrides-TOTAL_FORMS": "1",
                "overrides-0-date": "2027-03-08",
                "overrides-0-periods": "09:00-12:00",
            },
            "periods",
            "放假的日子不需要工作时段；半天假请勾选“上班”并填上班的时段",
        ),
    ],
)
def test_admin_refuses_hours_that_make_no_sense(company, client_for, changes, field, message):
    calendar = WorkCalendar.objects.get(code="standard")
    response = client_for("admin").post(
        f"/admin/workcal/workcalendar/{calendar.pk}/change/", calendar_form(calendar, **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert WorkCalendar.objects.get(pk=calendar.pk).version == calendar.version
