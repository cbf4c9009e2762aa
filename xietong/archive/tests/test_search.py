"""Search (检索): two-character Chinese words are found (需求, 会议, 故障) in items, comments and the text
of attachments (.docx, .xlsx, .pdf, .txt); the same documents on SQLite and PostgreSQL; permission
filtered before counting; ranked by relevance then recency; highlighted, escaped snippets.

The fixture (all in 2026-03):
  A 智能手表项目 (guoxin → 软件开发部 lina)  title 智能手表项目-硬件方案评审, content 评审会议安排在周五;
    comment "电源模块故障已复现"; attachment 会议纪要.docx "会议纪要：确定硬件方案"
  B 2026年Q4产品迭代 (linxue → lina)      title 登录故障修复需求, background 用户反馈登录故障;
    attachment 故障清单.xlsx [故障编号 现象 / GZ-01 登录超时]
  C 售后服务响应流程优化 (dengli → lina)  title 售后服务响应流程优化;
    comment "下周召开会议讨论需求"; attachment 汇总.pdf "客户需求汇总"; attachment 备注.txt "无关内容"
Every request also carries the default criteria 待机续航≥5天 / 功耗测试报告通过评审.
"""

import datetime as dt

import pytest
import time_machine

from xietong.archive import search as search_module
from xietong.archive.models import SearchDocument
from xietong.archive.search import SearchFilters, search, search_ids, snippet
from xietong.archive.tests.support import (
    at,
    comment,
    docx_bytes,
    drain,
    pdf_bytes,
    request_in,
    upload,
    withdraw,
    xlsx_bytes,
)
from xietong.archive.tokens import query_words

COMMON = dict(goal="目标明确", content="分析日志", background="背景说明")


@pytest.fixture
def corpus(company):
    a = request_in(
        company,
        "smartwatch",
        "2026-03-02 09:00",
        title="智能手表项目-硬件方案评审",
        **{**COMMON, "content": "评审会议安排在周五"},
    )
    b = request_in(
        company,
        "q4-iteration",
        "2026-03-03 09:00",
        title="登录故障修复需求",
        **{**COMMON, "background": "用户反馈登录故障"},
    )
    c = request_in(company, "service-response", "2026-03-04 09:00", title="售后服务响应流程优化", **COMMON)
    comment(company, a, "lina", "电源模块故障已复现", "2026-03-05 10:00")
    comment(company, c, "lina", "下周召开会议讨论需求", "2026-03-05 11:00")
    upload(company, a, "guoxin", "会议纪要.docx", docx_bytes("会议纪要：确定硬件方案"), "2026-03-06 10:00")
    upload(
        company,
        b,
        "linxue",
        "故障清单.xlsx",
        xlsx_bytes([["故障编号", "现象"], ["GZ-01", "登录超时"]]),
        "2026-03-06 11:00",
    )
    upload(company, c, "dengli", "汇总.pdf", pdf_bytes("客户需求汇总"), "2026-03-06 12:00")
    upload(company, c, "dengli", "备注.txt", "无关内容".encode(), "2026-03-06 13:00")
    drain("2026-03-06 14:00")
    return {"A": a, "B": b, "C": c}


def named(corpus, found):
    """{(A, item), (C, comment), (C, 汇总V1-20260306.pdf) …} from search_ids' tuples."""
    names = {v.pk: k for k, v in corpus.items()}
    out = set()
    for _type, subject_id, kind, source_id in found:
        if kind == "attachment":
            out.add((names[subject_id], SearchDocument.objects.get(kind="attachment", source_id=source_id).title))
        else:
            out.add((names[subject_id], kind))
    return out


EXPECTED = {
    "需求": {("B", "item"), ("C", "comment"), ("C", "汇总V1-20260306.pdf")},
    "会议": {("A", "item"), ("A", "会议纪要V1-20260306.docx"), ("C", "comment")},
    "故障": {("B", "item"), ("B", "故障清单V1-20260306.xlsx"), ("A", "comment")},
    "会议纪要": {("A", "会议纪要V1-20260306.docx")},
    "智能手表": {("A", "item")},
    "硬件方案": {("A", "item"), ("A", "会议纪要V1-20260306.docx")},
    "登录 超时": {("B", "故障清单V1-20260306.xlsx")},
}


