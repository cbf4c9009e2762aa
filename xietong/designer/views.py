"""The pages of a designed process at /p/<key>/ (the generic process pages hand over to these): the list
with filters, the start form rendered from the definition, the item page with its form values, approval
tasks, steps, clocks and timeline, and its steps — all through the permission filter and the runner."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.uploads import upload_refusal
from xietong.designer.form_widgets import item_widgets
from xietong.designer.models import ApprovalTask, DesignedItem, ItemState, ProcessDefinition, TaskState
from xietong.designer.schema import Definition, parse, raw_from_post
from xietong.designer.shown import shown_values
from xietong.items.process import Process
from xietong.items.runner import run_step
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import StepRefusal, step_refusal_forget, step_refusal_take, step_refused_tell
from xietong.org.models import Person, Project
from xietong.org.people_search import people_options


def _definition(process: Process) -> ProcessDefinition:
    found = ProcessDefinition.objects.filter(key=process.key, is_active=True).first()
    if found is None:
        raise Http404
    return found


def _items(request: AuthedRequest, process: Process) -> Any:
    return DesignedItem.objects.restrict(request.user).filter(definition__key=process.key)


def _current(process: Process) -> Definition:
    version = _definition(process).current
    if version is None:
        raise Http404
    return parse(version.document)


class DesignedPages:
    """Handed the generic /p/<key>/ routes by items.generic_views (Process.page_views)."""

    @staticmethod
    @require_GET
    def list(request: AuthedRequest, process: Process) -> HttpResponse:
        from xietong.designer.items import may_start

        version = _definition(process).current
        items = _items(request, process).select_related("project", "created_by", "definition_version")
        scope = request.GET.get("scope", "all")
        if scope == "todo":
            waiting = ApprovalTask.objects.filter(person=request.user, status=TaskState.OPEN).values("item_id")
            items = items.filter(pk__in=waiting, state=ItemState.RUNNING)
        elif scope == "mine":
            items = items.filter(created_by=request.user)
        state = request.GET.get("state", "")
        if state in process.state_labels:
            items = items.filter(state=state)
        query = request.GET.get("q", "").strip()
        if query:
            items = items.filter(title__icontains=query) | items.filter(number__icontains=query)
        if request.GET.get("export") == "xlsx":
            from xietong.designer.exports import list_workbook

            definition = _current(process)
            rows = list(items.order_by("-created_at", "-pk")[:5000])
            data = list_workbook(definition, rows, lambda item: shown_values(_definition_of(item), item))
            return _xlsx(data, f"{definition.name}.xlsx")
        page = Paginator(items.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
        context = {
            "process": process,
            "page": page,
            "scope": scope,
            "state": state,
            "q": query,
            "states": process.state_labels.items(),
            "tones": process.tones,
            "query": f"scope={scope}&state={state}&q={query}",
            # 发起 only for those its 谁可以发起 names: anyone else's /new/ is a 404
            "may_start": version is not None and may_start(request.user, parse(version.document)),
        }
        return render(request, "designer/item_list.html", context)

    @staticmethod
    @require_http_methods(["GET", "POST"])
    def new(request: AuthedRequest, process: Process) -> HttpResponse:
        from xietong.designer.items import designed_item_create, may_start

        definition_row = _definition(process)
        definition = _current(process)
        if not may_start(request.user, definition):
            raise Http404
        errors: dict[str, str] = {}
        sent = request.POST if request.method == "POST" else {}
        choosers = [s for s in definition.steps if s.approvers.get("type") == "chooser"]
        chosen = {
            s.key: [int(p) for p in ",".join(request.POST.getlist(f"chooser_{s.key}")).split(",") if p.isdigit()]
            for s in choosers
        }
        if request.method == "POST":
            project = Project.objects.restrict(request.user).filter(pk=request.POST.get("project") or 0).first()
            try:
                item = designed_item_create(
                    definition=definition_row,
                    actor=request.user,
                    title=request.POST.get("title", ""),
                    project=project,
                    raw=raw_from_post(definition, request.POST),
                    chosen=chosen,
                    submit="draft" not in request.POST,
                    uploads=_uploads(definition, request),
                    refused=_refused_uploads(definition, request),
                )
            except ApplicationError as error:
                errors = {k: str(v) for k, v in error.fields.items()} or {"title": str(error.message)}
            else:
                done = _("%(n)s 已提交") if item.state != ItemState.DRAFT else _("草稿 %(n)s 已保存")
                messages.success(request, done % {"n": item.number})
                return redirect(item.get_absolute_url())
        context = {
            "process": process,
            "definition": definition,
            "fields": _form_fields(definition, sent, errors),
            "widgets": item_widgets(
                definition, raw_from_post(definition, sent) if sent else None, errors, request.user
            ),
            "errors": errors,
            "sent": sent,
            "projects": Project.objects.restrict(request.user).filter(status="active").order_by("name"),
            "choosers": [
                {
                    "key": s.key,
                    "name": s.name,
                    "error": errors.get(f"chooser_{s.key}", ""),
                    "chosen": people_options(request.user, ids=chosen[s.key]),
                }
                for s in choosers
            ],
        }
        return render(request, "designer/item_form.html", context, status=400 if errors else 200)

    @staticmethod
    @require_GET
    def detail(request: AuthedRequest, process: Process, pk: int) -> HttpResponse:
        item = access(request.user, _items(request, process).select_related("project", "created_by"), pk)
        if request.GET.get("export") == "xlsx":
            from xietong.designer.definitions import definition_of
            from xietong.designer.exports import item_workbook

            tasks = list(item.tasks.select_related("person").order_by("round", "pk"))
            values = shown_values(definition_of(item), item)
            return _xlsx(item_workbook(item, values, tasks), f"{item.number}.xlsx")
        return _detail_page(request, process, item)

    @staticmethod
    @require_POST
    def step(request: AuthedRequest, process: Process, pk: int, action: str) -> HttpResponse:
        item = access(request.user, _items(request, process), pk)
        inputs: dict[str, Any] = {}
        if request.POST.get("to_person"):
            inputs["to"] = Person.objects.filter(
                pk=request.POST["to_person"] if request.POST["to_person"].isdigit() else 0
            ).first()
        if request.POST.get("to_step"):
            inputs["to"] = request.POST["to_step"]
        inputs["how"] = request.POST.get("how", "")
        version = request.POST.get("version", "")
        try:
            with transaction.atomic():
                if action == "submit" and request.FILES:
                    _attach_on_submit(request, item)
                run_step(
                    actor=request.user,
                    item=item,
                    step=action,
                    reason=request.POST.get("reason", ""),
                    inputs=inputs,
                    expected_version=int(version) if version.isdigit() else None,
                )
        except ApplicationError as error:
            # Back to the item's page like a taken step (a reload sends nothing twice), the refusal kept for it
            # (items.step_views): the step's form shows what was sent — the opinion, the person chosen,
            # before/after, the step to return to — with each message at its own input ("to": the person or the
            # step); a step no longer offered to this person shows the typed text by itself.
            step_refused_tell(request, process, item, action, error, at=("to",))
        else:
            step_refusal_forget(request)
            messages.success(request, _("已完成：%(action)s") % {"action": process.get(action).label})
        return redirect(item.get_absolute_url())


def _detail_page(request: AuthedRequest, process: Process, item: DesignedItem) -> HttpResponse:
    from xietong.designer.definitions import definition_of

    definition = definition_of(item)
    actions = list(process.available(item, request.user))
    refused = step_refusal_take(request, item)  # a step refused just before, shown once (items.step_views)
    tasks = list(item.tasks.select_related("person", "added_by").order_by("round", "pk"))
    context = {
        "process": process,
        "item": item,
        "subject": item,
        "tone": process.tones.get(item.state, ""),
        "values": shown_values(definition, item),
        "tasks": tasks,
        "steps": definition.steps,
        "skipped_steps": _skipped(definition, item, tasks),
        "file_fields": [f for f in definition.fields if f.type in ("attachment", "attachments")],
        "actions": actions,
        "action_rows": [_action_row(s, refused) for s in actions],
        "refused": refused,
        "earlier_steps": _earlier(definition, item),
        "clock_views": rule_labels(definition, approver_clocks(item, clock_views(item))),
        "timeline": timeline(item),
        "comments": comments_of(item),
        "attachments": attachments_of(item),
        "version": item.definition_version,
        "policy_process": item.definition_version.policy_process,
    }
    return render(request, "designer/item_detail.html", context)


def _action_row(step: Any, refused: StepRefusal | None) -> dict[str, Any]:
    """A step's form on the item page: the refusal kept for it, if any, and the person it had chosen."""
    from xietong.org.people_search import person_row

    kept = refused if refused is not None and refused.action == step.name else None
    chosen = str(kept.values.get("to_person", "")) if kept is not None else ""
    person = Person.objects.filter(pk=chosen).first() if chosen.isdigit() else None
    return {"step": step, "kept": kept, "chosen": [person_row(person)] if person is not None else []}


