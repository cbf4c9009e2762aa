"""Scheduling of a breakdown as pure functions: cycles, date conflicts, the critical path, a Gantt SVG."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Node:
    id: int
    label: str
    start: dt.date
    end: dt.date
    done: bool = False


def find_cycle(edges: Mapping[int, set[int]]) -> list[int] | None:
    """A cycle in "task → its predecessors" edges, as the list of ids around it, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(edges, WHITE)
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            state = colour.get(nxt, WHITE)
            if state == GREY:
                return [*stack[stack.index(nxt) :], nxt]
            if state == WHITE:
                colour.setdefault(nxt, WHITE)
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for node in sorted(edges):
        if colour.get(node, WHITE) == WHITE:
            found = visit(node)
            if found:
                return found
    return None


def date_conflicts(nodes: Mapping[int, Node], predecessors: Mapping[int, set[int]]) -> list[tuple[int, int]]:
    """(task, predecessor) pairs where the task starts before its predecessor ends."""
    return sorted(
        (task, pred)
        for task, preds in predecessors.items()
        for pred in preds
        if task in nodes and pred in nodes and nodes[task].start <= nodes[pred].end
    )


def critical_path(
    nodes: Mapping[int, Node], predecessors: Mapping[int, set[int]], working_days: Callable[[dt.date, dt.date], int]
) -> list[int]:
    """The longest chain of dependent work (critical path method, durations in working days).

    Earliest finish = own duration + the latest earliest finish among predecessors; the path is traced
    back from the task that finishes last. Tasks on it have no slack: delaying any delays the whole.
    """
    order = _topological(nodes, predecessors)
    duration = {i: max(1, working_days(nodes[i].start, nodes[i].end)) for i in nodes}
    finish: dict[int, int] = {}
    via: dict[int, int | None] = {}
    for i in order:
        preds = [p for p in predecessors.get(i, ()) if p in nodes]
        best = max(preds, key=lambda p: (finish[p], -p), default=None)
        finish[i] = duration[i] + (finish[best] if best is not None else 0)
        via[i] = best
    if not finish:
        return []
    current: int | None = max(finish, key=lambda i: (finish[i], -i))
    path = []
    while current is not None:
        path.append(current)
        current = via[current]
    return list(reversed(path))


def _topological(nodes: Mapping[int, Node], predecessors: Mapping[int, set[int]]) -> list[int]:
    done: set[int] = set()
    order: list[int] = []

    def visit(i: int) -> None:
        if i in done:
            return
        done.add(i)
        for p in sorted(predecessors.get(i, ())):
            if p in nodes:
                visit(p)
        order.append(i)

    for i in sorted(nodes, key=lambda i: (nodes[i].start, i)):
        visit(i)
    return order


def gantt_svg(
    nodes: list[Node],
    predecessors: Mapping[int, set[int]],
    critical: set[int],
    today: dt.date,
    non_working: Callable[[dt.date], bool],
) -> str:
    """A server-rendered Gantt chart: one bar per task, arrows for dependencies, the critical path in red."""
    if not nodes:
        return ""
    first = min(n.start for n in nodes) - dt.timedelta(days=1)
    last = max(n.end for n in nodes) + dt.timedelta(days=1)
    days = (last - first).days + 1
    day_w = max(14, min(36, 900 // max(days, 1)))
    label_w, row_h, top = 220, 30, 40
    width = label_w + days * day_w + 10
    height = top + row_h * len(nodes) + 10
    rows = {n.id: i for i, n in enumerate(nodes)}
    aria_label = escape(_("甘特图"))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{aria_label}">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#64748b"/></marker></defs>',
    ]
    for d in range(days):
        day = first + dt.timedelta(days=d)
        x = label_w + d * day_w
        if non_working(day):
            out.append(f'<rect x="{x}" y="{top - 6}" width="{day_w}" height="{height - top}" fill="#f1f5f9"/>')
        if day.day == 1 or d == 0 or day.weekday() == 0:
            out.append(f'<text x="{x + 2}" y="{top - 12}" font-size="11" fill="#64748b">{day.month}/{day.day}</text>')
    if first <= today <= last:
        mark = label_w + (today - first).days * day_w + day_w / 2
        out.append(
            f'<line x1="{mark}" y1="{top - 6}" x2="{mark}" y2="{height}" stroke="#2563eb" stroke-dasharray="4 3"/>'
        )
    for n in nodes:
        y = top + rows[n.id] * row_h
        x = label_w + (n.start - first).days * day_w
        w = ((n.end - n.start).days + 1) * day_w
        colour = "#16a34a" if n.done else ("#dc2626" if n.id in critical else "#2563eb")
        out.append(f'<text x="6" y="{y + 19}" font-size="13" fill="#1f2937">{escape(n.label[:16])}</text>')
        out.append(
            f'<rect x="{x}" y="{y + 6}" width="{w}" height="{row_h - 12}" rx="4" fill="{colour}" opacity="0.85">'
            f"<title>{escape(n.label)}：{n.start:%m-%d} ~ {n.end:%m-%d}</title></rect>"
        )
    for task, preds in predecessors.items():
        for pred in preds:
            if task not in rows or pred not in rows:
                continue
            p, t = next(n for n in nodes if n.id == pred), next(n for n in nodes if n.id == task)
            x1 = label_w + ((p.end - first).days + 1) * day_w
            y1 = top + rows[pred] * row_h + row_h / 2
            x2 = label_w + (t.start - first).days * day_w
            y2 = top + rows[task] * row_h + row_h / 2
            out.append(
                f'<path d="M{x1},{y1} C{x1 + 12},{y1} {x2 - 12},{y2} {x2},{y2}" fill="none" stroke="#64748b" '
                f'stroke-width="1.5" marker-end="url(#arrow)"/>'
            )
    out.append("</svg>")
    return "".join(out)
