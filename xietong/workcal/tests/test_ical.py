"""A company's own holidays from an iCalendar subscription, refreshed daily by the worker; served here by
a real HTTP server on 127.0.0.1. Every instant is Asia/Shanghai."""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine

from xietong.core.models import AuditEvent
from xietong.core.worker import run_sweeps_once
from xietong.workcal.engine import DayKind
from xietong.workcal.ical import parse_ical
from xietong.workcal.models import HolidayFeed, HolidaySchedule, WorkCalendar
from xietong.workcal.selectors import engine_for

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def ics(*events: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{i}@example\r\nDTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        for i, (start, end, summary) in enumerate(events)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//xingchen//holidays//CN\r\n{body}END:VCALENDAR\r\n".encode()


FEED_2027 = ics(
    ("20270101", "20270104", "元旦"),
    ("20270205", "20270214", "春节"),
    ("20270214", "20270215", "春节补班"),
    ("20270220", "20270221", "上班"),
)


def test_all_day_events_are_days_off_and_those_saying_ban_are_workdays():
    data = FEED_2027.replace(
        b"END:VCALENDAR",
        b"BEGIN:VEVENT\r\nUID:t\r\nDTSTART:20270105T100000Z\r\nSUMMARY:\xe5\xb9\xb4\xe4\xbc\x9a\r\nEND:VEVENT\r\nEND:VCALENDAR",
    )
    parsed = parse_ical(data)
    days = parsed.by_year[2027]
    assert days[:3] == [
        (dt.date(2027, 1, 1), False, "元旦"),
        (dt.date(2027, 1, 2), False, "元旦"),
        (dt.date(2027, 1, 3), False, "元旦"),
    ]
    assert [d for d in days if d[1]] == [(dt.date(2027, 2, 14), True, "春节"), (dt.date(2027, 2, 20), True, "上班")]
    assert len([d for d in days if not d[1]]) == 3 + 9
    assert parsed.skipped == 1  # the timed 年会 says nothing about a whole day
    with pytest.raises(ValueError, match="不是有效的 iCalendar 日历"):
        parse_ical(b"<html>not found</html>")


class Feed:
    """A subscription server: serves `body` (or a 503 when down) and counts the requests."""

    def __init__(self, body: bytes):
        self.body, self.hits, self.down = body, 0, False
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                feed.hits += 1
                if feed.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/holidays.ics"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed():
    server = Feed(FEED_2027)
    yield server
    server.close()


def sweep(instant: str, capture) -> dict[str, int]:
    with time_machine.travel(at(instant), tick=False), capture(execute=True):
        return run_sweeps_once()


def test_a_subscription_is_refreshed_daily_by_the_worker(company, feed, django_capture_on_commit_callbacks):
    factory = WorkCalendar.objects.create(name="工厂六天工作制", code="factory", workdays="0,1,2,3,4,5")
    HolidayFeed.objects.create(url=feed.url, calendar=factory)
    engine = engine_for(factory)
    assert engine.day_kind(dt.date(2027, 1, 1)) is DayKind.WORKDAY

    assert sweep("2026-12-03 10:00", django_capture_on_commit_callbacks)["holiday-feeds"] == 1
    schedule = HolidaySchedule.objects.get(calendar=factory)
    assert (schedule.year, schedule.source, schedule.source_url) == (2027, "ical", feed.url)
    assert schedule.title == f"2027 年节假日（iCalendar：{feed.url}）"
    engine = engine_for(WorkCalendar.objects.get(pk=factory.pk))
    assert engine.day_kind(dt.date(2027, 1, 1)) is DayKind.STATUTORY_HOLIDAY
    assert engine.day_kind(dt.date(2027, 2, 14)) is DayKind.ADJUSTED_WORKDAY
    assert engine_for(WorkCalendar.objects.get(code="standard")).day_kind(dt.date(2027, 1, 1)) is DayKind.WORKDAY

    # Later that day: not fetched again. The next day: fetched, unchanged, nothing recorded.
    assert sweep("2026-12-03 18:00", django_capture_on_commit_callbacks)["holiday-feeds"] == 0
    assert sweep("2026-12-04 10:00", django_capture_on_commit_callbacks)["holiday-feeds"] == 1
    assert feed.hits == 2
    assert AuditEvent.objects.filter(action__startswith="workcal.holidays").count() == 1

    # The company moves its make-up day: the next refresh corrects the year.
    feed.body = FEED_2027.replace(b"20270220", b"20270227").replace(b"20270221", b"20270228")
    sweep("2026-12-05 10:00", django_capture_on_commit_callbacks)
    correction = AuditEvent.objects.get(action="workcal.holidays.correct")
    assert correction.after["workdays"] == ["2027-02-14", "2027-02-27"]
    assert correction.actor_label == "系统"

    # The feed is down: the error is kept on it, the year stays as it was.
    feed.down = True
    sweep("2026-12-06 10:00", django_capture_on_commit_callbacks)
    row = HolidayFeed.objects.get()
    assert row.last_error.startswith("Server error '503 Service Unavailable'")
    assert row.succeeded_at == at("2026-12-05 10:00")
    assert HolidaySchedule.objects.get(calendar=factory).days.filter(is_workday=True).count() == 2


# --- An Excel sheet from the template ---------------------------------------------------------------
EXCEL_URL = "/admin/workcal/holidayschedule/excel/"


def sheet(rows) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "节假日"
    workbook.active.append(["日期", "类型", "节日"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_excel_sheet_from_the_template_is_recorded_and_a_bad_row_refused(company, client_for):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    admin = client_for("admin")
    template = admin.get("/admin/workcal/holidayschedule/excel/template/")
    assert template.status_code == 200
    rows = list(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("日期", "类型", "节日")

    bad = sheet([[dt.date(2027, 1, 1), "放假", "元旦"], ["2027-02-30", "上班", "春节"]])
    refused = admin.post(EXCEL_URL, {"file": SimpleUploadedFile("2027.xlsx", bad), "calendar": ""})
    assert refused.status_code == 400
    assert "第 3 行：日期“2027-02-30”看不懂，应为 2027-01-01" in refused.content.decode()
    assert not HolidaySchedule.objects.exists()

    good = sheet(
        [[dt.date(2027, 1, 1), "放假", "元旦"], ["2027/1/2", "放假", "元旦"], [dt.date(2027, 2, 20), "上班", "春节"]]
    )
    done = admin.post(EXCEL_URL, {"file": SimpleUploadedFile("2027.xlsx", good), "calendar": ""})
    assert done.status_code == 302
    schedule = HolidaySchedule.objects.get()
    assert (schedule.year, schedule.source, schedule.title) == (2027, "excel", "2027 年节假日（Excel：2027.xlsx）")
    assert list(schedule.days.values_list("date", "is_workday")) == [
        (dt.date(2027, 1, 1), False),
        (dt.date(2027, 1, 2), False),
        (dt.date(2027, 2, 20), True),
    ]
    engine = engine_for(WorkCalendar.objects.get(code="standard"))
    assert engine.day_kind(dt.date(2027, 2, 20)) is DayKind.ADJUSTED_WORKDAY
