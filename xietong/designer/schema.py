"""A designed process's definition: one JSON (or YAML) document, parsed and checked here.

    {
      "key": "expense",                  slug (a-z, 0-9, -, _; ≤ 30): the URL /p/<key>/ and the spine Process key
      "name": "费用报销", "prefix": "BX", items are numbered BX-2026-0001
      "description": "…",
      "starters": {"everyone": true, "departments": ["dev"], "roles": ["coordinator"], "people": ["lina"]},
      "visibility": "participants",      participants | department | everyone — who may see an item
      "fields": [ … ],                   the form, in order (below)
      "steps": [ … ]                     the steps, in order (below)
    }

Fields — {"key", "label", "type", "required", "help", "default", "min", "max", "max_length", "options",
"columns" (table), "formula", "count" (daterange)}:
    text textarea number money date datetime daterange choice multichoice person people department
    departments project attachment attachments table
  - money: ¥ with two decimals; number: a decimal; min/max bound both (a table column too).
  - choice/multichoice: "options": ["差旅", "招待"]; a value outside them is refused.
  - table: "columns": [fields of the scalar types]; `min`/`max` bound the number of rows.
  - formula (number/money only, computed on the server, never taken from the browser):
    "sum(<table>.<column>)", "<a> + <b>", "<a> - <b>", "<a> * <b>" over number/money fields or numbers.
  - daterange with "count": "working_days" stores the working days in it, counted with the requester's
    working calendar (holidays and 调休 included); "count": "days" counts calendar days.
  - date/datetime with "earliest" (最早：提交后 N 个工作日 / 工作小时 / 天 / 小时), a lead time the documents set
    (提前3个工作日提交《会议申请表》): {"after": 3, "unit": "working_days" | "working_hours" | "days" | "hours",
    "clause": "the rule's words", "source": "…", "article": "…", "also": "…"}. On submit a value earlier than
    that instant — counted from now on the requester's working calendar (holidays and 调休) for the working
    units — is refused at the field, naming the earliest instant and the clause; a date field's value is
    compared by its day (a date on the earliest instant's day is in time).

Steps — {"key" (≤ 20), "name", "kind", "approvers", "mode", "when", "limit"}:
  - kind: approval (审批) | handle (办理) | cc (抄送: told when the item reaches it, nobody acts).
  - approvers.type: manager (直属上级: the requester's department head, or the head above when the
    requester is the head) | department_head | division_leader (分管领导) | general_manager |
    chain (逐级: "levels": 1–3, or "until": "division_leader" | "general_manager") |
    role ("role": "coordinator" | "general_manager" | "department_head" | "division_leader", or
    "group": an approver group's code, e.g. "finance" for 财务) | people ("people": [usernames]) |
    field ("field": a person/people field's key) | chooser (the requester picks at submit).
  - mode: all (会签) | any (或签) | sequential (依次). chain is always sequential.
  - when: a condition; a step whose condition is false is skipped (steps without one are the default path):
    {"field": "total", "op": ">", "value": 50000} — ops == != > >= < <= in contains empty;
    {"all": [conditions]} / {"any": [conditions]}.
  - limit: {"duration": "1d", "mode": "working" | "elapsed", "remind_before": "2h", "ladder": "<ladder code>",
    "on_timeout": "remind" | "escalate" | "approve" | "return", "clause": "the rule's words (依据)",
    "source": "the company document (≤ 80)", "article": "the clause's number in it, e.g. 三（一）步骤2 (≤ 40)",
    "also": "what else bears on the limit (≤ 300)"} — source/article/also are optional; with them the clock
    shows 依据：《文件》条款「原文」 as the built-in policies do (clocks.sources).
    "rules": [{"when": <a condition, as the step's own>, "duration": "2h", "mode": "elapsed", "clause", "source",
    "article", "also", "remind_before"}] — ordered: the first whose condition holds for the item's values sets
    the limit (and its clause) when the step's clocks are armed; none holds → the limit above (the default).
    Reminder (unless the rule names its own), ladder and timeout rule are the step's.
    "before_field": "<a required date / datetime field's key>" — the limit counts BACK from that field's value
    instead of forward from when the approver got the task (提前2个工作日发送会议通知: due 2 working days before the
    meeting): a datetime field's value minus the duration — in working mode whole working days only (the same
    time of day on the N-th working day before: weekends and holidays skipped, 调休 counted), elapsed any
    duration; a date field's N-th working day before at the end of its working hours (elapsed: the day's
    00:00 minus the duration). A rule by condition then counts its own duration back from the same field.
    Already past when the approver gets the task: the clock is due at once (overdue). remind_before counts
    back from that due instant, as for any limit.

The item form's HTML names (the server reads only these; dui's widgets write them):
    f_<key>                       one value (text, number, money, date "YYYY-MM-DD", datetime
                                  "YYYY-MM-DDTHH:MM", choice, person/department/project as a pk)
    f_<key> (repeated)            multichoice, people, departments: one entry per value
    f_<key>_start, f_<key>_end    daterange
    f_<key>                       attachment(s): the uploaded file(s) (multipart)
    f_<table>-<n>-<col>           detail table row n (0, 1, 2 …; rows whose cells are all empty are dropped)
    chooser_<step>                the people a "chooser" step's approvers are (repeated pks)
    title, project                the item's subject and project, as on every process
Errors come back under the same names (a table cell's under f_<table>-<n>-<col>).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xietong.workcal.engine import parse_duration

FIELD_TYPES = {
    "text": gettext_lazy("单行文本"),
    "textarea": gettext_lazy("多行文本"),
    "number": gettext_lazy("数字"),
    "money": gettext_lazy("金额"),
    "date": gettext_lazy("日期"),
    "datetime": gettext_lazy("日期时间"),
    "daterange": gettext_lazy("日期范围"),
    "choice": gettext_lazy("单选"),
    "multichoice": gettext_lazy("多选"),
    "person": gettext_lazy("人员"),
    "people": gettext_lazy("多个人员"),
    "department": gettext_lazy("部门"),
    "departments": gettext_lazy("多个部门"),
    "project": gettext_lazy("项目"),
    "attachment": gettext_lazy("附件"),
    "attachments": gettext_lazy("多个附件"),
    "table": gettext_lazy("明细表"),
}
NUMERIC = {"number", "money"}
MULTI = {"multichoice", "people", "departments", "attachments"}
COLUMN_TYPES = set(FIELD_TYPES) - {"table", "attachment", "attachments"}
STEP_KINDS = {"approval": gettext_lazy("审批"), "handle": gettext_lazy("办理"), "cc": gettext_lazy("抄送")}
APPROVER_TYPES = {
    "manager": gettext_lazy("直属上级"),
    "department_head": gettext_lazy("部门负责人"),
    "division_leader": gettext_lazy("分管领导"),
    "general_manager": gettext_lazy("总经理"),
    "chain": gettext_lazy("逐级审批"),
    "role": gettext_lazy("角色或审批组"),
    "people": gettext_lazy("指定人员"),
    "field": gettext_lazy("表单中的人员"),
    "chooser": gettext_lazy("发起人自选"),
}
ROLES = {"coordinator", "general_manager", "department_head", "division_leader"}
MODES = {"all": gettext_lazy("会签"), "any": gettext_lazy("或签"), "sequential": gettext_lazy("依次审批")}
OPS = {"==", "!=", ">", ">=", "<", "<=", "in", "contains", "empty"}
TIMEOUTS = {
    "remind": gettext_lazy("仅提醒"),
    "escalate": gettext_lazy("升级"),
    "approve": gettext_lazy("自动同意"),
    "return": gettext_lazy("自动退回"),
}
VISIBILITIES = {"participants", "department", "everyone"}
# 最早：提交后 N … — a lead time on a date / date-time field: unit → (the duration's letter, the time mode).
EARLIEST_UNITS = {
    "working_days": gettext_lazy("个工作日"),
    "working_hours": gettext_lazy("个工作小时"),
    "days": gettext_lazy("天"),
    "hours": gettext_lazy("小时"),
}
EARLIEST_MAX = 365
LIMIT_RULES_MAX = 10
KEY = re.compile(r"^[a-z][a-z0-9_-]*$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]*$")  # no "-": table cells are f_<table>-<n>-<col>
PREFIX = re.compile(r"^[A-Z]{1,6}$")
# Whole numbers of units, as the clocks read them (workcal.engine.parse_duration): "0.5d" would be refused there.
DURATION = re.compile(r"^\s*(\d+\s*[dhm]\s*)+$")
FORMULA_SUM = re.compile(r"^sum\(\s*([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\s*\)$")
FORMULA_BINARY = re.compile(r"^\s*([a-z0-9_.]+)\s*([-+*])\s*([a-z0-9_.]+)\s*$")
CENT = Decimal("0.01")


class DefinitionError(Exception):
    """A definition that cannot be used: every problem, each with its path (steps[2].approvers.group)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("；".join(f"{path}：{message}" for path, message in problems))

    @property
    def messages(self) -> list[str]:
        return [f"{path}：{message}" if path else message for path, message in self.problems]


