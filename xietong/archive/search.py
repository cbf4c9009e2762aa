"""One search box over every item, comment and attachment, live or archived.

The permission filter is applied first (`restrict(user)`), then the filters, then the full-text match,
so counts and pages never include what the person may not see. Words come from jieba on both sides;
SQLite matches them in FTS5 and ranks by bm25, PostgreSQL matches them through the GIN index on the
stored tsv = to_tsvector('simple', tokens) and ranks by ts_rank; equal scores go to the more recent document.

A word found in most documents ("我们", "工作") would make every search count and rank all of them, which
at a million documents costs seconds. So at most RANK_WINDOW matches are counted; beyond that the page says
"超过 1,000 条" and ranks the RANK_WINDOW most recent matches (an index on occurred_at walks them newest
first), asking for another word or a filter. `search_ids` stays exact: it is for comparing databases.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xietong.archive.models import SearchDocument
from xietong.archive.tokens import query_words

SNIPPET_CHARS = 120
PER_PAGE = 20
RANK_WINDOW = 1000


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass
class SearchFilters:
    types: list[str] = field(default_factory=list)
    project_id: int | None = None
    department_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""

    def apply(self, qs: QuerySet[SearchDocument]) -> QuerySet[SearchDocument]:
        if self.types:
            qs = qs.filter(subject_type__in=self.types)
        if self.project_id:
            qs = qs.filter(project_id=self.project_id)
        if self.department_id:
            from xietong.org.tree import DepartmentTree

            ids = DepartmentTree.load().with_descendants([self.department_id])
            condition = Q(pk__in=[])
            for department_id in sorted(ids):
                condition |= Q(departments__contains=f"|{department_id}|")
            qs = qs.filter(condition)
        if self.date_from:
            qs = qs.filter(occurred_at__gte=_midnight(self.date_from))
        if self.date_to:
            qs = qs.filter(occurred_at__lt=_midnight(self.date_to + dt.timedelta(days=1)))
        if self.status:
            qs = qs.filter(status=self.status)
        return qs


@dataclass
class Hit:
    document: SearchDocument
    score: float
    snippet: SafeString
    title: SafeString  # the title with the words highlighted too (a match may be only there)


@dataclass
class SearchPage:
    query: str
    words: list[str]
    total: int
    page: int
    pages: int
    hits: list[Hit]
    capped: bool = False  # more than RANK_WINDOW matched: `total` is RANK_WINDOW, the most recent ones ranked


def matching(qs: QuerySet[SearchDocument], words: list[str]) -> QuerySet[SearchDocument]:
    """Documents of `qs` that contain every word, annotated with `score` (higher is better)."""
    table = SearchDocument._meta.db_table
    if connection.vendor == "sqlite":
        expression = " ".join(f'"{w}"' for w in words)  # words are [0-9a-z]+ or Chinese: nothing to escape
        return qs.extra(  # noqa: S610  (constant SQL, the words are a parameter)
            tables=["archive_search_fts"],
            where=[f"archive_search_fts.rowid = {table}.id", "archive_search_fts MATCH %s"],
            params=[expression],
            select={"score": "-bm25(archive_search_fts)"},
        )
    query = " ".join(words)
    return qs.extra(  # noqa: S610  (constant SQL, the words are a parameter)
        where=[f"{table}.tsv @@ plainto_tsquery('simple', %s)"],
        params=[query],
        select={"score": f"ts_rank({table}.tsv, plainto_tsquery('simple', %s))"},
        select_params=[query],
    )


def search(
    user, text: str, filters: SearchFilters | None = None, page: int = 1, per_page: int = PER_PAGE
) -> SearchPage:
    words = query_words(text)
    if not words:
        return SearchPage(text, [], 0, 1, 0, [])
    visible = (filters or SearchFilters()).apply(SearchDocument.objects.restrict(user))
    found = matching(visible, words)
    total = found.values("pk")[: RANK_WINDOW + 1].count()
    capped = total > RANK_WINDOW
    if capped:
        total = RANK_WINDOW
        # A list, not a subquery: the raw full-text SQL names the table, which a subquery would alias.
        recent = list(found.order_by("-occurred_at", "-id").values_list("pk", flat=True)[:RANK_WINDOW])
        found = matching(SearchDocument.objects.filter(pk__in=recent), words)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    ranked = found.defer("tokens").order_by("-score", "-occurred_at", "-id")  # type: ignore[misc]
    rows = list(ranked[(page - 1) * per_page : page * per_page])
    hits = [
        Hit(row, float(row.score), snippet(row.body or row.title, words), snippet(row.title, words, width=255))  # type: ignore[attr-defined]
        for row in rows
    ]
    return SearchPage(text, words, total, page, pages, hits, capped)


def search_ids(user, text: str, filters: SearchFilters | None = None) -> set[tuple[str, int, str, int]]:
    """Every match as (subject_type, subject_id, kind, source_id): for comparing the two databases."""
    words = query_words(text)
    if not words:
        return set()
    visible = (filters or SearchFilters()).apply(SearchDocument.objects.restrict(user))
    return set(matching(visible, words).values_list("subject_type", "subject_id", "kind", "source_id"))


def snippet(text: str, words: list[str], width: int = SNIPPET_CHARS) -> SafeString:
    """A window of `text` around the first match, HTML-escaped, every word wrapped in <mark>."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        return mark_safe("")
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 3)
    window = text[start : start + width]
    out, last = [], 0
    for match in pattern.finditer(window):
        out.append(html.escape(window[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(window[last:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308  (every piece escaped above)
