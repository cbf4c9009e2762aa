"""The designer's form in the browser ↔ the definition document (see DESIGNER.md).

The editor is one plain HTML form: every field of the process form is a row named f<N>_…, its table columns
f<N>_c<M>_…, every step s<N>_…. Rows are read in the order the browser sends them (the order they stand on
the page), so moving a row needs no renumbering. Nothing here trusts the browser: the document this builds
is validated by the schema before it is saved or published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

FIELD_TYPES = (
    ("text", _("单行文本")),
    ("textarea", _("多行文本")),
    ("number", _("数字")),
    ("money", _("金额（¥）")),
    ("date", _("日期")),
    ("datetime", _("日期时间")),
    ("daterange", _("日期区间")),
    ("choice", _("单选")),
    ("multichoice", _("多选")),
    ("person", _("人员")),
    ("people", _("多个人员")),
    ("department", _("部门")),
    ("departments", _("多个部门")),
    ("project", _("项目")),
    ("attachment", _("附件")),
    ("attachments", _("多个附件")),
    ("table", _("明细表")),
)
# A detail table's columns hold plain values only (no nested table, no files).
COLUMN_TYPES = tuple(t for t in FIELD_TYPES if t[0] not in ("table", "attachment", "attachments", "daterange"))
NUMERIC = ("number", "money")
WITH_OPTIONS = ("choice", "multichoice")

STEP_KINDS = (("approval", _("审批")), ("handle", _("办理")), ("cc", _("抄送")))
APPROVER_TYPES = (
    ("manager", _("直属上级")),
    ("department_head", _("部门负责人")),
    ("division_leader", _("分管领导")),
    ("general_manager", _("总经理")),
    ("chain", _("逐级审批")),
    ("role", _("角色")),
    ("group", _("审批组")),
    ("people", _("指定人员")),
    ("field", _("表单中的人员字段")),
    ("chooser", _("发起人自选")),
)
CHAIN_UNTIL = (("", _("按层数")), ("division_leader", _("直到分管领导")), ("general_manager", _("直到总经理")))
ROLES = (
    ("department_head", _("部门负责人")),
    ("division_leader", _("分管领导")),
    ("general_manager", _("总经理")),
    ("coordinator", _("协调人（综合管理部）")),
)
MODES = (("all", _("会签（全部同意）")), ("any", _("或签（一人同意）")), ("sequential", _("依次审批")))
OPS = (
    (">", ">"),
    (">=", "≥"),
    ("<", "<"),
    ("<=", "≤"),
    ("==", "="),
    ("!=", "≠"),
    ("in", _("属于")),
    ("contains", _("包含")),
    ("empty", _("为空")),
)
VISIBILITY = (
    ("participants", _("仅参与人")),
    ("department", _("发起人所在部门")),
    ("everyone", _("全公司")),
)
# A limit as a number and a unit: the unit says both the duration's letter and how time is counted.
LIMIT_UNITS = (
    ("wh", _("工作小时")),
    ("wd", _("工作日")),
    ("h", _("小时")),
    ("d", _("天")),
    ("m", _("分钟")),
)
UNIT_PARTS = {
    "wh": ("h", "working"),
    "wd": ("d", "working"),
    "h": ("h", "elapsed"),
    "d": ("d", "elapsed"),
    "m": ("m", "elapsed"),
}
REMIND_UNITS = (("h", _("小时")), ("m", _("分钟")), ("d", _("天")))
DAY_COUNTS = (("", _("不计天数")), ("working_days", _("计工作日")), ("days", _("计自然日")))
EARLIEST_UNITS = (
    ("working_days", _("个工作日")),
    ("working_hours", _("个工作小时")),
    ("days", _("天")),
    ("hours", _("小时")),
)
ON_TIMEOUT = (
    ("remind", _("仅提醒")),
    ("escalate", _("升级")),
    ("approve", _("自动同意")),
    ("return", _("退回")),
)

_ROW = re.compile(r"^([fs])(\d+)_")
_COLUMN = re.compile(r"^f(\d+)_c(\d+)_")
_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_CITATION = ("clause", "source", "article", "also")  # 依据（原文）、依据文件、条款、另见
# A rule's inputs (s<N>_r<K>_…) are named apart from the step's own, so that no name of one ends as the other's.
_RULE_CITATION = {"clause": "basis", "source": "document", "article": "article_no", "also": "see_also"}


def _text(data: Any, name: str) -> str:
    return str(data.get(name, "") or "").strip()


def _checked(data: Any, name: str) -> bool:
    return data.get(name) in ("on", "1", "true", "True")


def _number(raw: str) -> int | float | str:
    """A number typed into the form; what is not a number stays text so that the schema names it."""
    if raw == "":
        return raw
    try:
        value = Decimal(raw.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return raw
    return int(value) if value == value.to_integral_value() else float(value)


def _lines(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n,，、]", raw) if part.strip()]


def _usernames(data: Any, name: str) -> list[str]:
    """The people picker sends one username per value (a file or an old form may join several by commas)."""
    sent = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
    out: list[str] = []
    for raw in sent:
        out += [u for u in _lines(str(raw or "")) if u not in out]
    return out


def _row_ids(data: Any, pattern: re.Pattern[str], prefix: str | None = None) -> list[str]:
    """Row numbers in the order their inputs arrive (their order on the page), each once."""
    seen: list[str] = []
    for name in data:
        match = pattern.match(name)
        if not match:
            continue
        if pattern is _ROW:
            if match.group(1) != prefix or _COLUMN.match(name):
                continue
            row = match.group(2)
        else:
            if match.group(1) != prefix:
                continue
            row = match.group(2)
        if row not in seen:
            seen.append(row)
    return seen


def _typed(kind: str, raw: str) -> Any:
    return _number(raw) if kind in NUMERIC else raw


def _field_options(data: Any, p: str, kind: str, out: dict[str, Any]) -> None:
    for name in ("min", "max"):
        raw = _text(data, f"{p}{name}")
        if raw != "" and (kind in NUMERIC or kind == "table"):
            out[name] = _number(raw)
    raw = _text(data, f"{p}max_length")
    if raw != "" and kind in ("text", "textarea"):
        out["max_length"] = _number(raw)
    if kind in WITH_OPTIONS:
        out["options"] = _lines(_text(data, f"{p}options"))
    default = _text(data, f"{p}default")
    if default != "":
        out["default"] = _lines(default) if kind == "multichoice" else _typed(kind, default)


def _field(data: Any, row: str) -> dict[str, Any]:
    p = f"f{row}_"
    kind = _text(data, f"{p}type") or "text"
    out: dict[str, Any] = {"key": _text(data, f"{p}key"), "label": _text(data, f"{p}label"), "type": kind}
    if _checked(data, f"{p}required"):
        out["required"] = True
    help_text = _text(data, f"{p}help")
    if help_text:
        out["help"] = help_text
    _field_options(data, p, kind, out)
    count = _text(data, f"{p}count")
    if kind == "daterange" and count:
        out["count"] = count
    formula = _text(data, f"{p}formula")
    if formula:
        out["formula"] = formula
    after = _text(data, f"{p}earliest_n")
    if after and kind in ("date", "datetime"):  # 最早：提交后 N 单位, with the clause it comes from
        out["earliest"] = {"after": _number(after), "unit": _text(data, f"{p}earliest_unit") or "working_days"}
        for name in _CITATION:
            if value := _text(data, f"{p}earliest_{name}"):
                out["earliest"][name] = value
    if kind == "table":
        columns = []
        for column in _row_ids(data, _COLUMN, prefix=row):
            c = f"f{row}_c{column}_"
            ckind = _text(data, f"{c}type") or "text"
            col: dict[str, Any] = {"key": _text(data, f"{c}key"), "label": _text(data, f"{c}label"), "type": ckind}
            if _checked(data, f"{c}required"):
                col["required"] = True
            _field_options(data, c, ckind, col)
            columns.append(col)
        out["columns"] = columns
    return out


def _duration(data: Any, p: str, units: dict[str, tuple[str, str]] | None = None) -> tuple[str, str] | None:
    raw = _text(data, f"{p}n")
    if raw == "":
        return None
    unit = _text(data, f"{p}unit")
    letter, mode = (units or UNIT_PARTS).get(unit, (unit, "elapsed"))
    return f"{raw}{letter}", mode


def _approvers(data: Any, p: str) -> dict[str, Any]:
    kind = _text(data, f"{p}approver") or "manager"
    if kind == "group":
        return {"type": "role", "group": _text(data, f"{p}group")}
    out: dict[str, Any] = {"type": kind}
    if kind == "chain":
        until = _text(data, f"{p}until")
        if until:
            out["until"] = until
        else:
            out["levels"] = _number(_text(data, f"{p}levels") or "1")
    elif kind == "role":
        out["role"] = _text(data, f"{p}role")
    elif kind == "people":
        out["people"] = _usernames(data, f"{p}people")
    elif kind == "field":
        out["field"] = _text(data, f"{p}field")
    return out


def _rules(data: Any, p: str) -> list[dict[str, Any]]:
    """当 <字段> <比较> <值> 时 时限 N 单位, in the order of the page; a row left empty is no rule."""
    pattern = re.compile(rf"^{re.escape(p)}r(\d+)_")
    rows: list[str] = []
    for name in data:
        match = pattern.match(name)
        if match and match.group(1) not in rows:
            rows.append(match.group(1))
    rules = []
    for row in rows:
        r = f"{p}r{row}_"
        when, limit = _condition(data, r, "if"), _duration(data, f"{r}")
        if when is None and limit is None:
            continue
        duration, mode = limit or ("", "working")
        rule: dict[str, Any] = {"when": when, "duration": duration, "mode": mode}
        if remind := _duration(data, f"{r}warn_", {k: (k, "") for k, _label in REMIND_UNITS}):
            rule["remind_before"] = remind[0]
        for name, html_name in _RULE_CITATION.items():
            if value := _text(data, f"{r}{html_name}"):
                rule[name] = value
        rules.append(rule)
    return rules


def _condition(data: Any, p: str, word: str = "when") -> dict[str, Any] | None:
    kept = _text(data, f"{p}{word}_json")  # a condition the row cannot edit (several clauses) is kept as it came
    if kept:
        import json

        try:
            parsed = json.loads(kept)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    name = _text(data, f"{p}{word}_field")
    if not name:
        return None
    op = _text(data, f"{p}{word}_op") or "=="
    raw = _text(data, f"{p}{word}_value")
    value: Any = None if op == "empty" else (_lines(raw) if op == "in" else _number(raw))
    return {"field": name, "op": op, "value": value}


def _step(data: Any, row: str) -> dict[str, Any]:
    p = f"s{row}_"
    out: dict[str, Any] = {
        "key": _text(data, f"{p}key"),
        "name": _text(data, f"{p}name"),
        "kind": _text(data, f"{p}kind") or "approval",
        "approvers": _approvers(data, p),
        "mode": _text(data, f"{p}mode") or "any",
        "when": _condition(data, p),
    }
    limit = _duration(data, f"{p}limit_")
    rules = _rules(data, p)
    if limit or rules:
        duration, mode = limit or ("", "working")
        remind = _duration(data, f"{p}remind_", {k: (k, "") for k, _label in REMIND_UNITS})
        out["limit"] = {
            "duration": duration,
            "mode": mode,
            "remind_before": remind[0] if remind else "",
            "ladder": _text(data, f"{p}ladder"),
            "on_timeout": _text(data, f"{p}timeout") or "remind",
            "clause": _text(data, f"{p}clause"),
        }
        for name in ("source", "article", "also"):  # 依据文件、条款、另见: kept only when given, as a file has them
            if value := _text(data, f"{p}{name}"):
                out["limit"][name] = value
        if rules:
            out["limit"]["rules"] = rules
    return out


def definition_from_post(data: Any) -> dict[str, Any]:
    """The definition document the editor's form describes (not yet validated)."""
    departments = data.getlist("starters_departments") if hasattr(data, "getlist") else []
    roles = data.getlist("starters_roles") if hasattr(data, "getlist") else []
    starters: dict[str, Any] = {
        "everyone": _checked(data, "starters_everyone"),
        "departments": [d for d in departments if d],
        "roles": [r for r in roles if r],
    }
    if people := _usernames(data, "starters_people"):  # only when named, as a definition file has it
        starters["people"] = people
    return {
        "key": _text(data, "key"),
        "name": _text(data, "name"),
        "prefix": _text(data, "prefix").upper(),
        "description": _text(data, "description"),
        "starters": starters,
        "visibility": _text(data, "visibility") or "participants",
        "fields": [_field(data, row) for row in _row_ids(data, _ROW, prefix="f")],
        "steps": [_step(data, row) for row in _row_ids(data, _ROW, prefix="s")],
    }