@dataclass(frozen=True)
class Earliest:
    """最早：提交后 N 个工作日 / 工作小时 / 天 / 小时 (a date or date-time field's lead time) with its clause."""

    after: int
    unit: str
    clause: str = ""
    source: str = ""
    article: str = ""
    also: str = ""

    @property
    def duration(self) -> str:
        """As a clock's duration ("3d", "4h") — a day is a working day in working time, 24 hours otherwise."""
        return f"{self.after}{'d' if self.unit.endswith('days') else 'h'}"

    @property
    def mode(self) -> str:
        return "working" if self.unit.startswith("working") else "elapsed"

    @property
    def words(self) -> str:
        """提交后 3 个工作日."""
        return _("提交后 %(n)s %(unit)s") % {"n": self.after, "unit": EARLIEST_UNITS[self.unit]}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    default: Any = None
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int | None = None
    options: tuple[str, ...] = ()
    columns: tuple[Field, ...] = ()
    formula: str = ""
    count: str = ""
    earliest: Earliest | None = None

    @property
    def type_label(self) -> str:
        return str(FIELD_TYPES[self.type])


@dataclass(frozen=True)
class LimitRule:
    """当 <条件> 时 时限 N 单位: one of a step's limits by condition, with its own clause."""

    when: Mapping[str, Any]
    duration: str
    mode: str = "working"
    remind_before: str = ""
    clause: str = ""
    source: str = ""
    article: str = ""
    also: str = ""


@dataclass(frozen=True)
class StepLimit:
    duration: str
    mode: str = "working"
    remind_before: str = ""
    ladder: str = ""
    on_timeout: str = "remind"
    clause: str = ""
    source: str = ""
    article: str = ""
    also: str = ""
    rules: tuple[LimitRule, ...] = ()
    before_field: str = ""  # counted back from this date / datetime field's value (提前 N 个工作日)

    def rule_for(self, values: Mapping[str, Any]) -> int:
        """The number (1, 2, …) of the first rule whose condition holds for the item's values; 0: the default."""
        return next((n for n, rule in enumerate(self.rules, start=1) if condition_holds(rule.when, values)), 0)


def rule_priority(n: int) -> str:
    """The clock policy's priority of a step's n-th limit rule ("*": the step's default limit)."""
    return f"when-{n}" if n else "*"


@dataclass(frozen=True)
class StepDef:
    key: str
    name: str
    kind: str
    approvers: Mapping[str, Any]
    mode: str = "any"
    when: Mapping[str, Any] | None = None
    limit: StepLimit | None = None


@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    prefix: str
    description: str
    starters: Mapping[str, Any]
    visibility: str
    fields: tuple[Field, ...]
    steps: tuple[StepDef, ...]
    document: Mapping[str, Any]

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    def step(self, key: str) -> StepDef:
        return next(s for s in self.steps if s.key == key)

    def step_name(self, key: str) -> str:
        """The step's name as this version names it (财务会签 for "finance"); an unknown key as it is."""
        return next((s.name for s in self.steps if s.key == key), key)

    def step_index(self, key: str) -> int:
        return [s.key for s in self.steps].index(key)


