"""English is complete: every string marked for translation has a checked English entry, and the main
pages read in English once a person chooses it (Chinese stays the default; see test_pages.py).

The catalogue is xietong/locale/en/LC_MESSAGES/django.po; after marking new strings run
`cd xietong && django-admin makemessages -l en -i "tests/*" -i "*/tests/*"` and translate the new entries.
"""

from __future__ import annotations

import ast
import html
import io
import re
import tokenize
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parents[2]  # …/xietong
CATALOGUE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"

# The keywords `makemessages` hands to xgettext (plus xgettext's own Python defaults).
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}
KEYWORDS = SINGULAR | PLURAL | CONTEXT | CONTEXT_PLURAL

# %(name)s, %(n)d, %(size).1f, %s, %d, %% and {name}: a msgstr must carry exactly the msgid's.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sd]|%%|\{\w*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


# --- The catalogue itself -------------------------------------------------------------------------
def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = catalogue()
    assert not po.metadata_is_fuzzy
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} entries without English, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (check and clear the flag), e.g. {fuzzy[:5]}"
    assert not po.obsolete_entries(), "remove the obsolete (#~) entries"
    assert len(po) > 2000


def test_every_english_entry_keeps_the_placeholders_of_its_chinese_original():
    mismatched = []
    for entry in catalogue():
        if entry.msgid_plural:
            for form in entry.msgstr_plural.values():
                if placeholders(form) != placeholders(entry.msgid_plural):
                    mismatched.append((entry.msgid, form))
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            mismatched.append((entry.msgid, entry.msgstr))
    assert not mismatched, mismatched


def test_english_date_formats_use_only_format_characters():
    """Y年n月j日 and friends feed Django's date formatting: a stray letter in English would print a date part."""
    formats = [
        e for e in catalogue() if re.fullmatch(r"[YmdnjlDHi年月日（）:\s-]+", e.msgid) and re.search("[年月]", e.msgid)
    ]
    assert len(formats) >= 8
    for entry in formats:
        assert re.fullmatch(r"[YmdnjlDMNHi,\s:()-]+", entry.msgstr), (entry.msgid, entry.msgstr)


def test_no_english_entry_is_left_in_chinese():
    # One deliberate exception: the search help names Chinese words that the search finds.
    left = [e.msgid for e in catalogue() if CJK.search(e.msgstr) and "需求" not in e.msgid]
    assert not left, left


# --- Every marked string is in the catalogue (a forgotten makemessages fails here) ------------------
def _python_messages(path: Path) -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in KEYWORDS:
            continue
        strings = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if name in CONTEXT | CONTEXT_PLURAL:
            if len(strings) >= 2 and strings[0] is not None and strings[1] is not None:
                found.add((strings[0], strings[1]))
        elif strings and strings[0] is not None:
            found.add((None, strings[0]))
    return found


def _template_messages(path: Path) -> set[tuple[str | None, str]]:
    """Django turns a template into Python-ish source for xgettext; read the calls back from it."""
    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.NL]
    found: set[tuple[str | None, str]] = set()
    for i, token in enumerate(tokens[:-2]):
        if token.type != tokenize.NAME or token.string not in KEYWORDS or tokens[i + 1].string != "(":
            continue
        args = []
        j = i + 2
        while j < len(tokens) and tokens[j].type == tokenize.STRING:
            args.append(ast.literal_eval(tokens[j].string))
            if j + 1 >= len(tokens) or tokens[j + 1].string != ",":
                break
            j += 2
        if token.string in CONTEXT | CONTEXT_PLURAL and len(args) >= 2:
            found.add((args[0], args[1]))
        elif token.string not in CONTEXT | CONTEXT_PLURAL and args:
            found.add((None, args[0]))
    return found


