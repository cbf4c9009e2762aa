"""Reading the State Council's holiday notice from its text.

The 2025 and 2026 notices (notices/2025.txt, notices/2026.txt) are written out in their real standard
wording: what the parser reads from them must be exactly the days chinesecalendar ships for those years.
notices/2027-invented.txt is a made-up 2027 (the real one is not in the shipped data): ranges across
months (4月30日至5月5日, 9月30日至10月7日), single days with 不调休, two make-up workdays per sentence.
"""

import datetime as dt
from pathlib import Path

import pytest

from xietong.workcal.notice import NoticeError, parse_notice

NOTICES = Path(__file__).parent / "notices"


def notice(name: str) -> str:
    return (NOTICES / f"{name}.txt").read_text(encoding="utf-8")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def shipped(year: int) -> tuple[set[dt.date], set[dt.date]]:
    from chinese_calendar import constants

    holidays = {day for day in constants.holidays if day.year == year}
    workdays = {day for day in constants.workdays if day.year == year and day.weekday() >= 5}
    return holidays, workdays


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_real_notices_give_exactly_the_shipped_days(year):
    parsed = parse_notice(notice(str(year)))
    holidays, workdays = shipped(year)
    assert parsed.year == year
    assert set(parsed.holidays()) == holidays
    assert set(parsed.workdays()) == workdays
    assert len(parsed.holidays()) == len(holidays) and len(parsed.workdays()) == len(workdays)


def test_the_2026_notice_title_date_number_and_days():
    parsed = parse_notice(notice("2026"))
    assert parsed.title == "国务院办公厅关于2026年部分节假日安排的通知"
    assert parsed.issued_on == d("2025-11-04")
    assert parsed.document_number == "国办发明电〔2025〕7号"
    assert parsed.workdays() == [
        d("2026-01-04"),
        d("2026-02-14"),
        d("2026-02-28"),
        d("2026-05-09"),
        d("2026-09-20"),
        d("2026-10-10"),
    ]
    spring = [x for x in parsed.days if x.name == "春节"]
    assert [x.date for x in spring if not x.is_workday] == [d("2026-02-15") + dt.timedelta(days=i) for i in range(9)]
    assert [c.summary for c in parsed.lines if c.kind == "clause"] == [
        "元旦：1月1日至1月3日放假，共 3 天；1月4日上班",
        "春节：2月15日至2月23日放假，共 9 天；2月14日、2月28日上班",
        "清明节：4月4日至4月6日放假，共 3 天",
        "劳动节：5月1日至5月5日放假，共 5 天；5月9日上班",
        "端午节：6月19日至6月21日放假，共 3 天",
        "中秋节：9月25日至9月27日放假，共 3 天",
        "国庆节：10月1日至10月7日放假，共 7 天；9月20日、10月10日上班",
    ]


def test_the_2025_notice_single_day_without_adjustment_and_a_combined_clause():
    parsed = parse_notice(notice("2025"))
    assert parsed.issued_on == d("2024-11-12")
    new_year = [x for x in parsed.days if x.name == "元旦"]
    assert [(x.date, x.is_workday) for x in new_year] == [(d("2025-01-01"), False)]
    national = [x for x in parsed.days if x.name == "国庆节、中秋节"]
    assert [x.date for x in national if x.is_workday] == [d("2025-09-28"), d("2025-10-11")]
    assert len([x for x in national if not x.is_workday]) == 8


def test_an_invented_year_with_ranges_across_months_and_several_make_up_days():
    parsed = parse_notice(notice("2027-invented"))
    assert (parsed.year, parsed.issued_on) == (2027, d("2026-11-10"))
    by_name: dict[str, tuple[list[dt.date], list[dt.date]]] = {}
    for day in parsed.days:
        off, on = by_name.setdefault(day.name, ([], []))
        (on if day.is_workday else off).append(day.date)
    assert by_name["劳动节"] == (
        [d("2027-04-30"), d("2027-05-01"), d("2027-05-02"), d("2027-05-03"), d("2027-05-04"), d("2027-05-05")],
        [d("2027-04-25"), d("2027-05-08")],
    )
    assert by_name["国庆节"][0] == [d("2027-09-30") + dt.timedelta(days=i) for i in range(8)]
    assert by_name["国庆节"][1] == [d("2027-09-26"), d("2027-10-09")]
    assert by_name["春节"][1] == [d("2027-02-14"), d("2027-02-20")]
    assert by_name["端午节"] == ([d("2027-06-09")], [])
    assert len(parsed.holidays()) == 3 + 9 + 3 + 6 + 1 + 1 + 8


def test_full_width_digits_spaces_and_a_clause_wrapped_over_two_lines_are_read():
    text = (
        "国务院办公厅关于２０２７年部分节假日安排的通知\n"
        "  一、元旦：１月１日（周五）至３日（周日）放假，\n"
        "共３天。\n"
        "二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月14日（周日）、\n"
        "2月20日（周六）上班。\n"
        "2026年11月10日\n"
    )
    parsed = parse_notice(text)
    assert parsed.holidays()[:3] == [d("2027-01-01"), d("2027-01-02"), d("2027-01-03")]
    assert parsed.workdays() == [d("2027-02-14"), d("2027-02-20")]
    assert [c.line_no for c in parsed.lines if c.kind == "clause"] == [2, 4]


