"""Which addresses may become links people click: web addresses (http, https) with a host, and paths of this
site. Never another scheme (javascript:, data:) and never a protocol-relative //host, which the browser reads
as another site with the page's scheme (//evil.example)."""

from __future__ import annotations

from urllib.parse import urlsplit


def link_is_safe(url: str, *, schemes: frozenset[str] | set[str] = frozenset({"http", "https"})) -> bool:
    url = (url or "").strip()
    if not url or any(c in url for c in "\\\t\r\n\0") or any(ord(c) < 32 for c in url):
        return False
    if url.startswith("/"):
        return not url.startswith("//")
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in schemes:
        return False
    return bool(parts.netloc) if parts.scheme.lower() in ("http", "https") else bool(parts.path)