@pytest.mark.parametrize("query", list(EXPECTED))
def test_two_and_four_character_words_find_the_same_documents_on_either_database(company, corpus, query):
    """The expected sets are written out by hand, so passing on SQLite and on PostgreSQL means both
    databases return exactly these documents."""
    found = search_ids(company.person("chenzhiqiang"), query)
    assert named(corpus, found) == EXPECTED[query]


@pytest.mark.parametrize("query", [*EXPECTED, "评审", "续航", "功耗 评审", "客户", "gz", "2026"])
def test_the_database_agrees_with_a_plain_word_by_word_reading(company, corpus, query):
    """Reference: a document matches when every query word is one of its index words."""
    words = set(query_words(query))
    expected = {
        (d.subject_type, d.subject_id, d.kind, d.source_id)
        for d in SearchDocument.objects.all()
        if words <= set(d.tokens.split())
    }
    assert search_ids(company.person("chenzhiqiang"), query) == expected
    assert expected  # every query above finds something


def test_people_outside_a_project_find_nothing_of_it_and_the_count_says_so(company, corpus):
    assert search(company.person("fengjing"), "需求").total == 0  # 财务部: no project, no department named
    page = search(company.person("liuyang"), "故障")  # member of 2026年Q4产品迭代 only
    assert page.total == 2
    assert {(h.document.subject_id, h.document.kind) for h in page.hits} == {
        (corpus["B"].pk, "item"),
        (corpus["B"].pk, "attachment"),
    }
    assert search(company.person("liuyang"), "会议").total == 0
    # 林雪 is in 2026年Q4产品迭代 and 售后服务响应流程优化, not in 智能手表项目.
    assert named(corpus, search_ids(company.person("linxue"), "会议")) == {("C", "comment")}
    # 张伟 heads 研发中心, whose 软件开发部 receives all three requests: he sees all of them.
    assert search(company.person("zhangwei"), "会议").total == 3


def test_a_document_carries_its_visibility_keys_as_index_words_and_typed_keys_find_nothing(company, corpus):
    request = corpus["B"]  # 2026年Q4产品迭代, 郭鑫 → 软件开发部 (李娜)
    document = SearchDocument.objects.get(subject_id=request.pk, kind="item")
    people = sorted({request.created_by_id, request.requester_id, request.receiver_id})
    keys = ["xttrequestsrequest", f"xtp{request.project_id}", f"xtc{request.created_by_id}"]
    keys += [f"xtu{pk}" for pk in people]
    keys += [f"xtd{pk}" for pk in sorted({request.requesting_department_id, request.receiving_department_id})]
    assert document.tokens.split()[-len(keys) :] == keys
    assert query_words(f"xtp{request.project_id} 登录") == ["登录"]


@pytest.mark.parametrize(
    "username", ["chenzhiqiang", "liuyang", "linxue", "zhangwei", "lina", "guoxin", "dengli", "fengjing"]
)
def test_the_index_keys_leave_out_exactly_what_the_permission_filter_leaves_out(company, corpus, username):
    person = company.person(username)
    for query in [*EXPECTED, "评审", "客户", "2026"]:
        assert search_ids(person, query) == search_ids(person, query, keys=False), query


def test_snippets_are_escaped_and_highlight_every_word(company, corpus):
    comment(
        company, corpus["B"], "lina", "<script>alert(1)</script> 登录故障已修复，故障原因是缓存", "2026-03-07 10:00"
    )
    drain("2026-03-07 10:05")
    page = search(company.person("lina"), "故障 缓存")
    assert page.total == 1
    assert str(page.hits[0].snippet) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; 登录<mark>故障</mark>已修复，<mark>故障</mark>原因是<mark>缓存</mark>"
    )
    assert str(snippet("甲" * 200 + "故障" + "乙" * 200, ["故障"], width=10)) == "…甲甲甲<mark>故障</mark>乙乙乙乙乙…"


