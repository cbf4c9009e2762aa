"""Charts as server-rendered SVG (no JavaScript, no build step). Every bar links to its drill-down."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from xietong.workcal.spans import hours_words

COLORS = {"ok": "#15803d", "warn": "#b45309", "late": "#b91c1c", "info": "#1d4ed8", "muted": "#9ca3af"}
SERIES = ("#1d4ed8", "#0e7490", "#b45309")
FONT = 'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"'


@dataclass
class Bar:
    label: str
    value: float | None
    href: str = ""
    tone: str = "info"
    text: str = ""  # shown at the bar's end; default: the value


def _link(href: str, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def rate_tone(rate: float | None) -> str:
    if rate is None:
        return "muted"
    return "ok" if rate >= 90 else "warn" if rate >= 70 else "late"


def bar_chart(bars: list[Bar], *, maximum: float | None = None, unit: str = "", title: str = "") -> SafeString:
    """Horizontal bars, one per line, label on the left, value at the end."""
    if not bars:
        return mark_safe("")
    label_w, bar_w, row_h = 150, 360, 28
    top = 8
    peak = maximum or max((b.value or 0) for b in bars) or 1
    height = top + row_h * len(bars) + 8
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {label_w + bar_w + 90} {height}" '
        f'width="100%" aria-label="{escape(title)}" {FONT} font-size="13">'
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        length = 0 if bar.value is None else max(2, bar_w * min(bar.value, peak) / peak)
        text = bar.text or ("—" if bar.value is None else f"{bar.value:g}{unit}")
        tooltip = escape(_("%(label)s：%(value)s") % {"label": bar.label, "value": text})
        inner = (
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="#374151">{escape(bar.label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" fill="#f3f4f6" rx="3"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="18" fill="{COLORS.get(bar.tone, COLORS["info"])}" rx="3">'
            f"<title>{tooltip}</title></rect>"
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}" fill="#111827">{escape(text)}</text>'
        )
        parts.append(_link(bar.href, inner))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text escaped above)


@dataclass
class ResponseBar:
    label: str
    median: float | None
    p90: float | None
    limit: float | None
    href: str = ""


def response_chart(rows: list[ResponseBar], *, title: str = "") -> SafeString:
    """Median (bar) and 90th percentile (dark tick) of response time against the limit (dashed line)."""
    if not rows:
        return mark_safe("")
    label_w, bar_w, row_h, top = 150, 360, 34, 24
    peak = max(max(r.median or 0, r.p90 or 0, r.limit or 0) for r in rows) or 1
    scale = bar_w / (peak * 1.1)
    height = top + row_h * len(rows) + 8
    legend_median, legend_p90, legend_limit = escape(_("中位数")), escape(_("90分位")), escape(_("时限"))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {label_w + bar_w + 150} {height}" width="100%" '
        f'aria-label="{escape(title)}" {FONT} font-size="13">',
        f'<g font-size="12" fill="#6b7280"><rect x="{label_w}" y="4" width="12" height="10" fill="#60a5fa"/>'
        f'<text x="{label_w + 16}" y="13">{legend_median}</text>'
        f'<rect x="{label_w + 70}" y="3" width="3" height="12" fill="#1e3a8a"/>'
        f'<text x="{label_w + 78}" y="13">{legend_p90}</text>'
        f'<line x1="{label_w + 140}" y1="9" x2="{label_w + 160}" y2="9" '
        f'stroke="#b91c1c" stroke-dasharray="4 2" stroke-width="2"/><text x="{label_w + 164}" y="13">{legend_limit}</text></g>',
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        median_w = (r.median or 0) * scale
        median_title = _("中位数 %(h)s 小时") % {"h": r.median}
        over = r.limit is not None and r.median is not None and r.median > r.limit
        inner = (
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" fill="#374151">{escape(r.label)}</text>'
            f'<rect x="{label_w}" y="{y + 6}" width="{max(2, median_w):.1f}" height="16" '
            f'fill="{"#f87171" if over else "#60a5fa"}" rx="3"><title>{escape(r.label)} {escape(median_title)}</title></rect>'
        )
        if r.p90 is not None:
            x = label_w + r.p90 * scale
            p90_title = escape(_("90分位 %(h)s 小时") % {"h": r.p90})
            inner += f'<rect x="{x - 1.5:.1f}" y="{y + 3}" width="3" height="22" fill="#1e3a8a"><title>{p90_title}</title></rect>'
        if r.limit is not None:
            x = label_w + r.limit * scale
            limit_title = escape(_("时限 %(h)s 小时") % {"h": r.limit})
            inner += (
                f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + 27}" stroke="#b91c1c" '
                f'stroke-dasharray="4 2" stroke-width="2"><title>{limit_title}</title></line>'
            )
        text = _("%(median)s / %(p90)s / 限 %(limit)s") % {
            "median": _h(r.median),
            "p90": _h(r.p90),
            "limit": _h(r.limit),
        }
        inner += f'<text x="{label_w + bar_w + 8}" y="{y + 18}" fill="#111827">{escape(text)}</text>'
        parts.append(_link(r.href, inner))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text escaped above)


def _h(value: float | None) -> str:
    return hours_words(value)


def line_chart(
    x_labels: list[str], series: list[tuple[str | Promise, list[float | None]]], *, y_max: float = 5, title: str = ""
) -> SafeString:
    """Lines over time (feedback scores 1–5 per quarter); gaps where a quarter has no value."""
    width, height, left, right, top, bottom = 560, 220, 36, 36, 28, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(x_labels) - 1)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}" {FONT} font-size="12">'
    ]
    for tick in range(int(y_max) + 1):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7280">{tick}</text>'
        )
    for i, label in enumerate(x_labels):
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle" fill="#6b7280">{escape(label)}</text>'
        )
    for s, (name, values) in enumerate(series):
        color = SERIES[s % len(SERIES)]
        points = [(left + i * step, y_of(v), v) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y, v in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{escape(name)} {v}</title></circle>'
            )
        parts.append(
            f'<rect x="{left + s * 120}" y="6" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + s * 120 + 14}" y="15" fill="#374151">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text escaped above)