def test_dates_written_with_their_year_cross_the_year_end():
    text = (
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
        "二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。\n"
        "2022年12月8日\n"
    )
    with pytest.raises(NoticeError) as error:
        parse_notice(text)
    # 元旦 2023 says 放假调休 but lists no make-up day: refused rather than guessed.
    assert error.value.line_no == 2
    assert error.value.reason == "写了“放假调休”，却没有列出调休上班的日期（是否漏了“……上班”一句？）"
    parsed = parse_notice(text.replace("2023年1月2日放假调休", "2023年1月2日放假"))
    assert parsed.holidays()[:3] == [d("2022-12-31"), d("2023-01-01"), d("2023-01-02")]
    assert parsed.workdays() == [d("2023-01-28"), d("2023-01-29")]


GOOD = notice("2027-invented")


@pytest.mark.parametrize(
    ("old", "new", "line_no", "reason"),
    [
        (
            "1月1日（周五）至3日（周日）放假，共3天",
            "1月1日（周四）至3日（周日）放假，共3天",
            8,
            "1月1日是周五，括号里写的是“周四”",
        ),
        (
            "1月1日（周五）至3日（周日）放假，共3天",
            "1月1日（周五）至3日（周日）放假，共4天",
            8,
            "1月1日至1月3日共 3 天，文中写的是“共4天”",
        ),
        ("4月3日（周六）至5日（周一）", "4月3日（周六）至31日（周一）", 10, "日期“2027年4月31日”不存在"),
        (
            "9月30日（周四）至10月7日（周四）",
            "10月7日（周四）至9月30日（周四）",
            14,
            "结束日期 9月30日 早于开始日期 10月7日",
        ),
        ("2月14日（周日）、2月20日（周六）上班", "2月13日（周六）、2月20日（周六）上班", 9, "2月13日既放假又上班"),
        ("9月15日（周三）放假1天", "10月1日（周五）放假1天", 14, "10月1日 已在第 13 行（中秋节）出现过"),
        (
            "4月25日（周日）、5月8日（周六）上班",
            "4月26日（周一）、5月8日（周六）上班",
            11,
            "4月26日是周一，本来就上班：调休上班日应为周六或周日",
        ),
        (
            "放假调休，共8天。9月26日（周日）、10月9日（周六）上班。",
            "放假调休，共8天。",
            14,
            "写了“放假调休”，却没有列出调休上班的日期（是否漏了“……上班”一句？）",
        ),
        (
            "6月9日（周三）放假1天，不调休。",
            "6月9日（周三）放假1天，不调休。6月12日（周六）上班。",
            12,
            "列出了调休上班的日期，放假一句却没有写“放假调休”",
        ),
        ("五、端午节", "六、端午节", 12, "条款编号应为“五、”，这里是“六、”：是否漏了或重复了一条？"),
        (
            "9月26日（周日）、10月9日（周六）上班",
            "9月26日（周日）和10月9日（周六）上班",
            14,
            "看不懂“9月26日(周日)和10月9日(周六)”：调休上班应写成“1月4日（周日）上班”，多天用顿号隔开",
        ),
        ("放假，共3天。\n　　二", "放假，共3天，另行通知。\n　　二", 8, "看不懂“另行通知”"),
        ("2026年11月10日", "2025年11月10日", 19, "落款日期 2025-11-10 与 2027 年的通知不符"),
    ],
)
def test_a_wrong_line_is_refused_with_its_number_and_reason(old, new, line_no, reason):
    assert old in GOOD
    with pytest.raises(NoticeError) as error:
        parse_notice(GOOD.replace(old, new, 1))
    assert (error.value.line_no, error.value.reason) == (line_no, reason)
    assert str(error.value).startswith(f"第 {line_no} 行“")


def test_a_line_with_holiday_dates_outside_any_clause_is_refused_not_skipped():
    text = GOOD.replace("　　七、国庆节", "　　国庆节")
    with pytest.raises(NoticeError) as error:
        parse_notice(text)
    assert error.value.line_no == 14
    assert error.value.reason == "这一行提到放假或上班的日期，但不是“一、元旦：……”这样的条款，无法确定属于哪个节日"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "一、元旦：1月1日（周五）放假1天，不调休。\n2026年11月10日",
            "没有找到标题“国务院办公厅关于XXXX年部分节假日安排的通知”，无法确定年份",
        ),
        (
            "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）放假1天，不调休。",
            "没有找到落款日期（通知末尾单独一行，例如“2025年11月4日”）",
        ),
        ("国务院办公厅关于2027年部分节假日安排的通知\n2026年11月10日", "没有找到任何放假安排条款（“一、元旦：……”）"),
        ("", "没有找到标题“国务院办公厅关于XXXX年部分节假日安排的通知”，无法确定年份"),
    ],
)
def test_text_that_is_not_a_notice_is_refused_as_a_whole(text, reason):
    with pytest.raises(NoticeError) as error:
        parse_notice(text)
    assert (error.value.line_no, error.value.reason) == (0, reason)


def test_every_bad_line_is_reported_and_the_check_list_covers_every_line():
    text = GOOD.replace("共3天。\n", "共4天。\n", 1).replace("（周三）放假1天，不调休", "（周四）放假1天，不调休", 1)
    with pytest.raises(NoticeError) as error:
        parse_notice(text)
    assert [(p.line_no, p.reason) for p in error.value.problems] == [
        (8, "1月1日至1月3日共 3 天，文中写的是“共4天”"),
        (12, "6月9日是周三，括号里写的是“周四”"),
    ]
    kinds = [(c.line_no, c.kind, c.ok) for c in error.value.lines]
    assert kinds[0] == (1, "title", True) and kinds[1] == (2, "number", True)
    assert [k for k in kinds if k[1] == "clause"] == [
        (8, "clause", False),
        (9, "clause", True),
        (10, "clause", True),
        (11, "clause", True),
        (12, "clause", False),
        (13, "clause", True),
        (14, "clause", True),
    ]