def test_more_relevant_first_then_more_recent(company, corpus):
    d = request_in(
        company, "q4-iteration", "2026-03-10 09:00", title="延期风险", **{**COMMON, "content": "延期 延期 延期"}
    )
    e = request_in(company, "q4-iteration", "2026-03-11 09:00", title="排期调整", **{**COMMON, "content": "可能延期"})
    comment(company, e, "lina", "同一句话", "2026-03-12 09:00")
    comment(company, e, "lina", "同一句话", "2026-03-12 10:00")
    drain("2026-03-12 10:05")
    ranked = search(company.person("lina"), "延期").hits
    assert [h.document.subject_id for h in ranked] == [d.pk, e.pk]  # three times beats once, though older
    same = search(company.person("lina"), "同一句话").hits
    assert [h.document.occurred_at.hour for h in same] == [2, 1]  # equal scores: 10:00 (02:00 UTC) first


def test_filters_by_type_project_department_date_and_state(company, corpus):
    gm = company.person("chenzhiqiang")
    assert named(corpus, search_ids(gm, "会议", SearchFilters(project_id=company.project("service-response").pk))) == {
        ("C", "comment")
    }
    assert search(gm, "会议", SearchFilters(types=["tasks.task"])).total == 0
    by_department = SearchFilters(department_id=company.department("service").pk)  # C was sent by 客户服务部
    assert named(corpus, search_ids(gm, "需求", by_department)) == {("C", "comment"), ("C", "汇总V1-20260306.pdf")}
    in_march_5 = SearchFilters(date_from=dt.date(2026, 3, 5), date_to=dt.date(2026, 3, 5))
    assert named(corpus, search_ids(gm, "会议", in_march_5)) == {("C", "comment")}
    withdraw(company, corpus["C"], "2026-03-20 10:00")
    drain("2026-03-20 10:05")
    archived = SearchFilters(status="archived")
    assert named(corpus, search_ids(gm, "需求", archived)) == {("C", "comment"), ("C", "汇总V1-20260306.pdf")}
    assert named(corpus, search_ids(gm, "需求", SearchFilters(status="open"))) == {("B", "item")}


def test_search_page_shows_results_and_counts_only_what_the_person_may_see(company, client_for, corpus):
    page = client_for("liuyang").get("/search/", {"q": "故障"}).content.decode()
    assert "共找到 2 条结果" in page and "<mark>故障</mark>" in page
    assert "电源模块" not in page
    assert "共找到 0 条结果" in client_for("fengjing").get("/search/", {"q": "故障"}).content.decode()


def test_a_word_in_more_documents_than_are_ranked_ranks_the_most_recent_and_says_so(
    company, client_for, corpus, monkeypatch
):
    gm = company.person("chenzhiqiang")
    everything = {("B", "item"), ("C", "comment"), ("C", "汇总V1-20260306.pdf")}
    assert named(corpus, search_ids(gm, "需求")) == everything
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)  # exactly as many as match: counted in full
    page = search(gm, "需求")
    assert (page.total, page.capped) == (3, False)
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)  # one more than is ranked
    page = search(gm, "需求")
    assert (page.total, page.pages, page.capped) == (2, 1, True)
    hits = {(h.document.subject_id, h.document.kind, h.document.title) for h in page.hits}
    assert hits == {  # the two most recent: 03-06 12:00 and 03-05 11:00; B's item (03-03) is left out
        (corpus["C"].pk, "attachment", "汇总V1-20260306.pdf"),
        (corpus["C"].pk, "comment", "XQ-2026-0003 售后服务响应流程优化 · 李娜的评论"),
    }
    assert named(corpus, search_ids(gm, "需求")) == everything  # the exact list stays exact
    assert (search(company.person("liuyang"), "需求").total, search(company.person("liuyang"), "需求").capped) == (
        1,
        False,
    )  # the cap counts what the person may see, not what exists
    html = client_for("chenzhiqiang").get("/search/", {"q": "需求"}).content.decode()
    assert "找到超过 2 条结果，按相关度排列其中最近的 2 条" in html


@pytest.fixture
def budget_requests(company):
    """Four requests about 预算 (budget): one old, one last December, two this month (March 2026)."""
    made = {
        when: request_in(company, "q4-iteration", when, title=f"{label}预算编制", **COMMON)
        for when, label in [
            ("2024-05-10 09:00", "上年度"),
            ("2025-12-01 09:00", "年终"),
            ("2026-03-10 09:00", "一季度"),
            ("2026-03-15 09:00", "二季度"),
        ]
    }
    drain("2026-03-20 10:00")
    return made