class _Problems:
    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.found.append((path, message))


def _text(doc: Mapping[str, Any], name: str, path: str, problems: _Problems, *, required: bool = True) -> str:
    value = doc.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(f"{path}{name}", _("应为文字"))
        return ""
    if required and not value.strip():
        problems.add(f"{path}{name}", _("不能为空"))
    return value.strip()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _parse_field(raw: Any, path: str, problems: _Problems, *, column: bool = False) -> Field | None:
    if not isinstance(raw, Mapping):
        problems.add(path, _("应为一个字段（对象）"))
        return None
    key = _text(raw, "key", f"{path}.", problems)
    if key and (not FIELD_KEY.match(key) or len(key) > 30):
        problems.add(
            f"{path}.key",
            _("“%(key)s”不是合法的标识：以小写字母开头，只含小写字母、数字和下划线，最多 30 个字符") % {"key": key},
        )
    label = _text(raw, "label", f"{path}.", problems)
    kind = raw.get("type", "")
    allowed = COLUMN_TYPES if column else set(FIELD_TYPES)
    if kind not in allowed:
        where = _("明细表的列") if column else _("字段")
        names = "、".join(f"{k}（{v}）" for k, v in FIELD_TYPES.items() if k in allowed)
        problems.add(
            f"{path}.type",
            _("未知的%(where)s类型“%(kind)s”，可选：%(names)s") % {"where": where, "kind": kind, "names": names},
        )
        return None
    bounds: dict[str, Decimal | None] = {}
    for name in ("min", "max"):
        if raw.get(name) not in (None, ""):
            bounds[name] = _decimal(raw.get(name))
            if bounds[name] is None:
                problems.add(f"{path}.{name}", _("应为数字"))
    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and high is not None and low > high:
        problems.add(f"{path}.min", _("最小值不能大于最大值"))
    max_length = raw.get("max_length")
    if max_length not in (None, "") and (
        not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1
    ):
        problems.add(f"{path}.max_length", _("应为正整数"))
        max_length = None
    options = raw.get("options") or ()
    if kind in ("choice", "multichoice"):
        if not isinstance(options, list) or not options or not all(isinstance(o, str) and o.strip() for o in options):
            problems.add(f"{path}.options", _("单选/多选字段需要至少一个选项（文字）"))
            options = ()
        elif len(set(options)) != len(options):
            problems.add(f"{path}.options", _("选项不能重复"))
    columns: list[Field] = []
    if kind == "table":
        raw_columns = raw.get("columns")
        if not isinstance(raw_columns, list) or not raw_columns:
            problems.add(f"{path}.columns", _("明细表需要至少一列"))
        else:
            for n, col in enumerate(raw_columns):
                parsed = _parse_field(col, f"{path}.columns[{n}]", problems, column=True)
                if parsed is not None:
                    columns.append(parsed)
            keys = [c.key for c in columns]
            for dup in {k for k in keys if keys.count(k) > 1}:
                problems.add(f"{path}.columns", _("列标识“%(dup)s”重复") % {"dup": dup})
    formula = raw.get("formula") or ""
    if formula and kind not in NUMERIC:
        problems.add(f"{path}.formula", _("只有数字或金额字段可以有公式"))
    count = raw.get("count") or ""
    if count and (kind != "daterange" or count not in ("working_days", "days")):
        problems.add(f"{path}.count", _("只有日期范围可以计天数：working_days（工作日）或 days（自然日）"))
    if kind in NUMERIC and raw.get("default") not in (None, "") and _decimal(raw.get("default")) is None:
        problems.add(f"{path}.default", _("默认值应为数字"))
    if kind in ("choice",) and raw.get("default") not in (None, "") and raw.get("default") not in options:
        problems.add(f"{path}.default", _("默认值“%(default)s”不在选项中") % {"default": raw.get("default")})
    earliest = _parse_earliest(raw.get("earliest"), "" if column else kind, f"{path}.earliest", problems)
    return Field(
        key=key,
        label=label,
        type=kind,
        required=bool(raw.get("required", False)),
        help=str(raw.get("help") or ""),
        default=raw.get("default"),
        min=bounds.get("min"),
        max=bounds.get("max"),
        max_length=max_length if isinstance(max_length, int) else None,
        options=tuple(options) if isinstance(options, list) else (),
        columns=tuple(columns),
        formula=str(formula),
        count=str(count),
        earliest=earliest,
    )


def _citation(raw: Mapping[str, Any], path: str, problems: _Problems) -> tuple[str, str, str, str]:
    """A rule's 依据: (clause, source, article, also), each within its length."""
    clause = str(raw.get("clause") or "").strip()
    if len(clause) > 200:
        problems.add(f"{path}.clause", _("依据不能超过 200 字"))
    source = str(raw.get("source") or "").strip().strip("《》")
    if len(source) > 80:
        problems.add(f"{path}.source", _("依据文件不能超过 80 字"))
    article = str(raw.get("article") or "").strip()
    if len(article) > 40:
        problems.add(f"{path}.article", _("条款编号不能超过 40 字"))
    also = str(raw.get("also") or "").strip()
    if len(also) > 300:
        problems.add(f"{path}.also", _("补充说明不能超过 300 字"))
    return clause, source, article, also


def _parse_earliest(raw: Any, kind: str, path: str, problems: _Problems) -> Earliest | None:
    """最早：提交后 N 单位 — only on a date or date-time field; N a whole number 1–365."""
    if raw in (None, {}, ""):
        return None
    if kind not in ("date", "datetime"):
        problems.add(path, _("只有日期或日期时间字段可以设置“最早：提交后 N 个工作日/天/小时”"))
        return None
    if not isinstance(raw, Mapping):
        problems.add(path, _('“最早”应为对象，例如 {"after": 3, "unit": "working_days"}'))
        return None
    after, unit = raw.get("after"), raw.get("unit")
    good = True
    if not isinstance(after, int) or isinstance(after, bool) or not 1 <= after <= EARLIEST_MAX:
        problems.add(
            f"{path}.after",
            _("“最早：提交后”的数量应为 1–%(max)s 的整数，现为“%(after)s”") % {"max": EARLIEST_MAX, "after": after},
        )
        good = False
    if unit not in EARLIEST_UNITS:
        choices = "、".join(f"{k}（{v}）" for k, v in EARLIEST_UNITS.items())
        problems.add(
            f"{path}.unit",
            _("“最早：提交后”的单位“%(unit)s”未知，可选：%(choices)s") % {"unit": unit, "choices": choices},
        )
        good = False
    clause, source, article, also = _citation(raw, path, problems)
    if not good:
        return None
    return Earliest(int(after), str(unit), clause, source, article, also)  # type: ignore[arg-type]


