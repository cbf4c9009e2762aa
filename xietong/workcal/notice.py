"""The State Council's holiday notice (国务院办公厅关于20XX年部分节假日安排的通知), read from its text.

Pure: a function of the text, no database, no clock. The notice's standard wording, line by line:

    国务院办公厅关于2027年部分节假日安排的通知                        ← title: the year
    一、元旦：1月1日（周五）至3日（周日）放假，共3天。                  ← numbered clauses 一、二、…
    二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月14日（周日）、2月20日（周六）上班。
    七、国庆节：9月30日（周四）至10月7日（周四）放假调休，共8天。…     ← ranges across months
    五、端午节：6月9日（周三）放假1天，不调休。                         ← single days
    2026年11月10日                                                   ← date line: when it was issued

Every clause is checked: the day count it states (共9天) against its range, a weekday in brackets
against the date, 放假调休 against the make-up workdays it lists (and 不调休 against none), make-up
workdays fall on a weekend, no day is named twice, the clauses are numbered without a gap. A line that
mentions dates with 放假 or 上班 but is not a clause is refused rather than skipped: a wrapped or
mistyped clause must not silently drop days. Problems name the line and the reason, in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from xietong.workcal.engine import _

TITLE = re.compile(r"国务院办公厅关于\s*(\d{4})\s*年\s*部分节假日安排的通知")
# Also the corrections the State Council issues mid-year (2020: 关于延长2020年春节假期的通知) are not this
# wording; they are entered as a corrected notice of the whole year or as overrides.
DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
DOCUMENT_NUMBER = re.compile(r"^国办发\S*〔\d{4}〕\d+号$")
CLAUSE = re.compile(r"^(?P<number>[一二三四五六七八九十]+)、(?P<name>[^:]{1,30}):(?P<body>.*)$")
# One date as the notice writes it: [2022年]12月31日[(农历除夕、周六)]; month and year may be left out
# when they repeat the previous date's ("2月5日至13日").
DATE = re.compile(r"(?:(?P<year>\d{4})年)?(?:(?P<month>\d{1,2})月)?(?P<day>\d{1,2})日(?:\((?P<note>[^)]*)\))?")
DAY_RANGE = re.compile(
    rf"^(?P<start>{DATE.pattern.replace('?P<', '?P<s_')})(?:至(?P<end>{DATE.pattern.replace('?P<', '?P<e_')}))?"
)
WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
WEEKDAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
WEEKDAY_TEXT = "一二三四五六日"
NUMERALS = "一二三四五六七八九十"
MENTIONS_DAYS = re.compile(r"\d{1,2}月\d{1,2}日.*(放假|上班)|(放假|上班).*\d{1,2}月\d{1,2}日")


def _clause_number(text: str) -> int:
    """一 … 十九 (a notice has at most a dozen clauses)."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + NUMERALS.index(text[1]) + 1
    if len(text) == 1:
        return NUMERALS.index(text) + 1
    if len(text) == 2 and text[1] == "十":
        return (NUMERALS.index(text[0]) + 1) * 10
    return (NUMERALS.index(text[0]) + 1) * 10 + NUMERALS.index(text[2]) + 1


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


@dataclass(frozen=True)
class LineProblem:
    """One refused line: its number in the text (1-based; 0 for the text as a whole) and why."""

    line_no: int
    line: str
    reason: str

    def __str__(self) -> str:
        if not self.line_no:
            return self.reason
        return _("第 %(n)d 行“%(line)s”：%(reason)s") % {"n": self.line_no, "line": self.line, "reason": self.reason}


@dataclass
class LineCheck:
    """What the parser made of one non-empty line, for the preview's check list."""

    line_no: int
    text: str
    kind: str  # title / number / date / clause / text
    summary: str = ""  # e.g. "1月1日至3日放假，共 3 天；1月4日上班"
    problem: str = ""
    holidays: list[dt.date] = field(default_factory=list)
    workdays: list[dt.date] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class NoticeDay:
    date: dt.date
    is_workday: bool  # True: a make-up workday (调休上班); False: a day of the holiday
    name: str  # the clause's holiday, as written: 春节, 国庆节、中秋节
    line_no: int