def test_every_document_carries_its_month_and_a_typed_month_word_finds_nothing(company, budget_requests):
    request = budget_requests["2026-03-15 09:00"]
    document = SearchDocument.objects.get(subject_id=request.pk, kind="item")
    assert " xtm202603 xttrequestsrequest " in document.tokens
    assert query_words("xtm202603 预算") == ["预算"]
    assert search(company.person("lina"), "xtm202603").total == 0


@pytest.mark.parametrize(
    ("window", "expected_total", "capped", "ranked_from"),
    [
        (2, 2, True, ["2026-03-15 09:00", "2026-03-10 09:00"]),  # both in the last two months
        (3, 3, True, ["2026-03-15 09:00", "2026-03-10 09:00", "2025-12-01 09:00"]),  # six months needed
        (4, 4, False, ["2026-03-15 09:00", "2026-03-10 09:00", "2025-12-01 09:00", "2024-05-10 09:00"]),
    ],
)
def test_the_most_recent_matches_are_found_however_far_back_they_reach(
    company, budget_requests, monkeypatch, window, expected_total, capped, ranked_from
):
    """The month windows (2 months, then as wide as the matches found so far suggest, at last every
    month) widen until RANK_WINDOW + 1 matches are found, so the ranked matches are the newest ones
    whether they lie in this month or two years back."""
    monkeypatch.setattr(search_module, "RANK_WINDOW", window)
    with time_machine.travel(at("2026-03-20 10:00"), tick=False):
        page = search(company.person("lina"), "预算")
    assert (page.total, page.capped) == (expected_total, capped)
    assert {h.document.subject_id for h in page.hits} == {budget_requests[w].pk for w in ranked_from}


def test_a_document_dated_in_the_next_month_still_counts_as_the_newest(company, budget_requests, monkeypatch):
    ahead = request_in(company, "q4-iteration", "2026-04-01 08:00", title="四月预算预审", **COMMON)
    drain("2026-04-01 08:05")
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    with time_machine.travel(at("2026-03-31 23:00"), tick=False):  # the server's clock is an hour behind
        page = search(company.person("lina"), "预算")
    assert {h.document.subject_id for h in page.hits} == {ahead.pk, budget_requests["2026-03-15 09:00"].pk}


def test_a_notice_is_found_by_its_text_and_its_snippet_shows_no_markup(company):
    from xietong.notices.tests.test_notices import publish

    publish(
        company,
        body="<p>自 3 月 16 日起，跨部门<strong>需求</strong>一律通过协同提交。</p><ul><li>接收方 1 个工作日内响应</li></ul>",
    )
    drain("2026-03-09 10:05")
    page = search(company.person("liufang"), "响应")
    assert page.total == 1
    assert str(page.hits[0].snippet) == (
        "…容：自 3 月 16 日起，跨部门需求一律通过协同提交。 接收方 1 个工作日内<mark>响应</mark>"
    )
    assert search(company.person("liufang"), "strong").total == 0  # tags are not words of the notice


def test_the_upgrade_gives_documents_indexed_before_the_same_keys_the_indexer_writes(company, corpus):
    import importlib

    from django.db import connection

    upgrade = importlib.import_module("xietong.archive.migrations.0007_reach_words")
    written = dict(SearchDocument.objects.values_list("pk", "tokens"))
    for pk, tokens in written.items():  # as an install indexed them before: words and month word only
        words = tokens.split()
        month = next(i for i, w in enumerate(words) if w.startswith("xtm"))
        SearchDocument.objects.filter(pk=pk).update(tokens=" ".join(words[: month + 1]))
    with connection.cursor() as cursor:
        cursor.execute(upgrade.statement(connection.vendor))
        cursor.execute(upgrade.statement(connection.vendor))  # once only, however often it runs
    assert dict(SearchDocument.objects.values_list("pk", "tokens")) == written
    assert named(corpus, search_ids(company.person("linxue"), "会议")) == {("C", "comment")}