def _check_formula(field: Field, fields: dict[str, Field], path: str, problems: _Problems) -> None:
    formula = field.formula.strip()
    summed = FORMULA_SUM.match(formula)
    if summed:
        table, column = summed.groups()
        target = fields.get(table)
        if target is None or target.type != "table":
            problems.add(path, _("公式引用的明细表“%(table)s”不存在") % {"table": table})
            return
        col = next((c for c in target.columns if c.key == column), None)
        if col is None or col.type not in NUMERIC:
            problems.add(
                path, _("公式引用的列“%(table)s.%(column)s”不存在或不是数字/金额") % {"table": table, "column": column}
            )
        return
    binary = FORMULA_BINARY.match(formula)
    if not binary:
        problems.add(
            path, _("无法识别的公式“%(formula)s”：可写 sum(明细表.列)、a + b、a - b、a * b") % {"formula": formula}
        )
        return
    for operand in (binary.group(1), binary.group(3)):
        if _decimal(operand) is not None:
            continue
        other = fields.get(operand)
        if other is None or other.type not in NUMERIC:
            problems.add(path, _("公式引用的字段“%(operand)s”不存在或不是数字/金额") % {"operand": operand})
        elif other.key == field.key:
            problems.add(path, _("公式不能引用字段自身"))
        elif other.formula:
            problems.add(path, _("公式引用的字段“%(operand)s”本身也是公式（不支持嵌套）") % {"operand": operand})


def _check_condition(cond: Any, fields: dict[str, Field], path: str, problems: _Problems) -> None:
    if not isinstance(cond, Mapping):
        problems.add(path, _('条件应为对象，例如 {"field": "total", "op": ">", "value": 50000}'))
        return
    for group in ("all", "any"):
        if group in cond:
            parts = cond[group]
            if not isinstance(parts, list) or not parts:
                problems.add(f"{path}.{group}", _("应为至少一个条件的列表"))
                return
            for n, part in enumerate(parts):
                _check_condition(part, fields, f"{path}.{group}[{n}]", problems)
            return
    name, op = cond.get("field"), cond.get("op")
    field = fields.get(name) if isinstance(name, str) else None
    if field is None:
        problems.add(f"{path}.field", _("条件引用的字段“%(name)s”不存在") % {"name": name})
        return
    if op not in OPS:
        problems.add(
            f"{path}.op", _("未知的比较“%(op)s”，可选：%(choices)s") % {"op": op, "choices": " ".join(sorted(OPS))}
        )
        return
    value = cond.get("value")
    if op in (">", ">=", "<", "<=") and field.type in NUMERIC | {"daterange"} and _decimal(value) is None:
        problems.add(f"{path}.value", _("与数字比较的值应为数字"))
    if op in (">", ">=", "<", "<=") and field.type == "daterange" and not field.count:
        problems.add(f"{path}.op", _("日期范围“%(label)s”未设置计天数（count），不能比较天数") % {"label": field.label})
    elif op in (">", ">=", "<", "<=") and field.type not in NUMERIC | {"date", "datetime", "daterange"}:
        problems.add(
            f"{path}.op",
            _("字段“%(label)s”（%(type_label)s）不能比较大小") % {"label": field.label, "type_label": field.type_label},
        )
    if op == "in" and not isinstance(value, list):
        problems.add(f"{path}.value", _("“in”的值应为列表"))
    if field.type in ("choice", "multichoice") and op in ("==", "!=", "contains") and value not in field.options:
        problems.add(
            f"{path}.value", _("“%(value)s”不是字段“%(label)s”的选项") % {"value": value, "label": field.label}
        )


def _check_approvers(raw: Any, kind: str, fields: dict[str, Field], path: str, problems: _Problems) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        problems.add(path, _("请指定审批人"))
        return {}
    kind_of = raw.get("type")
    if kind_of not in APPROVER_TYPES:
        problems.add(
            f"{path}.type",
            _("未知的审批人类型“%(kind)s”，可选：%(choices)s")
            % {"kind": kind_of, "choices": "、".join(APPROVER_TYPES)},
        )
        return dict(raw)
    if kind_of == "chain":
        levels, until = raw.get("levels"), raw.get("until")
        if until is None and (not isinstance(levels, int) or isinstance(levels, bool) or not 1 <= levels <= 3):
            problems.add(f"{path}.levels", _("逐级审批需要层数（1–3）或终点角色（until）"))
        if until is not None and until not in ("division_leader", "general_manager"):
            problems.add(
                f"{path}.until", _("逐级审批的终点只能是 division_leader（分管领导）或 general_manager（总经理）")
            )
    elif kind_of == "role":
        role, group = raw.get("role"), raw.get("group")
        if not role and not group:
            problems.add(path, _("请指定角色（role）或审批组（group）"))
        if role and role not in ROLES:
            problems.add(
                f"{path}.role",
                _("未知的角色“%(role)s”，可选：%(choices)s") % {"role": role, "choices": "、".join(sorted(ROLES))},
            )
        if group and (not isinstance(group, str) or not KEY.match(group)):
            problems.add(f"{path}.group", _("审批组编码“%(group)s”不合法") % {"group": group})
    elif kind_of == "people":
        people = raw.get("people")
        if not isinstance(people, list) or not people or not all(isinstance(p, str) and p for p in people):
            problems.add(f"{path}.people", _("请至少指定一位审批人（用户名）"))
    elif kind_of == "field":
        field = fields.get(raw.get("field", ""))
        if field is None or field.type not in ("person", "people"):
            problems.add(f"{path}.field", _("审批人字段“%(field)s”不存在或不是人员字段") % {"field": raw.get("field")})
        elif not field.required:
            problems.add(
                f"{path}.field",
                _("审批人字段“%(label)s”必须是必填项，否则此步骤可能没有审批人") % {"label": field.label},
            )
    return dict(raw)


