"""Chinese words for the index and for queries: jieba's search-mode cut (rjieba: the same dictionary and
algorithm in Rust, about 25× faster — a bulk reindex is bound by it), reduced to lower-case ASCII
words and runs of Chinese characters, so that SQLite FTS5 (unicode61) and PostgreSQL ('simple') read
exactly the same words from the same string."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

import rjieba

# Every document also carries the month it happened in as a word ("xtm202611", UTC), so the index can
# find the newest matches of a common word without reading every older one (see search.py).
PERIOD_PREFIX = "xtm"
_PERIOD = re.compile(rf"^{PERIOD_PREFIX}\d{{6}}$")
# …and the visibility keys it carries (models.SearchDocument.reach_filter) as words too: project "xtp2",
# creator "xtc16", participant "xtu16", department "xtd5", type "xttmeetingsmeeting". A search first asks
# the index for documents with one of the searcher's keys, so it no longer reads the rows of matches
# that the permission filter would then throw away.
_REACH = re.compile(r"^xt[pcudt][0-9a-z]+$")
_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def words(text: str) -> list[str]:
    """Every word of `text` as the index sees it, in order, repeats kept (they weigh in ranking)."""
    if not text:
        return []
    normalized = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for piece in rjieba.cut_for_search(normalized):
        out.extend(_WORD.findall(piece))
    return out


def index_tokens(text: str) -> str:
    return " ".join(words(text))


def period_token(moment: dt.datetime) -> str:
    """The month word of a document that happened at `moment`."""
    utc = moment.astimezone(dt.UTC)
    return f"{PERIOD_PREFIX}{utc.year:04d}{utc.month:02d}"


def period_tokens(moment: dt.datetime, months: int) -> list[str]:
    """The month words of the `months` months up to `moment`, and of the month after it (a document
    dated slightly ahead of the server's clock still belongs to the newest)."""
    utc = moment.astimezone(dt.UTC)
    index = utc.year * 12 + utc.month - 1
    return [f"{PERIOD_PREFIX}{i // 12:04d}{i % 12 + 1:02d}" for i in range(index + 1, index - months, -1)]


def type_word(subject_type: str) -> str:
    return "xtt" + re.sub(r"[^0-9a-z]", "", subject_type.lower())


def reach_words(
    *,
    subject_type: str,
    project_id: int | None,
    created_by_id: int | None,
    participants: Iterable[int],
    departments: Iterable[int],
) -> list[str]:
    """The visibility keys of a document as index words."""
    keys = [type_word(subject_type)]
    if project_id is not None:
        keys.append(f"xtp{project_id}")
    if created_by_id is not None:
        keys.append(f"xtc{created_by_id}")
    keys += [f"xtu{i}" for i in sorted(set(participants))]
    keys += [f"xtd{i}" for i in sorted(set(departments))]
    return keys


def document_tokens(text: str, moment: dt.datetime, keys: list[str]) -> str:
    """What the index stores for a document: its words, its month word, then its visibility keys."""
    return " ".join([index_tokens(text), period_token(moment), *keys]).lstrip()


def query_words(text: str) -> list[str]:
    """The distinct words of a query, in order; every one must occur in a document (AND). A month word
    or visibility key typed by hand is dropped: those are the search's own business."""
    return [w for w in dict.fromkeys(words((text or "")[:200])) if not _PERIOD.match(w) and not _REACH.match(w)]