def approver_clocks(item: DesignedItem, views: list[Any]) -> list[Any]:
    """Each step clock with the step's approvers of that arming (会签: everyone), each with their own due time
    (designer.approver_deadlines: from when they got the task) and state: approved on time or late, still to
    act (time left or overdue), or waiting."""
    from django.utils import timezone

    from xietong.clocks.selectors import PersonDue
    from xietong.core import clock as time_source
    from xietong.designer.approver_deadlines import approver_due, time_left_words

    tasks = list(item.tasks.exclude(status=TaskState.SENT).select_related("person").order_by("position", "pk"))
    steps = {v.clock.limit for v in views if v.clock.kind == v.clock.limit}
    armed = sorted(
        (v.clock.created_at for v in views if v.clock.kind == v.clock.limit and not v.clock.part), reverse=True
    )
    now = time_source.now()
    for view in views:
        clock = view.clock
        if clock.kind != clock.limit or clock.limit not in steps or clock.part:
            continue  # an approver's own clock (issue 21) is its own row, with them as its owner
        later = [t for t in armed if t > clock.created_at]
        until = min(later) if later else None
        mine = [
            t
            for t in tasks
            if t.step == clock.limit and t.created_at >= clock.created_at and (until is None or t.created_at < until)
        ]
        lines = []
        for task in mine:
            due = approver_due(clock, task) or clock.limit_due_at
            if task.acted_at is not None and task.status in (TaskState.APPROVED, TaskState.DONE):
                when = timezone.localtime(task.acted_at).strftime("%m-%d %H:%M")
                late = task.acted_at > due
                status = (_("%(state)s %(when)s（超时）") if late else _("%(state)s %(when)s（按时）")) % {
                    "state": task.get_status_display(),
                    "when": when,
                }
                lines.append(PersonDue(task.person.display_name, due, status, "warn" if late else "ok"))
            elif task.status == TaskState.OPEN and clock.closed_at is None:
                words, late = time_left_words(clock, due, now)
                left = (_("已超时 %(span)s") if late else _("剩余 %(span)s")) % {"span": words}
                status = _("待处理 · %(clock)s") % {"clock": left}
                lines.append(PersonDue(task.person.display_name, due, status, "late" if late else view.tone))
            elif task.status == TaskState.WAITING:
                lines.append(PersonDue(task.person.display_name, None, _("未到（等待前一位审批）"), "muted"))
            else:
                lines.append(PersonDue(task.person.display_name, None, task.get_status_display(), "muted"))
        if len(lines) > 1:
            view.people = lines
    return views


