"""Rich text of notices: an allow-list of tags kept, everything else (scripts, event handlers,
javascript: links, styles) removed. Applied when saving and again when rendering."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from xietong.core.links import link_is_safe

TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "h3", "h4", "blockquote",
    "a", "table", "thead", "tbody", "tr", "th", "td", "hr", "span",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[a-zA-Z/!]")


def sanitize(text: str) -> str:
    """Safe HTML from what a person typed: plain text becomes paragraphs; HTML keeps the allowed tags."""
    text = (text or "").strip()
    if not text:
        return ""
    if not _TAG.search(text):
        return linebreaks(escape(text))
    return nh3.clean(
        text,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=_safe_href,
    )


def _safe_href(tag: str, attribute: str, value: str) -> str | None:
    """nh3 lets a scheme-less //evil.example through as a relative link: only safe links keep their href."""
    if tag == "a" and attribute == "href" and not link_is_safe(value, schemes=URL_SCHEMES):
        return None
    return value


def render(stored: str) -> SafeString:
    """What a page shows: sanitised again, so a row written around the service is still harmless."""
    return mark_safe(sanitize(stored))  # noqa: S308 (sanitised by nh3 with an allow-list just above)


def plain_text(stored: str, limit: int = 500) -> str:
    """The text alone, for inbox lines, robots and exports."""
    text = nh3.clean(re.sub(r"</(p|li|h3|h4|tr|blockquote)>|<br\s*/?>", "\n", stored or ""), tags=set())
    text = html.unescape(text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
