"""Chinese words for the index and for queries: jieba's search-mode cut, reduced to lower-case ASCII
words and runs of Chinese characters, so that SQLite FTS5 (unicode61) and PostgreSQL ('simple') read
exactly the same words from the same string."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_lock = threading.Lock()
_ready = False


def _jieba():
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _ready = True
    return jieba


def words(text: str) -> list[str]:
    """Every word of `text` as the index sees it, in order, repeats kept (they weigh in ranking)."""
    if not text:
        return []
    normalized = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for piece in _jieba().cut_for_search(normalized):
        out.extend(_WORD.findall(piece))
    return out


def index_tokens(text: str) -> str:
    return " ".join(words(text))


def query_words(text: str) -> list[str]:
    """The distinct words of a query, in order; every one must occur in a document (AND)."""
    return list(dict.fromkeys(words((text or "")[:200])))