def rule_labels(definition: Definition, views: list[Any]) -> list[Any]:
    """A clock armed under one of its step's limits by condition says which (its 依据 is that rule's clause):
    主责部门处理 · 紧急程度 = 高：2 小时; one counted back from a date field says from which:
    发送会议通知 · 建议会议时间前 2 个工作日."""
    from xietong.clocks.durations import duration_text
    from xietong.designer.wording import before_words, condition_words  # as the 模板库 words them

    fields = {str(f.get("key")): f for f in definition.document.get("fields") or []}

    for view in views:
        policy = view.clock.policy
        if policy is None:
            continue
        step = next((s for s in definition.steps if s.key == view.clock.limit), None)
        if step is None or step.limit is None:
            continue
        before = step.limit.before_field
        limit = (
            before_words(fields.get(before), before, policy.duration, policy.mode)
            if before
            else duration_text(policy.duration, policy.mode)
        )
        if policy.priority == "*" and before:  # 发送会议通知 · 建议会议时间前 2 个工作日
            view.label = _("%(step)s · %(limit)s") % {"step": view.label, "limit": limit}
            continue
        n = int(policy.priority.removeprefix("when-") or 0) if policy.priority.startswith("when-") else 0
        if not 0 < n <= len(step.limit.rules):
            continue
        rule = step.limit.rules[n - 1]
        view.label = _("%(step)s · %(when)s：%(limit)s") % {
            "step": view.label,
            "when": condition_words(dict(rule.when), fields),
            "limit": limit,
        }
    return views


