"""模板库: the library's ready definitions (designer.library) in the browser, for the people who design.

Each entry reads as an administrator chooses one: its name, description, number prefix, form fields, and its
steps with their approvers, conditions and limits, each limit with its 依据. 「使用此模板」 turns the entry's
file into a draft through the designer's own import (services.definition_import) and opens it in the
editor; nothing is published. A key already in use is never overwritten: the page names the definition
that has it, and 「另建一份」 makes a draft under the next free key (key-2) with its name marked （2） and a number
prefix no other process numbers with (BX → BXA)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.clocks.basis import basis_text
from xietong.core.http import AuthedRequest
from xietong.core.permissions import CHANGE, can
from xietong.designer import editor_forms as ef
from xietong.designer.library import library_groups, library_text
from xietong.designer.models import ApproverGroup, ProcessDefinition
from xietong.designer.services import KeyTaken, definition_import, may_design
from xietong.designer.wording import before_words, condition_words, field_label
from xietong.org.models import Person

SINGLE = ("manager", "department_head", "division_leader", "general_manager")  # one person: 会签/或签 says nothing


def _designer(request: AuthedRequest) -> None:
    if not may_design(request.user):
        raise Http404


@require_GET
def designer_library(request: AuthedRequest) -> HttpResponse:
    _designer(request)
    groups = library_groups()
    keys = [key for group in groups.values() for key in group]
    existing = {d.key: d for d in ProcessDefinition.objects.filter(key__in=keys)}
    names = _names(groups)
    shown = [
        (label, [_entry(document, existing.get(key), request.user, names) for key, document in group.items()])
        for label, group in groups.items()
    ]
    return render(request, "designer/editor_library.html", {"groups": shown})


@require_POST
def designer_library_use(request: AuthedRequest) -> HttpResponse:
    """The entry's file as a new draft, opened in the editor; a key in use is left alone (see the module)."""
    _designer(request)
    key = request.POST.get("template", "")
    text = library_text(key) if key else None
    if text is None:
        raise Http404
    copy = request.POST.get("copy") == "1"
    try:
        definition = definition_import(
            actor=request.user, text=text, origin=f"library:{key}", keep_existing=True, copy=copy
        )
    except KeyTaken as taken:
        messages.warning(
            request,
            _("“%(name)s”（%(key)s）已在流程列表中，未作改动：可打开它继续修改，或“另建一份”。")
            % {"name": taken.definition.name, "key": taken.definition.key},
        )
        return redirect(f"{reverse('designer-library')}#lib-{key}")
    prefix = str(definition.draft.get("prefix") or "")
    if copy and prefix:
        text = _(
            "已从模板库另建草稿“%(name)s”（%(key)s），编号前缀为“%(prefix)s”（不与其他流程相同），发布前可修改；尚未发布。"
        )
    elif copy:
        text = _("已从模板库另建草稿“%(name)s”（%(key)s）：请填写一个其他流程未用的编号前缀后再发布；尚未发布。")
    else:
        text = _("已从模板库创建草稿“%(name)s”：请按本公司实际修改后发布（尚未发布）。")
    messages.success(request, text % {"name": definition.name, "key": definition.key, "prefix": prefix})
    return redirect("designer-edit", definition.pk)


# --- An entry as the page shows it ------------------------------------------------------------------------


def _names(groups: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, str]]:
    """The approver groups' and named people's names the library's steps refer to (two queries)."""
    steps = [s for group in groups.values() for d in group.values() for s in d.get("steps") or []]
    codes = {str(s["approvers"].get("group")) for s in steps if (s.get("approvers") or {}).get("group")}
    usernames = {str(u) for s in steps for u in (s.get("approvers") or {}).get("people") or []}
    return {
        "groups": dict(ApproverGroup.objects.filter(code__in=codes).values_list("code", "name")),
        "people": {p.username: p.display_name for p in Person.objects.filter(username__in=usernames)},
    }


def _entry(document: dict[str, Any], existing: ProcessDefinition | None, user: Any, names: dict) -> dict[str, Any]:
    fields = {str(f.get("key")): f for f in document.get("fields") or []}
    return {
        "key": document["key"],
        "name": document.get("name") or document["key"],
        "description": document.get("description") or "",
        "prefix": document.get("prefix") or "",
        "fields": [field_label(f) + _earliest(f) for f in fields.values()],
        "steps": [_step(step, fields, names) for step in document.get("steps") or []],
        "existing": existing,
        "existing_editable": existing is not None and can(user, CHANGE, existing),
    }


