"""The designer's pages (流程设计): the list of processes, the editor (save draft, preview the form, publish —
a refusal shows each reason at the field or step it concerns and keeps everything typed), the versions
with their items, export and import of a definition file, deleting a draft never published and throwing
away the unpublished changes of a published one (each on a page that asks to confirm).

Administrators design every process; the coordinating office (综合管理部) designs its own and reads the
others. Anyone else gets a 404, as for a page that does not exist — and so does whoever may only read a
definition, on deleting it or throwing its changes away."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.models import EscalationLadder
from xietong.core.errors import ApplicationError, Conflict
from xietong.core.http import AuthedRequest
from xietong.core.permissions import CHANGE, access, can
from xietong.designer import editor_forms as ef
from xietong.designer.form_widgets import item_widgets
from xietong.designer.models import ApproverGroup, DefinitionVersion, ItemState, ProcessDefinition
from xietong.designer.schema import DefinitionError, parse
from xietong.designer.services import (
    checked,
    copy_source,
    definition_copy,
    definition_delete,
    definition_discard_draft,
    definition_import,
    definition_publish,
    definition_save_draft,
    deletion_refusal,
    discard_refusal,
    export_text,
    may_design,
    pending_changes,
)
from xietong.designer.wording import prefix_hint
from xietong.items.step_views import conflict_text
from xietong.org.models import Department
from xietong.org.people_search import people_options

MAX_IMPORT_BYTES = 512 * 1024
CHOICES = {
    "field_types": ef.FIELD_TYPES,
    "column_types": ef.COLUMN_TYPES,
    "step_kinds": ef.STEP_KINDS,
    "approver_types": ef.APPROVER_TYPES,
    "chain_until": ef.CHAIN_UNTIL,
    "roles": ef.ROLES,
    "modes": ef.MODES,
    "ops": ef.OPS,
    "visibility": ef.VISIBILITY,
    "limit_units": ef.LIMIT_UNITS,
    "remind_units": ef.REMIND_UNITS,
    "on_timeout": ef.ON_TIMEOUT,
    "day_counts": ef.DAY_COUNTS,
    "earliest_units": ef.EARLIEST_UNITS,
}
TOP_LEVEL = ("name", "key", "prefix", "visibility", "starters", "description")


def _designer(request: AuthedRequest) -> None:
    if not may_design(request.user):
        raise Http404


def _definition(request: AuthedRequest, definition_id: int, action: str = "view") -> ProcessDefinition:
    _designer(request)
    return access(request.user, ProcessDefinition, definition_id, action)


def _groups() -> list[ApproverGroup]:
    groups = list(ApproverGroup.objects.prefetch_related("members"))
    for group in groups:
        group.members_text = "、".join(p.name for p in group.members.all())  # type: ignore[attr-defined]
    return groups


def _editor(
    request: AuthedRequest,
    doc: dict[str, Any],
    definition: ProcessDefinition | None,
    *,
    errors: dict[str, Any] | None = None,
    preview: bool = False,
    status: int = 200,
    refused: str = "publish",
) -> HttpResponse:
    field_rows, step_rows = ef.editor_rows(doc)
    top: dict[str, list[str]] = {}
    general: list[str] = []
    for place, reasons in (errors or {}).items():
        head = str(place).split(".")[0].split("[")[0]
        if head in TOP_LEVEL:
            top.setdefault(head, []).append(str(reasons))
    rest = {p: r for p, r in (errors or {}).items() if str(p).split(".")[0].split("[")[0] not in TOP_LEVEL}
    general = ef.place_errors(doc, rest, field_rows, step_rows)
    dates = {r.data.get("key") for r in field_rows if r.data.get("type") in ("date", "datetime")}
    for row in step_rows:
        row.chosen_people = _named(request.user, row.people)
        row.before_field_listed = row.limit.get("before_field") in dates
    widgets = None
    preview_error = ""
    if preview:
        try:
            widgets = item_widgets(parse(doc), None, None, request.user)
        except DefinitionError as error:
            # What an input could not read is already said under it; the schema's words for it would repeat it.
            other = [f"{p}：{m}" if p else m for p, m in error.problems if p not in (errors or {})]
            preview_error = "；".join(other) or _("表单预览前，请先按标红处修改。")
    blank_field = ef.FieldRow("__N__", {"type": "text"})
    context = {
        "definition": definition,
        "doc": {**doc, "starters": doc.get("starters") or {}},
        "prefix_hint": prefix_hint(str(doc.get("prefix") or "")),
        "field_rows": field_rows,
        "step_rows": step_rows,
        "starter_people": _named(request.user, list((doc.get("starters") or {}).get("people") or [])),
        "errors": top,
        "general_errors": general,
        "row_errors": any(r.has_errors for r in field_rows)
        or any(r.has_errors for r in step_rows)
        or any(c.has_errors for f in field_rows for c in f.columns),
        "choices": CHOICES,
        # 起算：在某日期字段之前 — the form's date and date-time fields, as they stand on the page
        "date_fields": [
            (str(r.data.get("key")), str(r.data.get("label") or r.data.get("key")))
            for r in field_rows
            if r.data.get("type") in ("date", "datetime") and r.data.get("key")
        ],
        "departments": Department.objects.order_by("sort_order", "pk"),
        "groups": _groups(),
        "ladders": EscalationLadder.objects.order_by("name"),
        "blank_field": blank_field,
        "blank_column": ef.FieldRow("__M__", {"type": "text"}),
        "blank_step": ef.StepRow("__N__", {"kind": "approval", "approvers": {"type": "manager"}, "mode": "any"}),
        "refused": refused,
        "pending": definition is not None and pending_changes(definition),
        "preview_widgets": widgets,
        "preview_error": preview_error,
    }
    return render(request, "designer/editor.html", context, status=status)


@require_GET
def designer_list(request: AuthedRequest) -> HttpResponse:
    _designer(request)
    definitions = (
        ProcessDefinition.objects.restrict(request.user)  # type: ignore[attr-defined]
        .select_related("owner")
        .annotate(item_count=Count("items"))
        .order_by("name")
    )
    rows = []
    for d in definitions:
        current = d.current
        pending = current is not None and d.draft != current.document  # services.pending_changes, one query less
        editable = can(request.user, CHANGE, d)
        rows.append(
            {"d": d, "current": current, "editable": editable, "pending": pending, "copyable": editable or current}
        )
    return render(request, "designer/editor_list.html", {"rows": rows})


def _rearranged(doc: dict[str, Any], request: AuthedRequest) -> dict[str, Any] | None:
    """The editor's add / remove / move buttons without JavaScript: the document changed as asked (not
    saved), or None when the form was not sent by one of them."""
    fields, steps = doc["fields"], doc["steps"]
    add, remove, move = (request.POST.get(n, "") for n in ("add", "remove", "move"))
    if add == "field":
        fields.append({"key": f"field{len(fields) + 1}", "label": "", "type": "text"})
    elif add == "step":
        steps.append({"key": f"step{len(steps) + 1}", "name": "", "kind": "approval", "approvers": {"type": "manager"}})
    elif add.endswith("-column"):
        index = _position(request, "f", add.removesuffix("-column").removeprefix("f"))
        if index is not None:
            columns = fields[index].setdefault("columns", [])
            columns.append({"key": f"col{len(columns) + 1}", "label": "", "type": "text"})
    elif remove:
        kind, row, column = _parse_row(remove)
        index = _position(request, kind, row)
        if index is not None and column is not None:
            positions = ef._row_ids(request.POST, ef._COLUMN, prefix=row)
            if column in positions:
                del fields[index]["columns"][positions.index(column)]
        elif index is not None:
            del (fields if kind == "f" else steps)[index]
    elif move:
        target, _sep, direction = move.rpartition("-")
        kind, row, _column = _parse_row(target)
        index = _position(request, kind, row)
        rows = fields if kind == "f" else steps
        if index is not None:
            other = index - 1 if direction == "up" else index + 1
            if 0 <= other < len(rows):
                rows[index], rows[other] = rows[other], rows[index]
    else:
        return None
    return doc


def _parse_row(value: str) -> tuple[str, str, str | None]:
    kind, rest = value[:1], value[1:]
    row, _sep, column = rest.partition("c")
    return kind, row, column or None


def _position(request: AuthedRequest, kind: str, row: str) -> int | None:
    ids = ef._row_ids(request.POST, ef._ROW, prefix=kind)
    return ids.index(row) if row in ids else None


def _save_or_publish(request: AuthedRequest, definition: ProcessDefinition | None) -> HttpResponse:
    form = ef.read_editor(request.POST)
    doc = form.document
    if definition is not None:
        doc["key"] = definition.key
    rearranged = _rearranged(doc, request)
    if rearranged is not None:
        return _editor(request, rearranged, definition)
    action = request.POST.get("action", "save")
    if action == "preview":
        return _editor(request, doc, definition, preview=True, errors=form.problems, refused=action)
    if form.problems:
        # A number the form cannot read is kept as typed on the page and saved nowhere. Publishing also lists
        # what else stands in the way, each reason at its place (the form's own words win at the same input).
        errors = dict(form.problems)
        if action == "publish":
            try:
                checked(doc)
            except ApplicationError as error:
                errors = {**error.fields, **form.problems}
        return _editor(request, doc, definition, errors=errors, status=400, refused=action)
    expected = request.POST.get("version")
    if definition is None and ProcessDefinition.objects.filter(key=doc["key"]).exists():
        taken = _("流程标识“%(key)s”已被另一个流程使用") % {"key": doc["key"]}
        return _editor(request, doc, None, errors={"key": taken}, status=400)
    try:
        # The draft is kept first, so that a refused publish loses nothing that was typed.
        definition = definition_save_draft(
            actor=request.user,
            document=doc,
            definition=definition,
            expected_version=int(expected) if expected and expected.isdigit() else None,
        )
    except Conflict:
        # The page keeps what was typed, under the version now stored: saving again takes this page as the
        # draft — say so, and where the other change can be read first.
        assert definition is not None  # a conflict is with a definition that exists
        fresh = ProcessDefinition.objects.get(pk=definition.pk)
        stale = _(
            "此流程的草稿已在别处保存了修改（%(when)s）。本页仍是您填写的内容：再次保存将以本页为准，覆盖那次修改；"
            "如需先查看那次修改，请在新标签页打开本流程。"
        ) % {"when": timezone.localtime(fresh.updated_at).strftime("%Y-%m-%d %H:%M")}
        return _editor(request, doc, fresh, errors={"document": stale}, status=409)
    except ApplicationError as error:
        return _editor(request, doc, definition, errors=error.fields or {"document": str(error.message)}, status=400)
    if action != "publish":
        messages.success(request, _("草稿已保存（尚未发布）"))
        return redirect("designer-edit", definition.pk)
    try:
        version = definition_publish(actor=request.user, document=doc)
    except ApplicationError as error:
        return _editor(request, doc, definition, errors=error.fields or {"document": str(error.message)}, status=400)
    messages.success(request, _("已发布“%(name)s”第 %(n)d 版") % {"name": version.definition.name, "n": version.n})
    return redirect("designer-edit", version.definition_id)


@require_http_methods(["GET", "POST"])
def designer_new(request: AuthedRequest) -> HttpResponse:
    _designer(request)
    if request.method == "POST":
        return _save_or_publish(request, None)
    doc: dict[str, Any] = {
        "key": "",
        "name": "",
        "prefix": "",
        "starters": {"everyone": True},
        "visibility": "participants",
        "fields": [{"key": "reason", "label": _("事由"), "type": "textarea", "required": True}],
        "steps": [{"key": "manager", "name": _("直属上级审批"), "kind": "approval", "approvers": {"type": "manager"}}],
    }
    return _editor(request, doc, None)


@require_http_methods(["GET", "POST"])
def designer_edit(request: AuthedRequest, definition_id: int) -> HttpResponse:
    definition = _changeable(request, definition_id)  # a designer who may only read it gets a 404, not a 403
    if request.method == "POST":
        return _save_or_publish(request, definition)
    doc = definition.draft or (definition.current.document if definition.current else {"key": definition.key})
    return _editor(request, dict(doc), definition)


@require_GET
def designer_versions(request: AuthedRequest, definition_id: int) -> HttpResponse:
    definition = _definition(request, definition_id)
    versions = (
        DefinitionVersion.objects.filter(definition=definition)
        .select_related("published_by")
        .annotate(item_count=Count("items"))
        .order_by("-n")
    )
    by_state = {}
    labels = dict(ItemState.choices)
    for version in versions:
        counts = version.items.values("state").annotate(n=Count("pk")).order_by("state")
        by_state[version.pk] = {labels.get(row["state"], row["state"]): row["n"] for row in counts}
    rows = [(v, by_state.get(v.pk, {})) for v in versions]
    return render(request, "designer/editor_versions.html", {"definition": definition, "rows": rows})


@require_GET
def designer_export(request: AuthedRequest, definition_id: int) -> HttpResponse:
    definition = _definition(request, definition_id)
    fmt = "yaml" if request.GET.get("format") == "yaml" else "json"
    version = definition.current
    document = version.document if version is not None and request.GET.get("draft") != "1" else definition.draft
    response = HttpResponse(
        export_text(dict(document), fmt),
        content_type="application/yaml; charset=utf-8" if fmt == "yaml" else "application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{definition.key}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
def designer_import(request: AuthedRequest) -> HttpResponse:
    """A definition file from another installation opens in the editor as a draft (nothing is published)."""
    _designer(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择一个 .json 或 .yaml 文件")
        elif upload.size and upload.size > MAX_IMPORT_BYTES:
            error = _("文件过大（最大 512 KB）")
        else:
            try:
                text = upload.read().decode("utf-8-sig")
                definition = definition_import(actor=request.user, text=text, origin="file")
            except UnicodeDecodeError:
                error = _("文件不是 UTF-8 编码的文本")
            except ApplicationError as refusal:
                error = "；".join(str(m) for m in refusal.fields.values()) or str(refusal.message)
            else:
                messages.success(request, _("已导入为草稿，请检查后发布"))
                return redirect("designer-edit", definition.pk)
    return render(request, "designer/editor_import.html", {"error": error}, status=400 if error else 200)


def _changeable(request: AuthedRequest, definition_id: int) -> ProcessDefinition:
    """A definition the person may change (an owner their own, an administrator any); a 404 for anyone else,
    whoever may read it included."""
    _designer(request)
    found = ProcessDefinition.objects.restrict(request.user, CHANGE).filter(pk=definition_id).first()  # type: ignore[attr-defined]
    if found is None:
        raise Http404
    return found


def _expected(request: AuthedRequest) -> int | None:
    sent = request.POST.get("version", "")
    return int(sent) if sent.isdigit() else None


@require_http_methods(["GET", "POST"])
def designer_delete(request: AuthedRequest, definition_id: int) -> HttpResponse:
    """删除草稿: what goes, then 确认删除 (a published definition shows why it stays instead)."""
    _designer(request)
    if request.method == "POST" and not ProcessDefinition.objects.filter(pk=definition_id).exists():
        # Deleted from another tab meanwhile: the designer hears so, not a bare 404 (nothing is left to hide).
        messages.info(request, _("该草稿已不存在（可能已在别处删除）"))
        return redirect("designer-list")
    definition = _changeable(request, definition_id)
    refusal, stale, status = deletion_refusal(definition), "", 200
    if request.method == "POST":
        try:
            definition_delete(actor=request.user, definition=definition, expected_version=_expected(request))
        except Conflict:  # the page is shown again as the definition is now, to be confirmed again
            stale, status = conflict_text(typed=False), 409
        except ApplicationError as error:
            refusal, status = str(error.message), error.status
        else:
            messages.success(
                request, _("已删除草稿“%(name)s”（%(key)s）") % {"name": definition.name, "key": definition.key}
            )
            return redirect("designer-list")
    context = {"definition": definition, "action": "delete", "refusal": refusal, "stale": stale}
    return render(request, "designer/editor_confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
def designer_discard(request: AuthedRequest, definition_id: int) -> HttpResponse:
    """放弃未发布的修改: the published version it goes back to, then 确认放弃."""
    definition = _changeable(request, definition_id)
    refusal, stale, status = discard_refusal(definition), "", 200
    if request.method == "POST":
        try:
            version = definition_discard_draft(
                actor=request.user, definition=definition, expected_version=_expected(request)
            )
        except Conflict:
            stale, status = conflict_text(typed=False), 409
        except ApplicationError as error:
            refusal, status = str(error.message), error.status
        else:
            messages.success(request, _("已放弃未发布的修改，恢复为已发布的第 %(n)d 版") % {"n": version.n})
            return redirect("designer-edit", definition.pk)
    context = {
        "definition": definition,
        "action": "discard",
        "refusal": refusal,
        "stale": stale,
        "current": definition.current,
    }
    return render(request, "designer/editor_confirm.html", context, status=status)


@require_POST
def designer_copy(request: AuthedRequest, definition_id: int) -> HttpResponse:
    """复制: a draft of a new process from one the person may see in the designer, opened in the editor."""
    definition = _definition(request, definition_id)
    if copy_source(request.user, definition) is None:
        raise Http404  # an unpublished draft of someone else's: not for them to read, so not to copy
    copied = definition_copy(actor=request.user, definition=definition)
    messages.success(
        request,
        _("已复制为新流程“%(name)s”（%(key)s，编号前缀 %(prefix)s），尚未发布：请修改后发布")
        % {"name": copied.name, "key": copied.key, "prefix": copied.draft.get("prefix") or "—"},
    )
    return redirect("designer-edit", copied.pk)


def _named(user: Any, usernames: list[str]) -> list[dict[str, Any]]:
    """The people a definition names, as its pickers show them; a username nobody has stays, as typed, so
    the refusal that names it can be read beside it and the name removed."""
    known = {p["username"]: p for p in people_options(user, usernames=usernames)}
    return [known.get(u) or {"username": u, "label": u, "search": u.lower()} for u in usernames]


def document_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)