# --- The other way: a definition as the rows the editor shows ------------------------------------------


def _split_duration(text: str, mode: str) -> tuple[str, str]:
    match = _DURATION.match(text or "")
    if not match:
        return "", ""
    number, letter = match.groups()
    return number, ({"d": "wd", "h": "wh", "m": "m"}[letter] if mode == "working" else letter)


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


@dataclass
class FieldRow:
    row: str
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    columns: list[FieldRow] = field(default_factory=list)

    @property
    def default_text(self) -> str:
        return _text_of(self.data.get("default"))

    @property
    def options_text(self) -> str:
        return "\n".join(str(v) for v in self.data.get("options") or [])

    @property
    def options_inline(self) -> str:
        return "、".join(str(v) for v in self.data.get("options") or [])

    @property
    def earliest(self) -> dict[str, Any]:
        earliest = self.data.get("earliest")
        return earliest if isinstance(earliest, dict) else {}


class _Conditioned:
    """A row with a condition the editor shows as 字段 比较 值 (or keeps as written when it has several)."""

    data: dict[str, Any]

    @property
    def when(self) -> dict[str, Any]:
        when = self.data.get("when")
        return when if isinstance(when, dict) else {}

    @property
    def when_is_simple(self) -> bool:
        return not self.when or "field" in self.when

    @property
    def when_json(self) -> str:
        import json

        return "" if self.when_is_simple else json.dumps(self.when, ensure_ascii=False)

    @property
    def when_value(self) -> str:
        return _text_of(self.when.get("value"))


