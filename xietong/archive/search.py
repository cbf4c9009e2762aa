"""One search box over every item, comment and attachment, live or archived.

The permission filter is applied first (`restrict(user)`), then the filters, then the full-text match,
so counts and pages never include what the person may not see. Words come from jieba on both sides;
SQLite matches them in FTS5 and ranks by bm25, PostgreSQL matches them through the GIN index on the
stored tsv = to_tsvector('simple', tokens) and ranks by ts_rank; equal scores go to the more recent document.

A word found in most documents ("我们", "工作") would make every search count and rank all of them, which
at a million documents costs seconds. So at most RANK_WINDOW matches are counted; beyond that the page says
"超过 1,000 条" and ranks the RANK_WINDOW most recent matches, asking for another word or a filter.
Finding the most recent matches of a common word is itself the expensive part: walking the documents
newest first reads every one that does not match, and fetching every match reads thousands of rows. So
every document also carries its month as an index word (tokens.period_token) and PostgreSQL first asks
the GIN index for the matches of the last few months only, widening until RANK_WINDOW are found:
the newest matches of a month window are the newest overall, because every later document is inside it.
Each document's visibility keys are index words too, so the index hands over only documents the person
may see (give or take the types with rules of their own), and the rows of the others are never read.
`search_ids` stays exact: it is for comparing databases.
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
from xietong.archive.tokens import period_tokens, query_words
from xietong.core import clock
from xietong.core.permissions import reach_of

SNIPPET_CHARS = 120
PER_PAGE = 20
RANK_WINDOW = 1000
FIRST_WINDOW_MONTHS = 2
WINDOWS_TRIED = 3  # month windows before searching every month


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


def matching(
    qs: QuerySet[SearchDocument],
    words: list[str],
    months: list[str] | None = None,
    keys: list[str] | None = None,
) -> QuerySet[SearchDocument]:
    """Documents of `qs` that contain every word, annotated with `score` (higher is better); with
    `months` (month words), only documents of one of those months; with `keys` (the searcher's
    visibility keys, SearchDocument.reach_words), only documents carrying one of them."""
    table = SearchDocument._meta.db_table
    alternatives = [group for group in (months, keys) if group]
    if connection.vendor == "sqlite":
        expression = " ".join(f'"{w}"' for w in words)  # words are [0-9a-z]+ or Chinese: nothing to escape
        for group in alternatives:
            expression += f" AND ({' OR '.join(group)})"
        return qs.extra(  # noqa: S610  (constant SQL, the words are a parameter)
            tables=["archive_search_fts"],
            where=[f"archive_search_fts.rowid = {table}.id", "archive_search_fts MATCH %s"],
            params=[expression],
            select={"score": "-bm25(archive_search_fts)"},
        )
    query = " ".join(words)
    condition = "plainto_tsquery('simple', %s)" + " && to_tsquery('simple', %s)" * len(alternatives)
    return qs.extra(  # noqa: S610  (constant SQL, the words are a parameter)
        where=[f"{table}.tsv @@ ({condition})"],
        params=[query, *(" | ".join(group) for group in alternatives)],
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
    newest = newest_matches(visible, words, _keys(user))
    capped = len(newest) > RANK_WINDOW
    newest = newest[:RANK_WINDOW]
    total = len(newest)
    found = _scored(newest, words)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    ranked = found.defer("tokens").order_by("-score", "-occurred_at", "-id")  # type: ignore[misc]
    rows = list(ranked[(page - 1) * per_page : page * per_page])
    hits = [
        Hit(row, float(row.score), snippet(row.body or row.title, words), snippet(row.title, words, width=255))  # type: ignore[attr-defined]
        for row in rows
    ]
    return SearchPage(text, words, total, page, pages, hits, capped)


def _scored(ids: list[int], words: list[str]) -> QuerySet[SearchDocument]:
    """The documents with these ids (all of them matches), annotated with `score`. A list, not a
    subquery: the raw full-text SQL names the table, which a subquery would alias. SQLite's bm25 needs
    the MATCH; PostgreSQL only scores, with one array parameter instead of a thousand placeholders, and
    without asking the GIN index again (for a common word that alone would read a huge posting list)."""
    if connection.vendor == "sqlite":
        return matching(SearchDocument.objects.filter(pk__in=ids), words)
    table = SearchDocument._meta.db_table
    return SearchDocument.objects.extra(  # noqa: S610  (constant SQL, ids and words are parameters)
        where=[f"{table}.id = ANY(%s)"],
        params=[ids],
        select={"score": f"ts_rank({table}.tsv, plainto_tsquery('simple', %s))"},
        select_params=[" ".join(words)],
    )


def _keys(user) -> list[str] | None:
    reach = reach_of(user)
    return SearchDocument.reach_words(reach) if reach is not None else None


def newest_matches(visible: QuerySet[SearchDocument], words: list[str], keys: list[str] | None = None) -> list[int]:
    """The ids of the RANK_WINDOW + 1 most recent matches (fewer if fewer match), newest first.

    PostgreSQL looks in the last FIRST_WINDOW_MONTHS months first; when they hold too few matches, the
    next window is sized by how many they held (at 300 matches in 2 months, 1,001 need about 9), and
    after WINDOWS_TRIED windows every month is searched."""
    wanted = RANK_WINDOW + 1

    def newest(months: list[str] | None) -> list[int]:
        found = matching(visible, words, months, keys).order_by("-occurred_at", "-id")
        return list(found.values_list("pk", flat=True)[:wanted])

    if connection.vendor == "postgresql":
        now = clock.now()
        months = FIRST_WINDOW_MONTHS
        for _ in range(WINDOWS_TRIED):
            ids = newest(period_tokens(now, months))
            if len(ids) == wanted:
                return ids
            per_month = len(ids) / months
            months = max(months * 2, math.ceil(1.25 * wanted / per_month)) if per_month else months * 8
            if months >= _months_since_oldest(now):
                break  # the next window would hold every document anyway
    return newest(None)


def _months_since_oldest(now: dt.datetime) -> int:
    oldest = SearchDocument.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    if oldest is None:
        return 0
    now, oldest = now.astimezone(dt.UTC), oldest.astimezone(dt.UTC)  # month words are UTC months
    return (now.year - oldest.year) * 12 + now.month - oldest.month + 1


def search_ids(
    user, text: str, filters: SearchFilters | None = None, *, keys: bool = True
) -> set[tuple[str, int, str, int]]:
    """Every match as (subject_type, subject_id, kind, source_id): for comparing the two databases, and
    (keys=False) the index's visibility keys with the permission filter alone."""
    words = query_words(text)
    if not words:
        return set()
    visible = (filters or SearchFilters()).apply(SearchDocument.objects.restrict(user))
    found = matching(visible, words, keys=_keys(user) if keys else None)
    return set(found.values_list("subject_type", "subject_id", "kind", "source_id"))


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