def marked_messages() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in PACKAGE.rglob("*"):
        if "tests" in path.relative_to(PACKAGE).parts or not path.is_file():
            continue
        if path.suffix == ".py":
            found |= _python_messages(path)
        elif path.suffix in (".html", ".txt") and "templates" in path.parts:
            found |= _template_messages(path)
    return found


def test_every_string_marked_for_translation_has_an_english_entry():
    known = {(e.msgctxt, e.msgid) for e in catalogue()}
    marked = marked_messages()
    assert len(marked) > 2000  # the extraction itself works
    missing = sorted(marked - known, key=str)
    assert not missing, f"run makemessages and translate: {missing[:20]}"


# --- Pages in English -----------------------------------------------------------------------------
def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


@pytest.fixture
def english_lina(company, seeded_demo, client_for):
    """李娜 with the demo company's meetings, notices, problems and emergency, one request waiting on her
    and indexed for search; she has chosen English."""
    from xietong.archive.indexing import index_subject
    from xietong.requests.tests.test_request_flow import new_request

    seeded_demo()
    request = new_request(company)
    index_subject("requests.request", request.pk)
    client = client_for("lina")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.request_id = request.pk
    return client


# (url, English that must be there, Chinese interface text that must not)
PAGES = [
    (
        "/",
        ["My workbench", "Requests waiting on me", "Notices for me to confirm", "My time limits"],
        ["我的工作台", "待我处理的需求", "待我确认的通知", "我的时限", "工作时间", "剩余", "已超时", "查看全部"],
    ),
    (
        "/requests/?scope=all",
        ["Request collaboration", "Raise a request", "Awaiting receipt", "Expected by", "All priorities"],
        ["需求协作", "发起需求", "待接收", "期望完成", "全部优先级", "（部门负责人）"],
    ),
    (
        "/requests/{request_id}/",
        ["Acknowledge", "Request changes", "Acceptance criteria", "Expected completion date", "Nov 30, 2026"],
        ["接收确认", "提出修改建议", "验收标准", "期望完成时间", "2026年11月30日", "时间线", "未签字"],
    ),
    (
        "/meetings/?scope=all",
        ["Apply for a meeting", "Meeting subject", "Place/online", "Notified", "Recurring meeting"],
        ["申请会议", "会议主题", "地点/线上", "已通知", "周期会议", "迟发通知"],
    ),
    (
        "/inbox/",
        ["Inbox", "Mark all as read", "Notification settings", "unread", "Waiting on me"],
        ["收件箱", "全部标为已读", "通知设置", "条未读", "待我处理", "标为已读"],
    ),
    (
        "/reports/?period=2026Q4",
        ["Time-limit compliance", "On-time rate", "Response time (working hours)", "Q4 2026", "Escalations"],
        ["时限遵守", "按时率", "响应时长", "2026年第四季度", "升级（按级别）", "中位数", "90分位"],
    ),
    (
        "/search/?q=续航",
        ["Search", "All types", "results", "Search terms", "Request collaboration"],
        ["检索", "全部类型", "条结果", "检索词", "需求协作", "会议决议事项"],
    ),
]


@pytest.mark.parametrize(("url", "english", "chinese"), PAGES, ids=[p[0] for p in PAGES])
def test_main_pages_read_in_english(english_lina, url, english, chinese):
    response = english_lina.get(url.format(request_id=english_lina.request_id))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    text = visible_text(page)
    for words in english:
        assert words in text, f"{url}: {words!r} missing"
    for label in chinese:
        assert label not in text, f"{url}: Chinese interface text {label!r} left in English"
    # The navigation and the page chrome are English on every page.
    for label in ["我的工作台", "收件箱", "退出登录", "个人资料", "报表", "组织架构"]:
        assert label not in text, f"{url}: {label!r}"


def test_switching_back_to_chinese_shows_chinese_again(english_lina):
    english_lina.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    text = visible_text(english_lina.get("/meetings/?scope=all").content.decode())
    assert "申请会议" in text and "Apply for a meeting" not in text