@dataclass
class RuleRow(_Conditioned):
    """当 <条件> 时 时限 N 单位: one of a step's limits by condition (a blank one to add another)."""

    row: str
    data: dict[str, Any]

    @property
    def limit_parts(self) -> tuple[str, str]:
        return _split_duration(self.data.get("duration", ""), self.data.get("mode", "working"))

    @property
    def remind_parts(self) -> tuple[str, str]:
        return _split_duration(self.data.get("remind_before", ""), "wall")


@dataclass
class StepRow(_Conditioned):
    row: str
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    chosen_people: list[dict[str, Any]] = field(default_factory=list)  # the named approvers, as the picker shows them

    @property
    def mode(self) -> str:
        return str(self.data.get("mode") or "any")

    @property
    def approvers(self) -> dict[str, Any]:
        return self.data.get("approvers") or {}

    @property
    def approver_choice(self) -> str:
        approvers = self.approvers
        if approvers.get("type") == "role" and approvers.get("group"):
            return "group"
        return str(approvers.get("type") or "manager")

    @property
    def people(self) -> list[str]:
        return [str(p) for p in self.approvers.get("people") or []]

    @property
    def limit(self) -> dict[str, Any]:
        return self.data.get("limit") or {}

    @property
    def rule_rows(self) -> list[RuleRow]:
        """The step's limits by condition, then a blank row to add one (an empty row is not kept)."""
        rules = [r for r in self.limit.get("rules") or [] if isinstance(r, dict)]
        return [RuleRow(str(n), rule) for n, rule in enumerate(rules)] + [RuleRow(str(len(rules)), {})]

    @property
    def limit_parts(self) -> tuple[str, str]:
        return _split_duration(self.limit.get("duration", ""), self.limit.get("mode", "working"))

    @property
    def remind_parts(self) -> tuple[str, str]:
        number, unit = _split_duration(self.limit.get("remind_before", ""), "wall")
        return number, unit