def _step(step: dict[str, Any], fields: dict[str, dict], names: dict) -> dict[str, Any]:
    approvers = step.get("approvers") or {}
    mode = str(step.get("mode") or "any")
    kind = str(step.get("kind") or "approval")
    one_person = approvers.get("type") in (*SINGLE, "chain") or (
        approvers.get("type") == "field" and (fields.get(str(approvers.get("field"))) or {}).get("type") == "person"
    )
    shows_mode = kind != "cc" and not one_person and mode in dict(ef.MODES)
    limit = step.get("limit") or None
    return {
        "name": step.get("name") or step.get("key"),
        "kind": dict(ef.STEP_KINDS).get(kind, kind),
        "kind_key": kind,
        "approvers": _approvers(approvers, fields, names),
        "mode": dict(ef.MODES)[mode] if shows_mode else "",
        "when": condition_words(step["when"], fields) if step.get("when") else "",
        "limit": _limit(limit, fields) if limit else "",
        "basis": _basis(limit) if limit else "",
        "rules": [
            {
                "limit": _("当 %(when)s 时：%(limit)s")
                % {
                    "when": condition_words(rule.get("when") or {}, fields),
                    # the step's timeout rule, and the date it counts back from
                    "limit": _limit(
                        {
                            **rule,
                            "on_timeout": (limit or {}).get("on_timeout"),
                            "before_field": (limit or {}).get("before_field"),
                        },
                        fields,
                    ),
                },
                "basis": _basis(rule),
            }
            for rule in (limit or {}).get("rules") or []
        ],
    }


def _earliest(field: dict[str, Any]) -> str:
    """（最早：提交后 3 个工作日） after a date field's label when it has a lead time."""
    from xietong.designer.schema import EARLIEST_UNITS, Earliest

    earliest = field.get("earliest") or {}
    if not isinstance(earliest, dict) or earliest.get("unit") not in EARLIEST_UNITS:
        return ""
    return _("（最早：%(rule)s）") % {"rule": Earliest(int(earliest.get("after") or 0), earliest["unit"]).words}


def _approvers(approvers: dict[str, Any], fields: dict[str, dict], names: dict) -> str:
    kind = approvers.get("type")
    labels = dict(ef.APPROVER_TYPES)
    if kind == "chain":
        until = approvers.get("until")
        if until:
            return _("逐级审批，%(until)s") % {"until": dict(ef.CHAIN_UNTIL).get(until, until)}
        return _("逐级审批 %(n)s 级") % {"n": approvers.get("levels") or 1}
    if approvers.get("group"):
        code = str(approvers["group"])
        if code not in names["groups"]:
            return _("审批组：%(code)s（本公司尚未设置，发布前请在审批组中建立）") % {"code": code}
        return _("审批组：%(name)s") % {"name": names["groups"][code]}
    if kind == "role":
        role = str(approvers.get("role") or "")
        return str(dict(ef.ROLES).get(role, role))
    if kind == "people":
        people = [names["people"].get(str(u), str(u)) for u in approvers.get("people") or []]
        return _("指定人员：%(names)s") % {"names": "、".join(people)}
    if kind == "field":
        field = str(approvers.get("field") or "")
        return _("表单中的“%(label)s”") % {"label": field_label(fields.get(field)) or field}
    return str(labels.get(str(kind), kind))


def _limit(limit: dict[str, Any], fields: dict[str, dict]) -> str:
    number, unit = ef._split_duration(str(limit.get("duration") or ""), str(limit.get("mode") or "working"))
    parts = [_("时限 %(n)s %(unit)s") % {"n": number, "unit": dict(ef.LIMIT_UNITS).get(unit, unit)}]
    if before := str(limit.get("before_field") or ""):  # 时限：建议会议时间前 2 个工作日
        words = before_words(
            fields.get(before), before, str(limit.get("duration") or ""), str(limit.get("mode") or "working")
        )
        parts = [_("时限：%(limit)s") % {"limit": words}]
    remind_n, remind_unit = ef._split_duration(str(limit.get("remind_before") or ""), "elapsed")
    if remind_n:
        units = dict(ef.REMIND_UNITS)
        parts.append(_("提前 %(n)s %(unit)s提醒") % {"n": remind_n, "unit": units.get(remind_unit, remind_unit)})
    on_timeout = str(limit.get("on_timeout") or "remind")
    parts.append(_("超时：%(action)s") % {"action": dict(ef.ON_TIMEOUT).get(on_timeout, on_timeout)})
    return _("，").join(str(p) for p in parts)


def _basis(limit: dict[str, Any]) -> str:
    """依据：《文件》条款「原文」 as the clocks show it, or "" when the file names no clause."""
    return basis_text(
        str(limit.get("source") or ""),
        str(limit.get("article") or ""),
        str(limit.get("clause") or ""),
        str(limit.get("also") or ""),
    )