@dataclass
class ParsedNotice:
    year: int
    title: str
    issued_on: dt.date
    document_number: str
    days: list[NoticeDay]
    lines: list[LineCheck]

    def holidays(self) -> list[dt.date]:
        return [d.date for d in self.days if not d.is_workday]

    def workdays(self) -> list[dt.date]:
        return [d.date for d in self.days if d.is_workday]


class NoticeError(ValueError):
    """The text was refused. `problems` name every bad line (the first is `line_no`/`line`/`reason`);
    `lines` is the check list of every line as far as it could be read."""

    def __init__(self, problems: list[LineProblem], lines: list[LineCheck] | None = None):
        self.problems = problems
        self.lines = lines or []
        first = problems[0]
        self.line_no, self.line, self.reason = first.line_no, first.line, first.reason
        super().__init__(str(first))


def _normalise(text: str) -> str:
    # Full-width digits and punctuation (１２，（：) as ASCII; spaces inside a line do not matter.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _format_day(day: dt.date) -> str:
    return _("%(m)d月%(d)d日") % {"m": day.month, "d": day.day}


class _Clause:
    """Reads one clause body: "1月1日(周五)至3日(周日)放假调休,共3天。1月4日(周日)上班。"."""

    def __init__(self, year: int, name: str):
        self.year = year
        self.name = name
        self.previous: tuple[int, int] | None = None  # (year, month) that a date without them repeats

    def date(self, match: re.Match[str], prefix: str = "") -> dt.date:
        def group(key: str) -> str | None:
            return match.group(prefix + key)

        if group("month") is None and self.previous is None:
            raise ValueError(_("“%(text)s”没有写月份") % {"text": match.group(0)})
        previous_year, previous_month = self.previous or (self.year, 1)
        year = int(group("year") or previous_year)
        month = int(group("month") or previous_month)
        try:
            day = dt.date(year, month, int(match.group(prefix + "day")))
        except ValueError:
            raise ValueError(_("日期“%(text)s”不存在") % {"text": f"{year}年{month}月{group('day')}日"}) from None
        if abs(day.year - self.year) > 1:
            raise ValueError(
                _("%(date)s 不在 %(year)d 年前后：请核对年份") % {"date": day.isoformat(), "year": self.year}
            )
        note = group("note")
        if note:
            weekday = WEEKDAY.search(note)
            if weekday and WEEKDAY_NUMBER[weekday.group(1)] != day.weekday():
                raise ValueError(
                    _("%(date)s是周%(actual)s，括号里写的是“%(written)s”")
                    % {
                        "date": _format_day(day),
                        "actual": WEEKDAY_TEXT[day.weekday()],
                        "written": weekday.group(0),
                    }
                )
        self.previous = (day.year, day.month)
        return day

    def holiday_sentence(self, sentence: str) -> tuple[list[dt.date], bool | None]:
        """Days of the break, and whether it says 调休 (True), 不调休 (False) or neither (None)."""
        match = DAY_RANGE.match(sentence)
        if not match:
            raise ValueError(_("应以放假日期开头，例如“1月1日（周五）至3日（周日）放假，共3天”"))
        start = self.date(match, "s_")
        end = self.date(match, "e_") if match.group("end") else start
        if end < start:
            raise ValueError(
                _("结束日期 %(end)s 早于开始日期 %(start)s") % {"end": _format_day(end), "start": _format_day(start)}
            )
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        rest = sentence[match.end() :]
        head = re.match(r"^放假(调休)?(?:(\d+)天)?", rest)
        if not head:
            raise ValueError(_("日期后应为“放假”或“放假调休”，看不懂“%(text)s”") % {"text": rest[:20]})
        adjusted: bool | None = True if head.group(1) else None
        stated = [int(head.group(2))] if head.group(2) else []
        for part in filter(None, rest[head.end() :].split(",")):
            count = re.fullmatch(r"共(\d+)天", part)
            if count:
                stated.append(int(count.group(1)))
            elif part == "不调休":
                if adjusted:
                    raise ValueError(_("同一条既写“放假调休”又写“不调休”"))
                adjusted = False
            elif part in ("与周末连休", "与周末连休一天"):
                continue
            else:
                raise ValueError(_("看不懂“%(text)s”") % {"text": part})
        for number in stated:
            if number != len(days):
                raise ValueError(
                    _("%(start)s至%(end)s共 %(actual)d 天，文中写的是“共%(written)d天”")
                    % {
                        "start": _format_day(start),
                        "end": _format_day(end),
                        "actual": len(days),
                        "written": number,
                    }
                )
        return days, adjusted

    def workday_sentence(self, sentence: str) -> list[dt.date]:
        """ "1月26日(周日)、2月8日(周六)上班" → the make-up workdays."""
        if not sentence.endswith("上班"):
            raise ValueError(_("看不懂“%(text)s”：调休上班应写成“1月4日（周日）上班”") % {"text": sentence})
        listed = sentence[: -len("上班")]
        days: list[dt.date] = []
        for index, part in enumerate(listed.split("、")):
            match = DATE.fullmatch(part)
            if not match:
                raise ValueError(
                    _("看不懂“%(text)s”：调休上班应写成“1月4日（周日）上班”，多天用顿号隔开") % {"text": part}
                )
            day = self.date(match)
            if index and day <= days[-1]:
                raise ValueError(_("上班日期应按先后排列：%(date)s") % {"date": _format_day(day)})
            if day.weekday() < 5:
                raise ValueError(
                    _("%(date)s是周%(weekday)s，本来就上班：调休上班日应为周六或周日")
                    % {"date": _format_day(day), "weekday": WEEKDAY_TEXT[day.weekday()]}
                )
            days.append(day)
        return days


