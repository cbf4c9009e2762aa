"""The designer's form in the browser ↔ the definition document (see DESIGNER.md).

The editor is one plain HTML form: every field of the process form is a row named f<N>_…, its table columns
f<N>_c<M>_…, every step s<N>_…. Rows are read in the order the browser sends them (the order they stand on
the page), so moving a row needs no renumbering. Nothing here trusts the browser: the document this builds
is validated by the schema before it is saved or published.

What cannot be read as the number an input asks for (「两天」 as a time limit, 「abc」 as a minimum) is a problem of
the form, not of the definition: `read_editor` names it in the editor's words at that input's path, and the
document keeps the text as typed so that the page shows it again (nothing such is ever saved).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from xietong.workcal.engine import parse_duration

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
REMIND_LETTERS = {k: (k, "") for k, _label in REMIND_UNITS}
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
_DURATIONS = re.compile(r"^(\s*\d+\s*[dhm]\s*)+$")  # "1d4h" from a file: a duration, not something typed
_TYPED = re.compile(r"^(.+?)([dhm]?)$", re.S)  # what was typed (not a number) and the unit's letter after it
Problems = dict[str, Any]  # a schema path → the editor's reason
_CITATION = ("clause", "source", "article", "also")  # 依据（原文）、依据文件、条款、另见
# A rule's inputs (s<N>_r<K>_…) are named apart from the step's own, so that no name of one ends as the other's.
_RULE_CITATION = {"clause": "basis", "source": "document", "article": "article_no", "also": "see_also"}


def _text(data: Any, name: str) -> str:
    return str(data.get(name, "") or "").strip()


def _checked(data: Any, name: str) -> bool:
    return data.get(name) in ("on", "1", "true", "True")


# What an input must hold, said as its label says it (每条 a plain sentence shown under that input).
DURATION_WHOLE = _("%(what)s应为大于 0 的整数，例如 1 或 2")
DURATION_FRACTION = _("%(what)s应为整数：不足 1 个单位时请换小一级的单位，例如 0.5 小时写作 30 分钟")
DURATION_LONG = _("%(what)s过长（最多约 10 年）")
DURATION_PARTS = _("%(what)s“%(typed)s”含多个单位，请换算为一个单位填写，例如 2 个工作日或 12 个工作小时")
LONGEST = {"d": 3660, "h": 3660 * 24, "m": 3660 * 24 * 60}  # as the clocks count (workcal.engine.parse_duration)
NUMBER = _("%(what)s应为数字，例如 0 或 12.5")
ROW_COUNT = _("%(what)s应为不小于 0 的整数，例如 1 或 20")
MAX_LENGTH = _("最多字数应为大于 0 的整数，例如 200")
LEVELS = _("逐级层数应为 1–3 的整数")
EARLIEST = _("“最早：提交后”应为 1–365 的整数，例如 3")
WHAT = {
    "limit": _("时长"),
    "remind": _("到期前提醒"),
    "min": _("最小值"),
    "max": _("最大值"),
    "table_min": _("最少行数"),
    "table_max": _("最多行数"),
    "default": _("默认值"),
}


def _number(raw: str) -> int | float | str:
    """A number typed into the form; what is not a number stays text so that the schema names it."""
    if raw == "":
        return raw
    try:
        value = Decimal(raw.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return raw
    if not value.is_finite():  # "Infinity", "NaN": not a number anyone means
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


def _whole(value: Any, low: int, high: int | None = None) -> bool:
    return isinstance(value, int) and value >= low and (high is None or value <= high)


def _field_options(data: Any, p: str, kind: str, out: dict[str, Any], problems: Problems, path: str) -> None:
    for name in ("min", "max"):
        raw = _text(data, f"{p}{name}")
        if raw != "" and (kind in NUMERIC or kind == "table"):
            out[name] = value = _number(raw)
            if kind == "table" and not _whole(value, 0):
                problems[f"{path}.{name}"] = ROW_COUNT % {"what": WHAT[f"table_{name}"]}
            elif isinstance(value, str):
                problems[f"{path}.{name}"] = NUMBER % {"what": WHAT[name]}
    raw = _text(data, f"{p}max_length")
    if raw != "" and kind in ("text", "textarea"):
        out["max_length"] = _number(raw)
        if not _whole(out["max_length"], 1):
            problems[f"{path}.max_length"] = MAX_LENGTH
    if kind in WITH_OPTIONS:
        out["options"] = _lines(_text(data, f"{p}options"))
    default = _text(data, f"{p}default")
    if default != "":
        out["default"] = _lines(default) if kind == "multichoice" else _number(default) if kind in NUMERIC else default
        if isinstance(out["default"], str) and kind in NUMERIC:
            problems[f"{path}.default"] = NUMBER % {"what": WHAT["default"]}


def _field(data: Any, row: str, problems: Problems, path: str) -> dict[str, Any]:
    p = f"f{row}_"
    kind = _text(data, f"{p}type") or "text"
    out: dict[str, Any] = {"key": _text(data, f"{p}key"), "label": _text(data, f"{p}label"), "type": kind}
    if _checked(data, f"{p}required"):
        out["required"] = True
    help_text = _text(data, f"{p}help")
    if help_text:
        out["help"] = help_text
    _field_options(data, p, kind, out, problems, path)
    count = _text(data, f"{p}count")
    if kind == "daterange" and count:
        out["count"] = count
    formula = _text(data, f"{p}formula")
    if formula:
        out["formula"] = formula
    after = _text(data, f"{p}earliest_n")
    if after and kind in ("date", "datetime"):  # 最早：提交后 N 单位, with the clause it comes from
        out["earliest"] = {"after": _number(after), "unit": _text(data, f"{p}earliest_unit") or "working_days"}
        if not _whole(out["earliest"]["after"], 1, 365):
            problems[f"{path}.earliest.after"] = EARLIEST
        for name in _CITATION:
            if value := _text(data, f"{p}earliest_{name}"):
                out["earliest"][name] = value
    if kind == "table":
        columns: list[dict[str, Any]] = []
        for column in _row_ids(data, _COLUMN, prefix=row):
            c, here = f"f{row}_c{column}_", f"{path}.columns[{len(columns)}]"
            ckind = _text(data, f"{c}type") or "text"
            col: dict[str, Any] = {"key": _text(data, f"{c}key"), "label": _text(data, f"{c}label"), "type": ckind}
            if _checked(data, f"{c}required"):
                col["required"] = True
            _field_options(data, c, ckind, col, problems, here)
            columns.append(col)
        out["columns"] = columns
    return out


def _duration(
    data: Any, p: str, problems: Problems, path: str, what: str, units: dict[str, tuple[str, str]] | None = None
) -> tuple[str, str] | None:
    """A number and its unit as a duration ("2" + 工作日 → "2d", working); what is not a whole number of units
    is a problem at `path`, its text kept as typed (with the unit's letter, so that the page shows both again)."""
    raw = _text(data, f"{p}n")
    if raw == "":
        return None
    unit = _text(data, f"{p}unit")
    letter, mode = (units or UNIT_PARTS).get(unit, (unit, "elapsed"))
    value = _number(raw)
    if _whole(value, 1, LONGEST.get(letter)):
        return f"{value}{letter}", mode
    if _DURATIONS.match(raw) and not _DURATION.match(raw):  # 1d4h as stored in a file, shown as it was
        problems[path] = DURATION_PARTS % {"what": WHAT[what], "typed": raw}
        return raw, mode
    fraction = isinstance(value, float) and value > 0
    long = isinstance(value, int) and value > 1
    problems[path] = (DURATION_FRACTION if fraction else DURATION_LONG if long else DURATION_WHOLE) % {
        "what": WHAT[what]
    }
    return f"{raw}{letter}", mode


def _approvers(data: Any, p: str, problems: Problems, path: str) -> dict[str, Any]:
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
            if not _whole(out["levels"], 1, 3):
                problems[f"{path}.levels"] = LEVELS
    elif kind == "role":
        out["role"] = _text(data, f"{p}role")
    elif kind == "people":
        out["people"] = _usernames(data, f"{p}people")
    elif kind == "field":
        out["field"] = _text(data, f"{p}field")
    return out


def _rules(data: Any, p: str, problems: Problems, path: str) -> list[dict[str, Any]]:
    """当 <字段> <比较> <值> 时 时限 N 单位, in the order of the page; a row left empty is no rule."""
    pattern = re.compile(rf"^{re.escape(p)}r(\d+)_")
    rows: list[str] = []
    for name in data:
        match = pattern.match(name)
        if match and match.group(1) not in rows:
            rows.append(match.group(1))
    rules: list[dict[str, Any]] = []
    for row in rows:
        r, here = f"{p}r{row}_", f"{path}[{len(rules)}]"  # the rule's place among those kept
        found: Problems = {}
        when, limit = _condition(data, r, "if"), _duration(data, f"{r}", found, f"{here}.duration", "limit")
        if when is None and limit is None:
            continue
        duration, mode = limit or ("", "working")
        rule: dict[str, Any] = {"when": when, "duration": duration, "mode": mode}
        if remind := _duration(data, f"{r}warn_", found, f"{here}.remind_before", "remind", REMIND_LETTERS):
            rule["remind_before"] = remind[0]
        problems.update(found)
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


def _step(data: Any, row: str, problems: Problems, path: str) -> dict[str, Any]:
    p = f"s{row}_"
    out: dict[str, Any] = {
        "key": _text(data, f"{p}key"),
        "name": _text(data, f"{p}name"),
        "kind": _text(data, f"{p}kind") or "approval",
        "approvers": _approvers(data, p, problems, f"{path}.approvers"),
        "mode": _text(data, f"{p}mode") or "any",
        "when": _condition(data, p),
    }
    limit = _duration(data, f"{p}limit_", problems, f"{path}.limit.duration", "limit")
    rules = _rules(data, p, problems, f"{path}.limit.rules")
    before = _text(data, f"{p}limit_from")  # 起算：收到任务时 (empty) / 在某日期字段之前 (its key)
    if limit or rules or before:
        duration, mode = limit or ("", "working")
        remind = _duration(data, f"{p}remind_", problems, f"{path}.limit.remind_before", "remind", REMIND_LETTERS)
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
        if before:  # only when chosen, as a definition file has it
            out["limit"]["before_field"] = before
    return out


@dataclass
class EditorForm:
    """What the editor's form sent: the definition document it describes (not yet validated), and the inputs
    that do not hold what they ask for, in the editor's own words, by the schema's paths (steps[0].limit.duration)."""

    document: dict[str, Any]
    problems: Problems


def definition_from_post(data: Any) -> dict[str, Any]:
    """The definition document the editor's form describes (not yet validated)."""
    return read_editor(data).document


def read_editor(data: Any) -> EditorForm:
    departments = data.getlist("starters_departments") if hasattr(data, "getlist") else []
    roles = data.getlist("starters_roles") if hasattr(data, "getlist") else []
    starters: dict[str, Any] = {
        "everyone": _checked(data, "starters_everyone"),
        "departments": [d for d in departments if d],
        "roles": [r for r in roles if r],
    }
    if people := _usernames(data, "starters_people"):  # only when named, as a definition file has it
        starters["people"] = people
    problems: Problems = {}
    document = {
        "key": _text(data, "key"),
        "name": _text(data, "name"),
        "prefix": _text(data, "prefix").upper(),
        "description": _text(data, "description"),
        "starters": starters,
        "visibility": _text(data, "visibility") or "participants",
        "fields": [_field(data, row, problems, f"fields[{n}]") for n, row in enumerate(_row_ids(data, _ROW, "f"))],
        "steps": [_step(data, row, problems, f"steps[{n}]") for n, row in enumerate(_row_ids(data, _ROW, "s"))],
    }
    return EditorForm(document, problems)


# --- The other way: a definition as the rows the editor shows ------------------------------------------


def _split_duration(text: str, mode: str) -> tuple[str, str]:
    match = _DURATION.match(text or "")
    if match:
        number, letter = match.groups()
    elif text and _DURATIONS.match(text):
        # Several units from a file ("1d4h"): in one unit when that is exact, else shown as stored, so that
        # saving asks for one unit at the field instead of dropping the limit.
        number, letter = _in_one_unit(text, mode) or (text.strip(), "d")
    elif text and (typed := _TYPED.match(text)):
        number, letter = typed.groups()  # not a number (refused, never saved): shown again as it was typed
    else:
        return "", ""
    if not letter:
        return number, ""
    return number, ({"d": "wd", "h": "wh", "m": "m"}[letter] if mode == "working" else letter)


def _in_one_unit(text: str, mode: str) -> tuple[str, str] | None:
    """A duration of several units as a number of one unit, when that is exact: 1d4h elapsed is 28 小时,
    1h30m elapsed 90 分钟, 4h working 4 个工作小时; a working day with hours (1d4h working) is not."""
    try:
        duration = parse_duration(text)
    except ValueError:
        return None
    if mode != "working":
        minutes = duration.days * 24 * 60 + duration.minutes
        return (str(minutes // 60), "h") if minutes % 60 == 0 else (str(minutes), "m")
    if duration.days == 0 and duration.minutes % 60 == 0:
        return str(duration.minutes // 60), "h"
    return None


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
    input_errors: dict[str, list[str]] = field(default_factory=dict)  # an input's name (min) → its reasons

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.input_errors)

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
    input_errors: dict[str, list[str]] = field(default_factory=dict)  # "n" (时限), "warn_n" (到期前提醒)

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
    input_errors: dict[str, list[str]] = field(default_factory=dict)  # limit_n, remind_n, levels, r0_n, r0_warn_n …
    before_field_listed: bool = False  # the 起算 field is one of the form's date fields (else kept as typed)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.input_errors)

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
        rows = [RuleRow(str(n), rule) for n, rule in enumerate(rules)] + [RuleRow(str(len(rules)), {})]
        for name, reasons in self.input_errors.items():
            row, _sep, rest = name.removeprefix("r").partition("_")
            if name.startswith("r") and row.isdigit() and int(row) < len(rules):
                rows[int(row)].input_errors[rest] = reasons
        return rows

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
# A reason about one input of a row is shown under that input (its HTML name after the row's s<N>_ / f<N>_).
_FIELD_INPUTS = {
    "min": "min",
    "max": "max",
    "max_length": "max_length",
    "default": "default",
    "earliest.after": "earliest_n",
}
_STEP_INPUTS = {
    "limit.duration": "limit_n",
    "limit.remind_before": "remind_n",
    "limit.before_field": "limit_from",  # 起算：在某日期字段之前
    "approvers.levels": "levels",
}
_RULE_INPUT = re.compile(r"^limit\.rules[.\[](\d+)\]?\.(duration|remind_before)$")


def _input_of(row: FieldRow | StepRow, rest: str) -> str | None:
    """The input of `row` a reason at the rest of its path concerns ("limit.duration" → limit_n), if one."""
    if isinstance(row, FieldRow):
        return _FIELD_INPUTS.get(rest)
    if rule := _RULE_INPUT.match(rest):
        return f"r{rule.group(1)}_" + ("n" if rule.group(2) == "duration" else "warn_n")
    return _STEP_INPUTS.get(rest)


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
        rest = str(place)[match.end() :].lstrip(".") if match else ""
        if match and match.group(3):
            if isinstance(target, FieldRow) and int(match.group(4)) < len(target.columns):
                target = target.columns[int(match.group(4))]
            else:
                rest = ""  # a column no longer there: the reason stays on its row
        if target is None:
            general += messages
            continue
        name = _input_of(target, rest) if rest else None
        if name is not None:
            target.input_errors.setdefault(name, []).extend(messages)
        else:
            target.errors += messages
    return general
