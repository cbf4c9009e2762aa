"""紧急事项 pages: the one-step report (from the header of every page and from robot links), the live
incident page, and the forms that steer an incident from team to review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views, open_clock
from xietong.clocks.wording import clock_limit_text, due_text
from xietong.core.errors import ApplicationError
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.incidents.choices import ACTIVE_STATES, EntryKind, IncidentState, is_commander
from xietong.incidents.forms import (
    AcknowledgeForm,
    ControlForm,
    DoneForm,
    IncidentReportForm,
    LeaderReportForm,
    NoticeForm,
    PlanForm,
    ResolveForm,
    ReviewForm,
    TeamForm,
    UpdateForm,
    WrittenReportForm,
)
from xietong.incidents.models import ImprovementAction, Incident
from xietong.incidents.process import INCIDENT
from xietong.incidents.selectors import SCOPES, incident_list, live_state
from xietong.incidents.services import (
    improvement_done,
    incident_acknowledge,
    incident_assign_team,
    incident_control,
    incident_leader_report,
    incident_notice_save,
    incident_plan,
    incident_post_update,
    incident_report,
    incident_resolve,
    incident_review,
    incident_written_report,
)
from xietong.items.panels import panels_for
from xietong.items.selectors import timeline
from xietong.items.services import attachments_of, comments_of

FIELD_LABELS = {
    "state": gettext_lazy("状态"),
    "title": gettext_lazy("主题"),
    "description": gettext_lazy("发生了什么"),
    "scope": gettext_lazy("影响范围"),
    "measures_taken": gettext_lazy("已采取的临时措施"),
    "lead": gettext_lazy("应急负责人"),
    "responsible_department": gettext_lazy("主责部门"),
    "cause": gettext_lazy("问题原因"),
    "measures": gettext_lazy("解决措施"),
    "summary": gettext_lazy("复盘结论"),
    "customer_notice": gettext_lazy("用户告知函"),
}
PREFILL = ("title", "description", "scope", "measures_taken", "responsible_department")


@require_GET
def incident_index(request: AuthedRequest) -> HttpResponse:
    scope = request.GET.get("scope", "active")
    scope = scope if scope in SCOPES else "active"
    q = request.GET.get("q", "")[:50]
    page = Paginator(incident_list(request.user, scope, q), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/list.html",
        {"page": page, "scope": scope, "q": q, "tones": INCIDENT.tones, "query": request.GET.urlencode()},
    )


@require_http_methods(["GET", "POST"])
def incident_report_view(request: AuthedRequest) -> HttpResponse:
    """GET works from a robot message link: fields may come prefilled in the query string."""
    if request.method == "POST":
        form = IncidentReportForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                incident = incident_report(actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(
                    request,
                    _("紧急事项 %(n)s 已上报，已通知 %(lead)s 及相关负责人")
                    % {"n": incident.number, "lead": incident.lead.display_name},
                )
                return redirect(incident.get_absolute_url())
    else:
        form = IncidentReportForm(
            user=request.user, initial={k: request.GET[k][:3000] for k in PREFILL if request.GET.get(k)}
        )
    return render(request, "incidents/report.html", {"form": form})


def _incident(request: AuthedRequest, incident_id: int) -> Incident:
    return access(
        request.user,
        Incident.objects.select_related(
            "lead",
            "responsible_department__head",
            "reporting_department",
            "created_by",
            "project",
            "notice_published_by",
        ),
        incident_id,
    )


def live_context(request: AuthedRequest, incident: Incident) -> dict[str, Any]:
    memberships = list(incident.memberships.select_related("person__department"))
    mine = next((m for m in memberships if m.person_id == request.user.pk), None)
    return {
        "item": incident,
        "tone": INCIDENT.tones.get(incident.state, ""),
        "live": live_state(incident),
        "memberships": memberships,
        "my_membership": mine,
        "entries": list(incident.entries.select_related("author")),
        "is_active": incident.state in ACTIVE_STATES,
    }


def detail_context(request: AuthedRequest, incident: Incident, **forms: Form) -> dict[str, Any]:
    context = live_context(request, incident)
    commander = is_commander(request.user, incident)
    mine = context["my_membership"]
    active = context["is_active"]
    on_team = commander or mine is not None
    state = incident.state

    def pick(name: str, show: bool, factory: Callable[[], Form]) -> Form | None:
        return forms.get(name) or (factory() if show else None)

    context.update(
        {
            "subject": incident,
            "panels": panels_for(request, incident),
            "commander": commander,
            "team_form": pick("team_form", commander and state in ("reported", "responding"), TeamForm),
            "update_form": pick(
                "update_form", active and on_team, lambda: UpdateForm(initial={"kind": EntryKind.STATUS})
            ),
            "ack_form": pick("ack_form", active and mine is not None and mine.acknowledged_at is None, AcknowledgeForm),
            "control_form": pick("control_form", commander and state == IncidentState.RESPONDING, ControlForm),
            "resolve_form": pick("resolve_form", commander and active, ResolveForm),
            "notice_form": pick(
                "notice_form",
                on_team and state in ("resolved", "closed") and incident.notice_published_at is None,
                lambda: NoticeForm(initial={"text": incident.customer_notice}),
            ),
            "review_form": pick("review_form", commander and state == IncidentState.RESOLVED, ReviewForm),
            "written_report_form": pick(
                "written_report_form",
                not incident.detailed_report_at
                and (request.user.pk == incident.created_by_id or commander)
                and state not in (IncidentState.CLOSED,),
                WrittenReportForm,
            ),
            "plan_form": pick("plan_form", commander and active and not incident.plan_at, PlanForm),
            "leader_report_form": pick(
                "leader_report_form",
                on_team and state in (IncidentState.REPORTED, IncidentState.RESPONDING),
                LeaderReportForm,
            ),
            "actions": _improvements(request, incident),
            "clock_views": clock_views(incident),
            "timeline": timeline(incident, FIELD_LABELS),
            "comments": comments_of(incident),
            "attachments": attachments_of(incident),
        }
    )
    return context


@require_GET
def incident_detail(request: AuthedRequest, incident_id: int) -> HttpResponse:
    incident = _incident(request, incident_id)
    if request.htmx and request.htmx.target == "live":
        return render(request, "incidents/_live.html", live_context(request, incident))
    return render(request, "incidents/detail.html", detail_context(request, incident))


def _form_post(
    request: AuthedRequest,
    incident_id: int,
    form_class: type[Form],
    name: str,
    run: Callable[[Incident, Form], object],
    success: str | Callable[[Incident], str],
) -> HttpResponse:
    """The live page's forms: valid → service → back to the page; refused → the page again with the
    messages next to the fields, nothing saved."""
    incident = _incident(request, incident_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(incident, form)
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            messages.success(request, success(incident) if callable(success) else success)
            return redirect(incident.get_absolute_url())
    messages.error(request, _("未保存：请按提示修改后重新提交"))
    return render(request, "incidents/detail.html", detail_context(request, incident, **{name: form}), status=200)


def limit_text(incident: Incident, limit: str, plain: str, timed: str) -> str:
    """A flash that names a limit does so from the clock that runs it (due instant and duration)."""
    clock = open_clock(incident, limit)
    if clock is None:
        return plain
    return timed % {"due": due_text(clock.limit_due_at), "limit": clock_limit_text(clock)}


@require_POST
def incident_team_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        TeamForm,
        "team_form",
        lambda incident, form: incident_assign_team(actor=request.user, incident=incident, members=form.members()),  # type: ignore[attr-defined]
        lambda incident: limit_text(
            incident,
            "team_ready",
            _("应急小组分工已发布"),
            _("应急小组分工已发布，成员须在 %(due)s 前（%(limit)s内）到位"),
        ),
    )


@require_POST
def incident_ack_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        AcknowledgeForm,
        "ack_form",
        lambda incident, form: incident_acknowledge(
            actor=request.user, incident=incident, ready_note=form.cleaned_data["ready_note"]
        ),
        _("已确认到位"),
    )


@require_POST
def incident_update_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        UpdateForm,
        "update_form",
        lambda incident, form: incident_post_update(
            actor=request.user, incident=incident, body=form.cleaned_data["body"], kind=form.cleaned_data["kind"]
        ),
        _("已更新"),
    )


@require_POST
def incident_control_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        ControlForm,
        "control_form",
        lambda incident, form: incident_control(actor=request.user, incident=incident, note=form.cleaned_data["note"]),
        _("已标记为风险已控制"),
    )


@require_POST
def incident_resolve_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        ResolveForm,
        "resolve_form",
        lambda incident, form: incident_resolve(
            actor=request.user,
            incident=incident,
            cause=form.cleaned_data["cause"],
            measures=form.cleaned_data["measures"],
        ),
        lambda incident: limit_text(
            incident,
            "review",
            _("已宣布问题已解决；用户告知函已起草"),
            _("已宣布问题已解决；用户告知函已起草，请在 %(due)s 前（%(limit)s内）完成复盘"),
        ),
    )


@require_POST
def incident_notice_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    publish = "publish" in request.POST
    return _form_post(
        request,
        incident_id,
        NoticeForm,
        "notice_form",
        lambda incident, form: incident_notice_save(
            actor=request.user,
            incident=incident,
            text=form.cleaned_data["text"],
            publish=publish,
            recipients=form.addresses(),  # type: ignore[attr-defined]
        ),
        _("用户告知函已发送") if publish else _("用户告知函已保存"),
    )


@require_POST
def incident_written_report_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        WrittenReportForm,
        "written_report_form",
        lambda incident, form: incident_written_report(
            actor=request.user, incident=incident, report=form.cleaned_data["report"]
        ),
        _("紧急事项报告已提交"),
    )


@require_POST
def incident_plan_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        PlanForm,
        "plan_form",
        lambda incident, form: incident_plan(actor=request.user, incident=incident, plan=form.cleaned_data["plan"]),
        _("应急方案已发布"),
    )


@require_POST
def incident_leader_report_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        LeaderReportForm,
        "leader_report_form",
        lambda incident, form: incident_leader_report(
            actor=request.user, incident=incident, body=form.cleaned_data["body"]
        ),
        lambda incident: limit_text(
            incident,
            "leader_report",
            _("已向分管领导汇报"),
            _("已向分管领导汇报；下次汇报须在 %(due)s 前（%(limit)s内）"),
        ),
    )


@require_POST
def incident_review_view(request: AuthedRequest, incident_id: int) -> HttpResponse:
    return _form_post(
        request,
        incident_id,
        ReviewForm,
        "review_form",
        lambda incident, form: incident_review(
            actor=request.user,
            incident=incident,
            summary=form.cleaned_data["summary"],
            actions=form.actions(),  # type: ignore[attr-defined]
        ),
        _("复盘已完成，改进措施已分派给负责人"),
    )


def _improvements(request: AuthedRequest, incident: Incident) -> list[ImprovementAction]:
    """The incident's improvement actions, each marked `openable` when the person may open its page: the list is
    for everyone who sees the incident, a link only where it leads somewhere (not a 404)."""
    actions = list(incident.improvement_actions.select_related("owner"))
    openable = set(
        ImprovementAction.objects.restrict(request.user)  # type: ignore[attr-defined]
        .filter(pk__in=[a.pk for a in actions])
        .values_list("pk", flat=True)
    )
    for a in actions:
        a.openable = a.pk in openable  # type: ignore[attr-defined]
    return actions


def _action(request: AuthedRequest, action_id: int) -> ImprovementAction:
    return access(
        request.user,
        ImprovementAction.objects.select_related("incident", "owner", "department", "created_by"),
        action_id,
    )


@require_GET
def improvement_detail(request: AuthedRequest, action_id: int) -> HttpResponse:
    return _improvement_page(request, _action(request, action_id))


def _improvement_page(request: AuthedRequest, action: ImprovementAction, form: DoneForm | None = None) -> HttpResponse:
    return render(
        request,
        "incidents/action.html",
        {
            "action": action,
            "subject": action,
            "form": form or (DoneForm() if action.state == "open" and action.owner_id == request.user.pk else None),
            "clock_views": clock_views(action),
            "timeline": timeline(action, {"state": _("状态"), "title": _("内容"), "due_date": _("完成时间")}),
            "comments": comments_of(action),
            "attachments": attachments_of(action),
        },
    )


@require_POST
def improvement_done_view(request: AuthedRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    form = DoneForm(request.POST)
    form.is_valid()
    try:
        improvement_done(actor=request.user, action=action, note=form.cleaned_data.get("note", ""))
    except ApplicationError as error:
        form_apply_error(form, error)
        messages.error(request, _("未保存：请按提示修改后重新提交"))
        return _improvement_page(request, action, form)
    messages.success(request, _("改进措施已完成"))
    return redirect(action.get_absolute_url())