def parse_notice(text: str) -> ParsedNotice:
    """Read the notice. Raises NoticeError naming every line it refuses (and nothing is half-read)."""
    raw_lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    checks: list[LineCheck] = []
    problems: list[LineProblem] = []
    year: int | None = None
    title = ""
    issued_on: dt.date | None = None
    document_number = ""
    clauses: list[tuple[int, str, str, str]] = []  # (line_no, number, name, body)

    def refuse(check: LineCheck, reason: str) -> None:
        check.problem = reason
        problems.append(LineProblem(check.line_no, check.text, reason))

    # Join a clause wrapped over several lines (copied from a PDF or a narrow page) back into one.
    logical: list[tuple[int, str, str]] = []  # (first line number, original text, normalised text)
    for number, original in enumerate(raw_lines, start=1):
        compact = _normalise(original)
        if not compact:
            continue
        if (
            logical
            and CLAUSE.match(logical[-1][2])
            and not logical[-1][2].endswith("。")
            and not CLAUSE.match(compact)
            and not DATE_LINE.match(compact)
        ):
            first, text_so_far, compact_so_far = logical[-1]
            logical[-1] = (first, text_so_far + original.strip(), compact_so_far + compact)
            continue
        logical.append((number, original.strip(), compact))

    for line_no, original, compact in logical:
        check = LineCheck(line_no, original, "text")
        checks.append(check)
        title_match = TITLE.search(compact)
        if title_match and not CLAUSE.match(compact):
            check.kind = "title"
            if year is not None:
                refuse(check, _("标题出现了两次：一次只导入一份通知"))
                continue
            year, title = int(title_match.group(1)), title_match.group(0)
            check.summary = _("%(year)d 年") % {"year": year}
            continue
        if DOCUMENT_NUMBER.match(compact):
            check.kind, document_number = "number", compact
            continue
        date_match = DATE_LINE.match(compact)
        if date_match:
            check.kind = "date"
            try:
                issued_on = dt.date(*(int(g) for g in date_match.groups()))
            except ValueError:
                refuse(check, _("落款日期不存在"))
                continue
            check.summary = _("发布日期")
            continue
        clause = CLAUSE.match(compact)
        if clause:
            check.kind = "clause"
            clauses.append((line_no, clause.group("number"), clause.group("name"), clause.group("body")))
            continue
        if MENTIONS_DAYS.search(compact):
            refuse(check, _("这一行提到放假或上班的日期，但不是“一、元旦：……”这样的条款，无法确定属于哪个节日"))

    if year is None:
        problems.insert(
            0, LineProblem(0, "", _("没有找到标题“国务院办公厅关于XXXX年部分节假日安排的通知”，无法确定年份"))
        )
        raise NoticeError(problems, checks)
    if issued_on is None:
        problems.append(LineProblem(0, "", _("没有找到落款日期（通知末尾单独一行，例如“2025年11月4日”）")))
    elif issued_on.year not in (year - 1, year):
        check = next(c for c in checks if c.kind == "date")
        refuse(check, _("落款日期 %(date)s 与 %(year)d 年的通知不符") % {"date": issued_on.isoformat(), "year": year})

    by_line = {c.line_no: c for c in checks}
    days: dict[dt.date, NoticeDay] = {}
    expected = 1
    for line_no, numeral, name, body in clauses:
        check = by_line[line_no]
        try:
            found = _clause_number(numeral)
        except (ValueError, IndexError):
            refuse(check, _("条款编号“%(n)s”看不懂") % {"n": numeral})
            continue
        if found != expected:
            refuse(
                check,
                _("条款编号应为“%(expected)s、”，这里是“%(found)s、”：是否漏了或重复了一条？")
                % {"expected": _numeral(expected), "found": numeral},
            )
            expected = found + 1
            continue
        expected += 1
        try:
            holidays, workdays = _read_clause(year, name, body)
        except ValueError as exc:
            refuse(check, str(exc))
            continue
        clash = [d for d in holidays + workdays if d in days]
        if clash:
            other = days[clash[0]]
            refuse(
                check,
                _("%(date)s 已在第 %(line)d 行（%(name)s）出现过")
                % {"date": _format_day(clash[0]), "line": other.line_no, "name": other.name},
            )
            continue
        for day in holidays:
            days[day] = NoticeDay(day, False, name, line_no)
        for day in workdays:
            days[day] = NoticeDay(day, True, name, line_no)
        check.holidays, check.workdays = holidays, workdays
        check.summary = _summary(name, holidays, workdays)

    if not clauses:
        problems.append(LineProblem(0, "", _("没有找到任何放假安排条款（“一、元旦：……”）")))
    if problems:
        problems.sort(key=lambda p: p.line_no or 10**9)
        raise NoticeError(problems, checks)
    assert issued_on is not None
    return ParsedNotice(
        year=year,
        title=title,
        issued_on=issued_on,
        document_number=document_number,
        days=sorted(days.values(), key=lambda d: d.date),
        lines=checks,
    )