def _parse_limit(raw: Any, fields: dict[str, Field], path: str, problems: _Problems) -> StepLimit | None:
    if raw in (None, {}, ""):
        return None
    if not isinstance(raw, Mapping):
        problems.add(path, _("时限应为对象"))
        return None
    if not raw.get("duration") and raw.get("rules"):
        problems.add(f"{path}.duration", _("按条件的时限之外还需要默认时限（条件都不满足时用它）"))
        duration, mode, remind = "", str(raw.get("mode", "working")), str(raw.get("remind_before") or "")
    else:
        duration, mode, remind = _check_duration(raw, path, problems)
    on_timeout = raw.get("on_timeout", "remind")
    if on_timeout not in TIMEOUTS:
        problems.add(
            f"{path}.on_timeout",
            _("超时处理只能是：%(choices)s") % {"choices": "、".join(f"{k}（{v}）" for k, v in TIMEOUTS.items())},
        )
    ladder = str(raw.get("ladder") or "")
    if on_timeout == "escalate" and not ladder:
        ladder = "standard"
    clause, source, article, also = _citation(raw, path, problems)
    rules = _parse_rules(raw.get("rules"), fields, f"{path}.rules", problems)
    before = _check_before(raw, fields, path, problems)
    if before:
        for n, rule in enumerate(rules):
            _check_before_duration(rule.duration, rule.mode, f"{path}.rules[{n}]", problems)
    return StepLimit(duration, str(mode), remind, ladder, str(on_timeout), clause, source, article, also, rules, before)


def _check_before(raw: Mapping[str, Any], fields: dict[str, Field], path: str, problems: _Problems) -> str:
    """在某日期字段之前: the field must be a required date or date-time field of the form."""
    key = raw.get("before_field")
    if key in (None, ""):
        return ""
    where = f"{path}.before_field"
    if not isinstance(key, str):
        problems.add(where, _("应为文字"))
        return ""
    field = fields.get(key)
    if field is None:
        problems.add(where, _("时限起算的字段“%(key)s”不存在") % {"key": key})
        return ""
    if field.type not in ("date", "datetime"):
        problems.add(
            where,
            _("时限只能从日期或日期时间字段倒推，“%(label)s”是%(type)s字段")
            % {"label": field.label, "type": field.type_label},
        )
        return ""
    if not field.required:
        problems.add(
            where, _("时限从“%(label)s”倒推时，该字段必须设为必填（否则事项可能没有这个时间）") % {"label": field.label}
        )
        return ""
    _check_before_duration(str(raw.get("duration") or ""), str(raw.get("mode", "working")), path, problems)
    return key


def _check_before_duration(duration: str, mode: str, path: str, problems: _Problems) -> None:
    """Counted back in working time, a limit is whole working days (提前2个工作日); elapsed time takes any unit."""
    if mode == "working" and DURATION.match(duration) and not re.fullmatch(r"\s*\d+\s*d\s*", duration):
        problems.add(
            f"{path}.duration",
            _("从日期字段倒推的时限按工作日（如 2d）或自然时间计，不能用工作小时：“%(duration)s”")
            % {"duration": duration},
        )


def _check_duration(raw: Mapping[str, Any], path: str, problems: _Problems) -> tuple[str, str, str]:
    """A limit's duration, time mode and reminder, as the step's limit and each of its rules write them."""
    duration = str(raw.get("duration") or "")
    if not DURATION.match(duration):
        problems.add(
            f"{path}.duration", _("时限“%(duration)s”无法识别：例如 1d（1 天）、4h、30m") % {"duration": duration}
        )
    elif not re.search(r"[1-9]", duration):
        problems.add(f"{path}.duration", _("时限“%(duration)s”为 0：应大于 0") % {"duration": duration})
    else:
        try:
            parse_duration(duration)  # what the clocks will read when an item arms them
        except ValueError as too_long:
            problems.add(f"{path}.duration", str(too_long))
    mode = raw.get("mode", "working")
    if mode not in ("working", "elapsed"):
        problems.add(f"{path}.mode", _("计时方式只能是 working（工作时间）或 elapsed（自然时间）"))
    remind = str(raw.get("remind_before") or "")
    if remind and not DURATION.match(remind):
        problems.add(f"{path}.remind_before", _("提前提醒“%(remind)s”无法识别：例如 2h") % {"remind": remind})
    return duration, str(mode), remind


def _parse_rules(raw: Any, fields: dict[str, Field], path: str, problems: _Problems) -> tuple[LimitRule, ...]:
    """当 <条件> 时 时限 N 单位, in order: each condition checked as a step's condition is (field, op, value)."""
    if raw in (None, []):
        return ()
    if not isinstance(raw, list):
        problems.add(path, _("按条件的时限应为列表"))
        return ()
    if len(raw) > LIMIT_RULES_MAX:
        problems.add(path, _("按条件的时限最多 %(max)s 条") % {"max": LIMIT_RULES_MAX})
    rules: list[LimitRule] = []
    for n, rule in enumerate(raw[:LIMIT_RULES_MAX]):
        here = f"{path}[{n}]"
        if not isinstance(rule, Mapping):
            problems.add(here, _("应为一条时限规则（对象）"))
            continue
        when = rule.get("when")
        if when in (None, {}):
            problems.add(f"{here}.when", _("按条件的时限需要条件：不设条件时用步骤的默认时限"))
        else:
            _check_condition(when, fields, f"{here}.when", problems)
        duration, mode, remind = _check_duration(rule, here, problems)
        clause, source, article, also = _citation(rule, here, problems)
        rules.append(LimitRule(dict(when or {}), duration, mode, remind, clause, source, article, also))
    return tuple(rules)


