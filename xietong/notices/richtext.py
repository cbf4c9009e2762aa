"""Rich text of notices: an allow-list of tags kept, everything else (scripts, event handlers,
javascript: links, styles) removed. Applied when saving and again when rendering.

Only the editor's output is HTML (the notice form's editor sends body_format=html; the API says so the same
way). Plain text — typed without JavaScript or sent over the API — is escaped whole, never read as markup:
"<b>加粗</b>" typed as text shows those characters."""

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
# Markup is a "<" that opens a well-formed tag (a tag name, ASCII attribute names, a closing ">") or a
# comment; any other "<" is the text's own ("当 a<b 时报警") and is kept as text, never read as a tag.
_MARKUP = re.compile(
    r"""<!--.*?-->|<![A-Za-z][^<>]*>|</?[A-Za-z][A-Za-z0-9]*"""
    r"""(?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>`=]+))?)*\s*/?>""",
    re.S,
)


def _text_lt_escaped(text: str) -> str:
    """Every "<" that does not open markup becomes &lt;, so the parser cannot swallow the words after it."""
    parts, last = [], 0
    for match in _MARKUP.finditer(text):
        parts += [text[last : match.start()].replace("<", "&lt;"), match.group(0)]
        last = match.end()
    return "".join([*parts, text[last:].replace("<", "&lt;")])


TEXT, HTML = "text", "html"
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|<br\s*/?>)*</p>")
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""", re.I | re.S)


def sanitize(text: str, body_format: str = HTML) -> str:
    """Safe HTML: plain text becomes paragraphs, every character escaped (never cut at a "<"); the editor's
    HTML keeps the allowed tags, and a "<" in its text stays text."""
    text = (text or "").strip()
    if not text:
        return ""
    if body_format != HTML or not _MARKUP.search(text):
        return linebreaks(escape(text))
    cleaned = nh3.clean(
        _text_lt_escaped(text),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=_safe_href,
    )
    return _EMPTY_PARAGRAPH.sub("", cleaned)  # the editor leaves <p><br></p> after a last Enter


def _safe_href(tag: str, attribute: str, value: str) -> str | None:
    """nh3 lets a scheme-less //evil.example through as a relative link: only safe links keep their href."""
    if tag == "a" and attribute == "href" and not link_is_safe(value, schemes=URL_SCHEMES):
        return None
    return value


def unsafe_links(text: str, body_format: str = HTML) -> list[str]:
    """The links of the editor's HTML that lead nowhere safe ('//evil.example', 'javascript:…'): refused."""
    if body_format != HTML:
        return []
    found = (html.unescape(next(g for g in m.groups() if g is not None)) for m in _HREF.finditer(text or ""))
    return [href for href in found if not link_is_safe(href.strip(), schemes=URL_SCHEMES)]


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