def _read_clause(year: int, name: str, body: str) -> tuple[list[dt.date], list[dt.date]]:
    reader = _Clause(year, name)
    sentences = [s for s in body.split("。") if s]
    if not sentences:
        raise ValueError(_("条款没有内容"))
    holidays, adjusted = reader.holiday_sentence(sentences[0])
    workdays: list[dt.date] = []
    for sentence in sentences[1:]:
        if sentence == "不调休":
            if adjusted:
                raise ValueError(_("同一条既写“放假调休”又写“不调休”"))
            adjusted = False
            continue
        if workdays:
            raise ValueError(_("调休上班日应写在同一句里：“1月26日（周日）、2月8日（周六）上班”"))
        workdays = reader.workday_sentence(sentence)
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise ValueError(_("%(date)s既放假又上班") % {"date": _format_day(both[0])})
    if adjusted and not workdays:
        raise ValueError(_("写了“放假调休”，却没有列出调休上班的日期（是否漏了“……上班”一句？）"))
    if workdays and not adjusted:
        raise ValueError(_("列出了调休上班的日期，放假一句却没有写“放假调休”"))
    return holidays, workdays


def _summary(name: str, holidays: list[dt.date], workdays: list[dt.date]) -> str:
    first, last = holidays[0], holidays[-1]
    if first == last:
        text = _("%(name)s：%(day)s放假，共 1 天") % {"name": name, "day": _format_day(first)}
    else:
        text = _("%(name)s：%(start)s至%(end)s放假，共 %(n)d 天") % {
            "name": name,
            "start": _format_day(first),
            "end": _format_day(last),
            "n": len(holidays),
        }
    if workdays:
        text += _("；%(days)s上班") % {"days": "、".join(_format_day(d) for d in workdays)}
    return text