def parse(document: Any) -> Definition:
    """The definition in `document`, or DefinitionError listing every problem with its path."""
    problems = _Problems()
    if not isinstance(document, Mapping):
        raise DefinitionError([("", _("定义应为一个 JSON 对象"))])
    key = _text(document, "key", "", problems)
    if key == "designed":
        problems.add("key", _("流程标识“designed”为系统保留，请换一个"))
    elif key and (not KEY.match(key) or len(key) > 30):
        problems.add(
            "key", _("流程标识“%(key)s”不合法：以小写字母开头，只含小写字母、数字、-、_，最多 30 个字符") % {"key": key}
        )
    name = _text(document, "name", "", problems)
    if len(name) > 60:
        problems.add("name", _("流程名称不能超过 60 字"))
    prefix = _text(document, "prefix", "", problems)
    if prefix and not PREFIX.match(prefix):
        problems.add("prefix", _("编号前缀“%(prefix)s”应为 1–6 个大写字母，例如 BX") % {"prefix": prefix})
    visibility = document.get("visibility", "participants")
    if visibility not in VISIBILITIES:
        problems.add(
            "visibility", _("可见范围只能是 participants（参与人）、department（本部门）或 everyone（所有人）")
        )
    starters = document.get("starters") or {"everyone": True}
    if not isinstance(starters, Mapping):
        problems.add("starters", _("发起人范围应为对象"))
        starters = {}
    elif not (
        starters.get("everyone") or starters.get("departments") or starters.get("roles") or starters.get("people")
    ):
        problems.add("starters", _("没有人可以发起：请选择所有人，或指定部门、角色、人员"))
    for name_ in ("departments", "roles", "people"):
        if name_ in starters and not isinstance(starters[name_], list):
            problems.add(f"starters.{name_}", _("应为列表"))
    for role in starters.get("roles") or []:
        if role not in ROLES:
            problems.add("starters.roles", _("未知的角色“%(role)s”") % {"role": role})

    fields: list[Field] = []
    positions: list[int] = []
    raw_fields = document.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        problems.add("fields", _("表单至少需要一个字段"))
        raw_fields = []
    for n, raw in enumerate(raw_fields):
        parsed = _parse_field(raw, f"fields[{n}]", problems)
        if parsed is not None:
            fields.append(parsed)
            positions.append(n)
    by_key: dict[str, Field] = {}
    for n, f in zip(positions, fields, strict=True):
        if f.key in by_key:
            problems.add(f"fields[{n}].key", _("字段标识“%(key)s”重复") % {"key": f.key})
        by_key[f.key] = f
    for n, f in zip(positions, fields, strict=True):
        if f.formula:
            _check_formula(f, by_key, f"fields[{n}].formula", problems)

    steps: list[StepDef] = []
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.add("steps", _("流程至少需要一个步骤"))
        raw_steps = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_steps):
        path = f"steps[{n}]"
        if not isinstance(raw, Mapping):
            problems.add(path, _("应为一个步骤（对象）"))
            continue
        skey = _text(raw, "key", f"{path}.", problems)
        if skey and (not FIELD_KEY.match(skey) or len(skey) > 20):
            problems.add(
                f"{path}.key",
                _("步骤标识“%(skey)s”不合法：以小写字母开头，只含小写字母、数字和下划线，最多 20 个字符")
                % {"skey": skey},
            )
        if skey in seen:
            problems.add(f"{path}.key", _("步骤标识“%(skey)s”重复") % {"skey": skey})
        seen.add(skey)
        sname = _text(raw, "name", f"{path}.", problems)
        kind = raw.get("kind", "approval")
        if kind not in STEP_KINDS:
            problems.add(
                f"{path}.kind",
                _("未知的步骤类型“%(kind)s”，可选：approval（审批）、handle（办理）、cc（抄送）") % {"kind": kind},
            )
        mode = raw.get("mode", "any")
        if mode not in MODES:
            problems.add(f"{path}.mode", _("多人审批方式只能是 all（会签）、any（或签）、sequential（依次）"))
        approvers = _check_approvers(raw.get("approvers"), str(kind), by_key, f"{path}.approvers", problems)
        when = raw.get("when")
        if when is not None:
            _check_condition(when, by_key, f"{path}.when", problems)
        limit = _parse_limit(raw.get("limit"), by_key, f"{path}.limit", problems)
        if limit is not None and kind == "cc":
            problems.add(f"{path}.limit", _("抄送步骤无人办理，不能设时限"))
        steps.append(StepDef(skey, sname, str(kind), approvers, str(mode), when, limit))
    if steps and all(s.kind == "cc" for s in steps):
        problems.add("steps", _("流程至少需要一个审批或办理步骤"))
    if steps and not any(s.when is None and s.kind != "cc" for s in steps):
        problems.add(
            "steps", _("所有审批步骤都有条件：条件都不满足时事项无人审批。请至少保留一个无条件的审批步骤（默认路径）")
        )
    if problems.found:
        raise DefinitionError(problems.found)
    return Definition(
        key=key,
        name=name,
        prefix=prefix,
        description=str(document.get("description") or ""),
        starters=dict(starters),
        visibility=str(visibility),
        fields=tuple(fields),
        steps=tuple(steps),
        document=dict(document),
    )


# --- values ----------------------------------------------------------------------------------------------


def condition_holds(cond: Mapping[str, Any] | None, values: Mapping[str, Any]) -> bool:
    """Whether `cond` holds for the item's (cleaned) values; no condition is the default path."""
    if cond is None:
        return True
    if "all" in cond:
        return all(condition_holds(c, values) for c in cond["all"])
    if "any" in cond:
        return any(condition_holds(c, values) for c in cond["any"])
    op, expected = cond["op"], cond.get("value")
    actual = values.get(cond["field"])
    if op == "empty":
        return actual in (None, "", [], {})
    if actual in (None, "", []):
        return op == "!="
    if isinstance(actual, Mapping) and "days" in actual:  # a date range compares by its days
        actual = actual["days"]
    if op == "contains":
        return expected in actual if isinstance(actual, list) else str(expected) in str(actual)
    if op == "in":
        return actual in (expected or [])
    left, right = _decimal(actual), _decimal(expected)
    if left is None or right is None:
        left, right = str(actual), str(expected)  # type: ignore[assignment]
    return {
        "==": left == right,
        "!=": left != right,
        ">": left > right,  # type: ignore[operator]
        ">=": left >= right,  # type: ignore[operator]
        "<": left < right,  # type: ignore[operator]
        "<=": left <= right,  # type: ignore[operator]
    }[op]