def editor_rows(definition: dict[str, Any]) -> tuple[list[FieldRow], list[StepRow]]:
    fields = []
    for i, spec in enumerate(definition.get("fields") or []):
        row = FieldRow(str(i), spec)
        row.columns = [FieldRow(str(j), col) for j, col in enumerate(spec.get("columns") or [])]
        fields.append(row)
    steps = [StepRow(str(i), spec) for i, spec in enumerate(definition.get("steps") or [])]
    return fields, steps


_PLACE = re.compile(r"^(fields|steps)[.\[](\d+|[\w-]+)\]?(?:[.\[](columns)[.\[](\d+)\]?)?")


def place_errors(
    definition: dict[str, Any], errors: dict[str, Any], fields: list[FieldRow], steps: list[StepRow]
) -> list[str]:
    """Put each of the schema's reasons on the row it concerns ("steps.2.approvers", "steps[gm]", "fields.0");
    returns what concerns the definition as a whole (name, prefix, …) as "label: reason"."""
    general: list[str] = []
    by_key: dict[str, dict[Any, FieldRow | StepRow]] = {
        "fields": {r.data.get("key"): r for r in fields},
        "steps": {r.data.get("key"): r for r in steps},
    }
    rows: dict[str, list[FieldRow] | list[StepRow]] = {"fields": fields, "steps": steps}
    for place, reasons in errors.items():
        messages = [str(m) for m in (reasons if isinstance(reasons, list | tuple) else [reasons])]
        match = _PLACE.match(str(place))
        target: FieldRow | StepRow | None = None
        if match:
            kind, index = match.group(1), match.group(2)
            if index.isdigit() and int(index) < len(rows[kind]):
                target = rows[kind][int(index)]
            else:
                target = by_key[kind].get(index)
        if match and match.group(3) and isinstance(target, FieldRow) and int(match.group(4)) < len(target.columns):
            target = target.columns[int(match.group(4))]
        if target is None:
            general += messages
        else:
            target.errors += messages
    return general