def _attach_on_submit(request: AuthedRequest, item: DesignedItem) -> None:
    """Files added when the requester submits again (after 退回 or from a draft), checked like the form's:
    attached to the item and named in its fields before the submit step runs, in one transaction with it."""
    from xietong.designer.items import field_files_attach, uploads_checked

    definition = _definition_of(item)
    uploads = _uploads(definition, request)
    if item.created_by_id != request.user.pk:
        raise ApplicationError(_("只有发起人可以补充附件"))
    errors = uploads_checked(definition, uploads, item.values, refused=_refused_uploads(definition, request))
    if errors:
        raise ApplicationError("；".join(errors.values()), fields=errors)
    field_files_attach(actor=request.user, item=item, definition=definition, uploads=uploads)


def _uploads(definition: Definition, request: AuthedRequest) -> dict[str, list[Any]]:
    return {
        f.key: request.FILES.getlist(f"f_{f.key}") for f in definition.fields if f.type in ("attachment", "attachments")
    }


def _refused_uploads(definition: Definition, request: AuthedRequest) -> dict[str, str]:
    """Files of the form's attachment fields dropped on arrival for their size, by form field name."""
    names = [f"f_{f.key}" for f in definition.fields if f.type in ("attachment", "attachments")]
    return {name: refusal for name in names if (refusal := upload_refusal(request, name)) is not None}


def _definition_of(item: DesignedItem) -> Definition:
    from xietong.designer.definitions import definition_of

    return definition_of(item)


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _skipped(definition: Definition, item: DesignedItem, tasks: list[ApprovalTask]) -> set[str]:
    """The steps this round passed over because their condition did not hold (总经理审批 when 合计 is not above
    50,000): before the current step, or any once approved, with a condition and no task of the round. Without a
    word the page listed 总经理审批 bare between a done step and an open one, as if still to come."""
    keys = [s.key for s in definition.steps]
    if item.state == ItemState.APPROVED:
        passed = len(keys)
    elif item.state == ItemState.RUNNING and item.step in keys:
        passed = keys.index(item.step)
    else:
        return set()
    had = {t.step for t in tasks if t.round == item.round}
    return {s.key for s in definition.steps[:passed] if s.when and s.key not in had}


def _earlier(definition: Definition, item: DesignedItem) -> list[Any]:
    if not item.step:
        return []
    keys = [s.key for s in definition.steps]
    passed = set(
        ApprovalTask.objects.filter(item=item, round=item.round)
        .exclude(status=TaskState.SENT)
        .values_list("step", flat=True)
    )
    return [s for s in definition.steps[: keys.index(item.step)] if s.key in passed]


def _form_fields(definition: Definition, sent: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    """Each field with its HTML name, what was typed (kept on a refusal) and its error."""
    out = []
    for field in definition.fields:
        name = f"f_{field.key}"
        entry: dict[str, Any] = {"field": field, "name": name, "error": errors.get(name, "")}
        if field.type == "table":
            rows = raw_from_post(definition, sent).get(field.key) if sent else []
            rows = rows or [{}]
            entry["rows"] = [
                {
                    "n": n,
                    "cells": [
                        {
                            "col": c,
                            "name": f"{name}-{n}-{c.key}",
                            "value": (r.get(c.key) or ""),
                            "error": errors.get(f"{name}-{n}-{c.key}", ""),
                        }
                        for c in field.columns
                    ],
                }
                for n, r in enumerate(rows)
            ]
        elif field.type == "daterange":
            entry["start"] = sent.get(f"{name}_start", "") if sent else ""
            entry["end"] = sent.get(f"{name}_end", "") if sent else ""
        elif sent:
            entry["value"] = sent.get(name, "")
            entry["values"] = sent.getlist(name) if hasattr(sent, "getlist") else []
        else:
            entry["value"] = "" if field.default is None else str(field.default)
            entry["values"] = []
        out.append(entry)
    return out