Lookup = Callable[[str, list[Any]], list[Any]]  # (type, raw ids) → the ids that exist and may be used


@dataclass
class Cleaned:
    values: dict[str, Any]
    errors: dict[str, str]


def _money(number: Decimal) -> str:
    return str(number.quantize(CENT, rounding=ROUND_HALF_UP))


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def _one(field: Field, raw: Any, name: str, errors: dict[str, str], exists: Lookup | None, days: Any) -> Any:
    """One field's value from what was sent, or None; a problem goes to errors[name]."""
    label = field.label
    if field.type in MULTI:
        items = [v for v in (raw if isinstance(raw, list) else [raw]) if v not in (None, "")]
        if field.type == "multichoice":
            bad = [v for v in items if v not in field.options]
            if bad:
                errors[name] = _("“%(value)s”不是“%(label)s”的选项") % {"value": bad[0], "label": label}
                return None
            return items or None
        if not items:
            return None
        ids = []
        for v in items:
            try:
                ids.append(int(v))
            except (TypeError, ValueError):
                errors[name] = _("“%(label)s”中有无法识别的选择") % {"label": label}
                return None
        if exists is not None:
            found = exists(field.type, ids)
            if len(found) != len(set(ids)):
                errors[name] = _("“%(label)s”中有不存在或不可选的对象") % {"label": label}
                return None
        return sorted(set(ids), key=ids.index)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if field.type == "daterange":
        return _daterange(field, raw, name, errors, days)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if field.type in ("text", "textarea"):
        text = str(raw).strip() if field.type == "text" else str(raw).strip("\n")
        limit = field.max_length or (200 if field.type == "text" else 5000)
        if len(text) > limit:
            errors[name] = _("“%(label)s”不能超过 %(limit)s 字（现为 %(length)s 字）") % {
                "label": label,
                "limit": limit,
                "length": len(text),
            }
            return None
        return text
    if field.type in NUMERIC:
        number = _decimal(raw)
        if number is None:
            errors[name] = _("“%(label)s”应为数字") % {"label": label}
            return None
        if field.type == "money" and number != number.quantize(CENT, rounding=ROUND_HALF_UP):
            errors[name] = _("“%(label)s”最多两位小数") % {"label": label}
            return None
        if field.min is not None and number < field.min:
            errors[name] = _("“%(label)s”不能小于 %(min)s") % {"label": label, "min": _plain(field.min)}
            return None
        if field.max is not None and number > field.max:
            errors[name] = _("“%(label)s”不能大于 %(max)s") % {"label": label, "max": _plain(field.max)}
            return None
        return _money(number) if field.type == "money" else _plain(number)
    if field.type == "date":
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            errors[name] = _("“%(label)s”应为日期，例如 2026-10-10") % {"label": label}
            return None
    if field.type == "datetime":
        try:
            return dt.datetime.fromisoformat(str(raw).strip()).replace(tzinfo=None).isoformat(timespec="minutes")
        except ValueError:
            errors[name] = _("“%(label)s”应为日期时间，例如 2026-10-10 09:00") % {"label": label}
            return None
    if field.type == "choice":
        if raw not in field.options:
            errors[name] = _("“%(raw)s”不是“%(label)s”的选项") % {"raw": raw, "label": label}
            return None
        return raw
    if field.type in ("person", "department", "project", "attachment"):
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            errors[name] = _("“%(label)s”无法识别") % {"label": label}
            return None
        if exists is not None and not exists(field.type, [pk]):
            errors[name] = _("“%(label)s”不存在或不可选") % {"label": label}
            return None
        return pk
    return None


def _daterange(field: Field, raw: Any, name: str, errors: dict[str, str], days: Any) -> Any:
    raw = raw if isinstance(raw, Mapping) else {}
    start, end = (str(raw.get(k) or "").strip() for k in ("start", "end"))
    if not start and not end:
        return None
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        errors[name] = _("“%(label)s”应为起止日期，例如 2026-10-09 至 2026-10-12") % {"label": field.label}
        return None
    if last < first:
        errors[name] = _("“%(label)s”的结束日期不能早于开始日期") % {"label": field.label}
        return None
    value: dict[str, Any] = {"start": first.isoformat(), "end": last.isoformat()}
    if field.count == "days":
        value["days"] = (last - first).days + 1
    elif field.count == "working_days" and days is not None:
        value["days"] = days(first, last)
    return value


def _formula(field: Field, values: Mapping[str, Any]) -> Decimal:
    formula = field.formula.strip()
    summed = FORMULA_SUM.match(formula)
    if summed:
        table, column = summed.groups()
        return sum((_decimal(row.get(column)) or Decimal(0) for row in values.get(table) or []), Decimal(0))
    binary = FORMULA_BINARY.match(formula)
    assert binary is not None

    def operand(text: str) -> Decimal:
        number = _decimal(text)
        return number if number is not None else (_decimal(values.get(text)) or Decimal(0))

    left, op, right = operand(binary.group(1)), binary.group(2), operand(binary.group(3))
    return left + right if op == "+" else left - right if op == "-" else left * right


def _formula_sources(field: Field) -> list[str]:
    """The fields a formula reads: sum(明细表.金额) its table, a + b its operands that are fields."""
    formula = field.formula.strip()
    if summed := FORMULA_SUM.match(formula):
        return [summed.group(1)]
    if binary := FORMULA_BINARY.match(formula):
        return [t for t in (binary.group(1), binary.group(3)) if _decimal(t) is None]
    return []


