"""`xietong calendar add|between|month`: working-time arithmetic from the command line."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xietong.workcal.engine import UNPUBLISHED_WARNING, DayKind, parse_duration, parse_instant
from xietong.workcal.models import WorkCalendar
from xietong.workcal.selectors import default_calendar, engine_for

MARKS = {
    DayKind.WORKDAY: "",
    DayKind.REST_DAY: "休",
    DayKind.STATUTORY_HOLIDAY: "假",
    DayKind.ADJUSTED_WORKDAY: "班",
    DayKind.OVERRIDE_WORKDAY: "加",
    DayKind.OVERRIDE_HOLIDAY: "假*",
}


class Command(BaseCommand):
    help = "工作时间计算：add 加上工作时长、between 计算两时刻间的工作时间、month 打印月历。"

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

    def _calendar(self, code: str | None) -> WorkCalendar:
        if not code:
            return default_calendar()
        try:
            return WorkCalendar.objects.get(code=code)
        except WorkCalendar.DoesNotExist:
            codes = "、".join(WorkCalendar.objects.values_list("code", flat=True)) or "（无）"
            raise CommandError(f"没有编码为“{code}”的日历；现有：{codes}", returncode=2) from None

    def handle(self, *args, action: str, calendar: str | None = None, **options) -> None:
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
