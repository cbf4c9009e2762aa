"""`xietong calendar add|between|month`: working-time arithmetic from the command line."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xietong.workcal.engine import UNPUBLISHED_WARNING, DayKind, parse_duration, parse_instant
from xietong.workcal.models import CalendarChange, WorkCalendar
from xietong.workcal.notice import NoticeError, parse_notice
from xietong.workcal.selectors import default_calendar, engine_for
from xietong.workcal.services import feed_fetch, ical_import, notice_import, notice_text_of_file

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]

MARKS = {
    DayKind.WORKDAY: "",
    DayKind.REST_DAY: "休",
    DayKind.STATUTORY_HOLIDAY: "假",
    DayKind.ADJUSTED_WORKDAY: "班",
    DayKind.OVERRIDE_WORKDAY: "加",
    DayKind.OVERRIDE_HOLIDAY: "假*",
}


class Command(BaseCommand):
    help = (
        "工作时间计算：add 加上工作时长、between 计算两时刻间的工作时间、month 打印月历；"
        "import-notice 导入国务院办公厅节假日安排通知。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calendar", help="日历编码（默认：默认日历）")
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help='xietong calendar add "2026-09-30 17:00" 2h')
        add.add_argument("instant")
        add.add_argument("duration", help="2h、30m、1d（一个工作日的工作时长）、1d4h")
        between = sub.add_parser("between", help='xietong calendar between "2026-09-30 17:00" "2026-10-09 10:00"')
        between.add_argument("start")
        between.add_argument("end")
        month = sub.add_parser("month", help="xietong calendar month 2026-10")
        month.add_argument("month", help="YYYY-MM")
        notice = sub.add_parser(
            "import-notice",
            help="导入国务院办公厅节假日安排通知：xietong calendar import-notice 2027.txt [--dry-run] [--calendar CODE]",
        )
        notice.add_argument("file", help="通知全文（.txt 或 .docx；- 表示标准输入）")
        notice.add_argument("--dry-run", action="store_true", help="只解析并打印，不做任何修改")
        notice.add_argument(
            "--calendar", dest="notice_calendar", help="只用于这一个日历（默认：所有遵循国家法定节假日的日历）"
        )
        ical = sub.add_parser(
            "import-ical", help="从 iCalendar 文件或订阅地址导入节假日：xietong calendar import-ical holidays.ics"
        )
        ical.add_argument("source", help=".ics 文件路径或 https:// 地址")
        ical.add_argument(
            "--calendar", dest="ical_calendar", help="只用于这一个日历（默认：所有遵循国家法定节假日的日历）"
        )

    def _calendar(self, code: str | None) -> WorkCalendar:
        if not code:
            return default_calendar()
        try:
            return WorkCalendar.objects.get(code=code)
        except WorkCalendar.DoesNotExist:
            codes = "、".join(WorkCalendar.objects.values_list("code", flat=True)) or "（无）"
            raise CommandError(f"没有编码为“{code}”的日历；现有：{codes}", returncode=2) from None

    def handle(self, *args, action: str, calendar: str | None = None, **options) -> None:
        if action == "import-ical":
            self._import_ical(options["source"], options.get("ical_calendar") or calendar)
            return
        if action == "import-notice":
            self._import_notice(options["file"], options["dry_run"], options.get("notice_calendar") or calendar)
            return
        record = self._calendar(calendar)
        engine = engine_for(record)
        try:
            if action == "add":
                start = parse_instant(options["instant"], engine.tz)
                duration = parse_duration(options["duration"]).to_timedelta(engine.day_length)
                self._warn_years(engine, start.year)
                self.stdout.write(engine.add(start, duration).isoformat())
            elif action == "between":
                start = parse_instant(options["start"], engine.tz)
                end = parse_instant(options["end"], engine.tz)
                self._warn_years(engine, start.year, end.year)
                span = engine.between(start, end)
                sign = "-" if span < dt.timedelta(0) else ""
                minutes = int(abs(span).total_seconds() // 60)
                self.stdout.write(f"{sign}{minutes // 60} 小时 {minutes % 60} 分钟（工作时间）")
            else:
                self._month(engine, options["month"], record)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc

    def _warn_years(self, engine, *years: int) -> None:
        for year in sorted(set(years)):
            if not engine.statutory_published(year):
                self.stderr.write(self.style.WARNING(f"警告：{year} 年{UNPUBLISHED_WARNING}，按每周工作日计算"))

    def _month(self, engine, text: str, record: WorkCalendar) -> None:
        try:
            year, month = (int(x) for x in text.split("-"))
            first = dt.date(year, month, 1)
        except ValueError as exc:
            raise ValueError(f"无法解析月份“{text}”：应为 YYYY-MM，例如 2026-10") from exc
        self._warn_years(engine, year)
        self.stdout.write(f"{year}年{month}月  {record.name}")
        # Every cell is 6 display columns wide; a Chinese character takes two.
        self.stdout.write("".join(f"  {d}  " for d in ["一", "二", "三", "四", "五", "六", "日"]))
        weeks = month_calendar.Calendar().monthdayscalendar(year, month)
        notes = []
        for week in weeks:
            cells = []
            for day_number in week:
                if not day_number:
                    cells.append(" " * 6)
                    continue
                day = first.replace(day=day_number)
                kind = engine.day_kind(day)
                mark = MARKS[kind]
                width = sum(2 if ord(ch) > 127 else 1 for ch in mark)
                cells.append(f"{day_number:>3}{mark}{' ' * (3 - width)}")
                if kind in (
                    DayKind.STATUTORY_HOLIDAY,
                    DayKind.ADJUSTED_WORKDAY,
                    DayKind.OVERRIDE_WORKDAY,
                    DayKind.OVERRIDE_HOLIDAY,
                ):
                    name = engine.day_name(day)
                    notes.append(f"{day:%m-%d} {kind.label}{'（' + name + '）' if name else ''}")
            self.stdout.write("".join(cells).rstrip())
        self.stdout.write("图例：休 周末休息  假 法定节假日  班 调休上班  加 公司加班日  假* 公司假日")
        working = sum(
            1 for _ in engine.working_days(first, (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1))
        )
        self.stdout.write(f"本月工作日 {working} 天")
        for note in notes:
            self.stdout.write("  " + note)

    def _import_ical(self, source: str, code: str | None) -> None:
        target = self._calendar(code) if code else None
        try:
            data = feed_fetch(source) if source.startswith(("http://", "https://")) else Path(source).read_bytes()
            outcomes = ical_import(data=data, source=source, actor=None, calendar=target)
        except OSError as exc:
            raise CommandError(f"无法读取“{source}”：{getattr(exc, 'strerror', None) or exc}", returncode=2) from None
        except Exception as exc:  # a malformed calendar or an unreachable address: the reason, no traceback
            raise CommandError(f"未导入（未做任何修改）：{exc}", returncode=2) from None
        if not outcomes:
            self.stdout.write("无变化：日历中的年份已按相同的日期录入")
        for outcome in outcomes:
            days = outcome.schedule.days
            self.stdout.write(
                f"{'已更正' if outcome.replaced else '已导入'} {outcome.schedule.year} 年："
                f"放假 {days.filter(is_workday=False).count()} 天、调休上班 {days.filter(is_workday=True).count()} 天"
            )

    def _import_notice(self, path: str, dry_run: bool, code: str | None) -> None:
        target = self._calendar(code) if code else None
        try:
            text = sys.stdin.read() if path == "-" else notice_text_of_file(path, Path(path).read_bytes())
        except OSError as exc:
            raise CommandError(f"无法读取文件“{path}”：{exc.strerror or exc}", returncode=2) from None
        except NoticeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            parsed = parse_notice(text)
        except NoticeError as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(f"通知未导入（未做任何修改）：\n{lines}", returncode=2) from None
        scope = f"日历“{target.name}”" if target else "所有遵循国家法定节假日的日历"
        self.stdout.write(f"{parsed.title}（{parsed.issued_on:%Y年%m月%d日}）  适用：{scope}")
        for check in parsed.lines:
            if check.kind == "clause":
                self.stdout.write(f"  第 {check.line_no} 行  {check.summary}")
        for day in parsed.days:
            kind = "上班" if day.is_workday else "放假"
            self.stdout.write(f"{day.date:%Y-%m-%d} {WEEKDAYS[day.date.weekday()]} {kind} {day.name}")
        holidays, workdays = len(parsed.holidays()), len(parsed.workdays())
        self.stdout.write(f"共 {holidays} 天放假、{workdays} 天调休上班")
        if dry_run:
            self.stdout.write("试运行：未做任何修改")
            return
        _parsed, outcome = notice_import(text=text, actor=None, calendar=target)
        verb = "已更正" if outcome.replaced else "已导入"
        self.stdout.write(f"{verb} {parsed.year} 年节假日安排")
        for calendar, days in outcome.changed.items():
            self.stdout.write(f"  {calendar.name}：{len(days)} 天的工作时间有变化")
        moved = sum(CalendarChange.objects.get(pk=c.pk).moved for c in outcome.changes)
        self.stdout.write(f"已重新计算计时中的时限：{moved} 个时钟的到期时间有变化")
