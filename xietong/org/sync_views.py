"""通讯录同步 page (administrators): choose the platform, preview the diff, apply exactly what was previewed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.platforms import PlatformBusy, PlatformError
from xietong.org import excel_directory
from xietong.org.models import Person
from xietong.org.sync import DEPARTED, SyncPlan, apply_plan, plan_sync, sync_sources

MAX_SHEET_BYTES = 5 * 1024 * 1024


def _uploads() -> Path:
    return Path(settings.DATA_DIR) / "org-sync"


def _sheet(request: AuthedRequest) -> tuple[bytes | None, str]:
    """The Excel sheet of this sync: uploaded now (kept under its digest for the apply step), or the one
    uploaded for the preview (named by its digest in the form). (bytes or None, digest)."""
    upload = request.FILES.get("sheet")
    if upload is not None:
        if upload.size and upload.size > MAX_SHEET_BYTES:
            raise excel_directory.SheetError(_("文件超过 5 MB，请检查是否选错了文件"))
        data = upload.read()
        digest = hashlib.sha256(data).hexdigest()
        _uploads().mkdir(parents=True, exist_ok=True)
        (_uploads() / f"{digest}.xlsx").write_bytes(data)
        return data, digest
    digest = request.POST.get("sheet_digest", "")
    if re.fullmatch(r"[0-9a-f]{64}", digest) and (_uploads() / f"{digest}.xlsx").is_file():
        return (_uploads() / f"{digest}.xlsx").read_bytes(), digest
    return None, ""


def sync_template(request: AuthedRequest) -> HttpResponse:
    """The Excel sheet to fill in (administrators)."""
    if not (request.user.is_staff or request.user.is_superuser):
        raise NotFound()
    response = HttpResponse(
        excel_directory.template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E9%80%9A%E8%AE%AF%E5%BD%95%E6%A8%A1%E6%9D%BF.xlsx"
    return response


def _candidates(plan: SyncPlan | None):
    """Who may take over a departure: active people not leaving in the same sync."""
    leaving = [p.local.pk for p in plan.people if p.kind == DEPARTED and p.local] if plan else []
    people = Person.objects.filter(is_active=True).exclude(pk__in=leaving).select_related("department")
    return people.order_by("department__sort_order", "name")


def _choose_successors(request: AuthedRequest, plan: SyncPlan, choices: dict[int, tuple[str, str]]) -> bool:
    """The successors the administrator chose for the departures (default: the plan's, the department
    head); an empty choice leaves that person active for now. True when a choice is not allowed."""
    candidates = _candidates(plan)
    wrong = False
    for change in plan.people:
        if change.kind != DEPARTED or change.local is None:
            continue
        raw = request.POST.get(f"successor-{change.local.pk}")
        if raw is None:
            continue
        chosen = candidates.filter(pk=int(raw)).first() if raw.isdigit() else None
        if raw and chosen is None:
            choices[change.local.pk] = (raw, _("请选择在职且不在本次离职名单中的接替人"))
            wrong = True
            continue
        choices[change.local.pk] = (raw, "")
        change.successor = chosen
        change.postponed = chosen is None
    return wrong


@require_http_methods(["GET", "POST"])
def org_sync(request: AuthedRequest) -> HttpResponse:
    if not (request.user.is_staff or request.user.is_superuser):
        raise NotFound()
    sources = dict(sync_sources())
    source = request.POST.get("source") or request.GET.get("source") or next(iter(sources), "")
    plan: SyncPlan | None = None
    error = ""
    choices: dict[int, tuple[str, str]] = {}  # departing person → (successor chosen on the page, error)
    sheet_digest = ""
    if request.method == "POST":
        if source not in sources:
            error = _("请选择已配置的通讯录来源")
        else:
            try:
                sheet = None
                if source == excel_directory.SOURCE:
                    sheet, sheet_digest = _sheet(request)
                plan = plan_sync(source, sheet=sheet)
            except excel_directory.SheetError as failure:
                error = str(failure)
            except PlatformBusy:
                error = _("%(platform)s接口调用过于频繁（限流），请稍后重试。") % {"platform": sources[source]}
            except PlatformError as failure:
                error = _("读取%(platform)s通讯录失败：%(error)s") % {"platform": sources[source], "error": failure}
        if plan is not None and request.POST.get("action") == "apply":
            if request.POST.get("fingerprint") != plan.fingerprint():
                error = _("通讯录在预览之后又有变化，请核对下面最新的差异后再应用。")
            elif _choose_successors(request, plan, choices):
                error = _("请更正下面的接替人")
            else:
                try:
                    counts = apply_plan(plan, actor=request.user)
                except ApplicationError as failure:
                    reason = "；".join(str(m) for m in failure.fields.values()) or str(failure.message)
                    error = _("同步未完成，未做任何修改：%(error)s") % {"error": reason}
                else:
                    messages.success(
                        request,
                        _(
                            "已同步%(platform)s通讯录：新增部门 %(departments_new)s、变更部门 %(departments_changed)s、"
                            "新增人员 %(people_new)s、变更人员 %(people_changed)s、离职交接 %(people_handed_over)s。"
                        )
                        % {"platform": sources[source], **counts},
                    )
                    return redirect(f"{reverse('org-sync')}?source={source}")
    departures = [p for p in plan.people if p.kind == DEPARTED and p.local] if plan else []
    context = {
        "departures": [
            {
                "person": p.local,
                "successor": choices.get(p.local.pk, (str(p.successor.pk) if p.successor else "", ""))[0],
                "error": choices.get(p.local.pk, ("", ""))[1],
            }
            for p in departures
            if p.local is not None
        ],
        "candidates": _candidates(plan) if departures else [],
        "sources": sources,
        "source": source,
        "plan": plan,
        "lines": plan.lines() if plan else [],
        "fingerprint": plan.fingerprint() if plan else "",
        "sheet_digest": sheet_digest,
        "error": error,
    }
    return render(request, "org/sync.html", context, status=400 if error and plan is None else 200)
