"""What the start form of a designed process shows for each field: the input's HTML name (as schema.py reads
them back), what was typed (kept after a refusal), the error at that input, and the choices. The template
designer/_item_fields.html draws them; static/designer/widgets.js makes them easier to fill (and
static/js/people-picker.js the person fields)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from xietong.designer.schema import Definition, Field
from xietong.org.models import Department, Project
from xietong.org.people_search import people_options

DEFAULT_TABLE_ROWS = 1
SPARE_LINES = 2  # empty lines for a browser without JavaScript (widgets.js removes them; empty lines are dropped)


@dataclass
class Cell:
    column: Field
    name: str
    value: Any
    error: str = ""


@dataclass
class Line:
    n: int
    cells: list[Cell]


@dataclass
class Widget:
    field: Field
    name: str
    value: Any
    error: str = ""
    choices: list[tuple[str, str]] = dataclass_field(default_factory=list)
    lines: list[Line] = dataclass_field(default_factory=list)
    spares: list[Line] = dataclass_field(default_factory=list)
    blank: Line | None = None
    sums: list[str] = dataclass_field(default_factory=list)  # keys of the columns summed in the table's foot
    people: list[dict[str, Any]] = dataclass_field(
        default_factory=list
    )  # a person field's chosen, as its picker shows them
    # A range counted in working days: one "1"/"0" a day from `workdays_from`, on the person's calendar, so
    # that the form counts as the server will (holidays out, 调休 in).
    workdays: str = ""
    workdays_from: str = ""

    @property
    def kind(self) -> str:
        return self.field.type

    @property
    def values(self) -> list[str]:
        """A multi-valued field's values as text (to mark the chosen options)."""
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        return [] if self.value in (None, "") else [str(self.value)]

    @property
    def joined(self) -> str:
        return ",".join(self.values)

    @property
    def start(self) -> str:
        return str((self.value or {}).get("start") or "") if isinstance(self.value, dict) else ""

    @property
    def end(self) -> str:
        return str((self.value or {}).get("end") or "") if isinstance(self.value, dict) else ""


def _choices(kind: str, user: Any) -> list[tuple[str, str]]:
    if kind in ("department", "departments"):
        return [(str(d.pk), d.name) for d in Department.objects.order_by("sort_order", "pk")]
    if kind == "project":
        projects = Project.objects.restrict(user).filter(status="active").order_by("name")  # type: ignore[attr-defined]
        return [(str(p.pk), p.name) for p in projects]
    return []


def _line(table: Field, n: int | str, row: dict[str, Any], errors: dict[str, str]) -> Line:
    cells = []
    for column in table.columns:
        name = f"f_{table.key}-{n}-{column.key}"
        cells.append(Cell(column, name, row.get(column.key, ""), errors.get(name, "")))
    return Line(n if isinstance(n, int) else -1, cells)


def _initial(item_field: Field) -> Any:
    default = item_field.default
    if item_field.type == "table":
        return [{} for _ in range(DEFAULT_TABLE_ROWS)]
    if item_field.type in ("multichoice",) and default not in (None, ""):
        return default if isinstance(default, list) else [default]
    return "" if default is None else default


def item_widgets(
    definition: Definition, raw: dict[str, Any] | None, errors: dict[str, str] | None, user: Any
) -> list[Widget]:
    """One widget per field, holding `raw` (what was sent, see schema.raw_from_post) or the defaults."""
    errors = errors or {}
    widgets = []
    for item_field in definition.fields:
        name = f"f_{item_field.key}"
        value = raw.get(item_field.key) if raw is not None else _initial(item_field)
        widget = Widget(item_field, name, value, errors.get(name, ""), _choices(item_field.type, user))
        if item_field.type in ("person", "people"):  # the picker asks the server for the others
            widget.people = people_options(user, ids=[int(v) for v in widget.values if v.isdigit()])
        if item_field.type in ("choice", "multichoice"):
            widget.choices = [(option, option) for option in item_field.options]
        if item_field.type == "daterange" and item_field.count == "working_days" and user is not None:
            widget.workdays_from, widget.workdays = _workday_flags(user)
        if item_field.type == "table":
            rows = value if isinstance(value, list) and value else [{}]
            widget.lines = [_line(item_field, n, row or {}, errors) for n, row in enumerate(rows)]
            widget.spares = [_line(item_field, n, {}, {}) for n in range(len(rows), len(rows) + SPARE_LINES)]
            widget.blank = _line(item_field, "__N__", {}, {})
            widget.sums = [c.key for c in item_field.columns if c.type in ("money", "number")]
        widgets.append(widget)
    return widgets


WORKDAYS_BEFORE, WORKDAYS_AFTER = 62, 400  # the days around today the form counts itself (beyond: on submit)


def _workday_flags(user: Any) -> tuple[str, str]:
    """From two months back to 400 days ahead: the first day and a "1"/"0" a day, on `user`'s calendar."""
    from xietong.core import clock
    from xietong.workcal.selectors import clock_calendar, engine_for

    engine = engine_for(clock_calendar(owner=user, department=getattr(user, "department", None), project=None))
    first = clock.local(clock.now()).date() - dt.timedelta(days=WORKDAYS_BEFORE)
    last = first + dt.timedelta(days=WORKDAYS_BEFORE + WORKDAYS_AFTER)
    working = set(engine.working_days(first, last))
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return first.isoformat(), "".join("1" if day in working else "0" for day in days)