def clean(
    definition: Definition,
    raw: Mapping[str, Any],
    *,
    exists: Lookup | None = None,
    working_days: Callable[[dt.date, dt.date], int] | None = None,
    earliest: Callable[[Earliest], dt.datetime] | None = None,
) -> Cleaned:
    """The form's values checked against the definition: `raw` maps field keys to what was sent (a table
    to a list of row dicts, a daterange to {"start", "end"}); formulas are computed here, whatever was sent.
    `earliest` (given on submit) turns a field's lead time into its earliest instant (aware): a value before
    it is refused. Errors are keyed by the form's HTML names (f_<key>, f_<table>-<n>-<col>)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in definition.fields:
        name = f"f_{field.key}"
        if field.formula:
            continue
        if field.type == "table":
            rows = []
            sent = raw.get(field.key) or []
            if not isinstance(sent, list):
                errors[name] = _("“%(label)s”格式不对") % {"label": field.label}
                continue
            for n, row in enumerate(sent):
                if not isinstance(row, Mapping) or all(row.get(c.key) in (None, "", []) for c in field.columns):
                    continue
                cleaned_row = {}
                for col in field.columns:
                    cell = f"{name}-{n}-{col.key}"
                    value = _one(col, row.get(col.key), cell, errors, exists, working_days)
                    if value is None and col.required and cell not in errors:
                        errors[cell] = _("请填写“%(label)s”第 %(n)s 行的“%(column)s”") % {
                            "label": field.label,
                            "n": n + 1,
                            "column": col.label,
                        }
                    cleaned_row[col.key] = value
                rows.append(cleaned_row)
            if field.required and not rows:
                errors[name] = _("请在“%(label)s”中至少填写一行") % {"label": field.label}
            if field.min is not None and rows and len(rows) < field.min:
                errors[name] = _("“%(label)s”至少 %(min)s 行") % {"label": field.label, "min": _plain(field.min)}
            if field.max is not None and len(rows) > field.max:
                errors[name] = _("“%(label)s”最多 %(max)s 行") % {"label": field.label, "max": _plain(field.max)}
            values[field.key] = rows
            continue
        value = _one(field, raw.get(field.key), name, errors, exists, working_days)
        if value is None and field.required and name not in errors:
            errors[name] = (
                _("请填写“%(label)s”") % {"label": field.label}
                if field.type not in MULTI | {"choice"}
                else _("请选择“%(label)s”") % {"label": field.label}
            )
        values[field.key] = value
    for field in definition.fields:
        if field.formula:
            result = _formula(field, values)
            values[field.key] = _money(result) if field.type == "money" else _plain(result)
            name = f"f_{field.key}"
            if any(e == f"f_{k}" or e.startswith(f"f_{k}-") for e in errors for k in _formula_sources(field)):
                continue  # computed from a value already refused: its own bounds would only repeat that
            if field.min is not None and result < field.min:
                errors[name] = _("“%(label)s”不能小于 %(min)s") % {"label": field.label, "min": _plain(field.min)}
            if field.max is not None and result > field.max:
                errors[name] = _("“%(label)s”不能大于 %(max)s") % {"label": field.label, "max": _plain(field.max)}
    if earliest is not None:
        errors.update(too_early(definition, values, earliest))
    return Cleaned(values, errors)


def too_early(
    definition: Definition, values: Mapping[str, Any], earliest: Callable[[Earliest], dt.datetime]
) -> dict[str, str]:
    """The date / date-time values earlier than their field's 最早：提交后 N … allows, each refused at its field
    with the earliest instant allowed and the clause it comes from."""
    from xietong.clocks.basis import basis_text

    errors: dict[str, str] = {}
    for field in definition.fields:
        rule, value = field.earliest, values.get(field.key)
        if rule is None or not value or field.type not in ("date", "datetime"):
            continue
        instant = earliest(rule)
        if instant.second or instant.microsecond:  # the form has minutes: the first whole minute not before it
            instant = instant.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        if field.type == "date":
            late = dt.date.fromisoformat(str(value)) < instant.date()
            shown = instant.date().isoformat()
        else:
            sent = dt.datetime.fromisoformat(str(value)).replace(tzinfo=instant.tzinfo)
            late = sent < instant
            shown = instant.strftime("%Y-%m-%d %H:%M")
        if not late:
            continue
        message = _("“%(label)s”最早为 %(earliest)s（%(rule)s）") % {
            "label": field.label,
            "earliest": shown,
            "rule": rule.words,
        }
        basis = basis_text(rule.source, rule.article, rule.clause, rule.also)
        errors[f"f_{field.key}"] = f"{message}。{basis}" if basis else message
    return errors


def raw_from_post(definition: Definition, data: Any) -> dict[str, Any]:
    """What a form sent (a QueryDict, or a plain dict of lists), keyed by field, under the names above."""

    def getlist(name: str) -> list[Any]:
        if hasattr(data, "getlist"):
            return list(data.getlist(name))
        value = data.get(name)
        return value if isinstance(value, list) else ([] if value is None else [value])

    def get(name: str) -> Any:
        found = getlist(name)
        return found[0] if found else None

    raw: dict[str, Any] = {}
    for field in definition.fields:
        name = f"f_{field.key}"
        if field.type == "table":
            pattern = re.compile(rf"^{re.escape(name)}-(\d+)-([a-z][a-z0-9_]*)$")
            rows: dict[int, dict[str, Any]] = {}
            for key in list(data.keys()):
                matched = pattern.match(key)
                if matched and int(matched.group(1)) < 500:
                    rows.setdefault(int(matched.group(1)), {})[matched.group(2)] = (
                        getlist(key)
                        if any(c.key == matched.group(2) and c.type in MULTI for c in field.columns)
                        else get(key)
                    )
            raw[field.key] = [rows[n] for n in sorted(rows)]
        elif field.type == "daterange":
            raw[field.key] = {"start": get(f"{name}_start"), "end": get(f"{name}_end")}
        elif field.type in MULTI:
            raw[field.key] = getlist(name)
        else:
            raw[field.key] = get(name)
    return raw
