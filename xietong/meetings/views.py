"""会议 pages: lists, the application form, the meeting page (notice, answers, minutes, action items),
a series, action items, the iCalendar download and the private calendar feed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.clocks.selectors import clock_views
from xietong.core import clock
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest, wants_fragment
from xietong.core.permissions import access
from xietong.core.views import form_apply_error
from xietong.items.services import attachments_of, comments_of
from xietong.items.step_views import step_refused_tell, step_view
from xietong.meetings.answers import LEAVE_REASON_MAX, meeting_respond
from xietong.meetings.callers import caller_for, caller_key, caller_of
from xietong.meetings.choices import (
    EDITABLE_STATES,
    RESPONSE_TONES,
    MeetingState,
    MinutesState,
    Response,
)
from xietong.meetings.forms import (
    FIELD_MAP,
    ActionItemFormSet,
    MeetingForm,
    MinutesForm,
    RespondForm,
    SeriesForm,
)
from xietong.meetings.ical import calendar_feed_person, calendar_feed_reset, feed_ics, meeting_ics
from xietong.meetings.minutes import (
    ActionLine,
    may_edit_minutes,
    minutes_actions,
    minutes_save,
    minutes_transition,
)
from xietong.meetings.minutes_process import ACTION_ITEM, MINUTES
from xietong.meetings.models import (
    ActionItem,
    CalendarFeed,
    Meeting,
    MeetingSeries,
    MeetingType,
    Minutes,
    SeriesFrequency,
)
from xietong.meetings.process import MEETING
from xietong.meetings.rules import meeting_warnings
from xietong.meetings.selectors import (
    ACTION_SCOPES,
    SCOPES,
    MeetingFilters,
    action_item_list,
    action_rows,
    attendance,
    meeting_action_rows,
    meeting_list,
    my_participation,
    series_followups,
)
from xietong.meetings.services import (
    meeting_actions,
    meeting_create,
    meeting_transition,
    meeting_update,
    series_upcoming,
    series_update,
)
from xietong.meetings.timeline import readable_timeline
from xietong.meetings.tracking import tracking_rows, tracking_workbook

FIELD_LABELS = {
    "state": gettext_lazy("状态"),
    "title": gettext_lazy("主题"),
    "start_at": gettext_lazy("开始时间"),
    "end_at": gettext_lazy("结束时间"),
    "room": gettext_lazy("会议室"),
    "online_link": gettext_lazy("线上会议"),
    "chair": gettext_lazy("主持人"),
    "participants": gettext_lazy("参会人"),
    "agenda": gettext_lazy("议程"),
    "goal": gettext_lazy("会议目标"),
    "materials": gettext_lazy("需提前准备的材料"),
    "late_notice": gettext_lazy("通知迟于规定"),
    "late_application": gettext_lazy("申请迟于规定"),
    "approver": gettext_lazy("审批人"),
    "response": gettext_lazy("答复"),
    "minutes": gettext_lazy("纪要"),
}
VALUE_LABELS: dict[str | Promise, Mapping[str, str | Promise]] = {
    FIELD_LABELS["response"]: dict(Response.choices),
    FIELD_LABELS["minutes"]: dict(MinutesState.choices),
}
MEETING_RELATED = (
    "project",
    "organizer",
    "chair",
    "recorder",
    "room",
    "meeting_type",
    "department",
    "approver",
    "series",
)


def _apply_error(form, error: ApplicationError) -> None:
    remapped = ApplicationError(error.message, fields={FIELD_MAP.get(k, k): v for k, v in error.fields.items()})
    form_apply_error(form, remapped)


def _warn(request: AuthedRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


# --- Lists ----------------------------------------------------------------------------------------
@require_GET
def meeting_index(request: AuthedRequest) -> HttpResponse:
    get = request.GET
    scope = get.get("scope", "upcoming")
    filters = MeetingFilters(
        scope=scope if scope in SCOPES else "upcoming",
        state=get.get("state", "") if get.get("state", "") in MeetingState.values else "",
        late_notice=get.get("late_notice") == "1",
        q=get.get("q", "")[:50],
    )
    page = Paginator(meeting_list(request.user, filters), 25).get_page(get.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "states": MeetingState.choices,
        "tones": MEETING.tones,
        "query": get.urlencode(),
        "now": clock.now(),
    }
    template = "meetings/_list_table.html" if wants_fragment(request) else "meetings/list.html"
    return render(request, template, context)


# --- Application form -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def meeting_new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = MeetingForm(request.POST, user=request.user)
        if form.is_valid():
            repeat = form.cleaned_data.get("repeat_until") if form.frequency() else None
            try:
                saved = meeting_create(
                    actor=request.user,
                    participants=list(form.cleaned_data["participants"]),
                    repeat_until=repeat,
                    frequency=form.frequency() or SeriesFrequency.WEEKLY,
                    **form.service_data(),
                )
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                if saved.occurrences > 1:
                    messages.success(request, _("已创建周期会议，共 %(n)d 次（草稿）") % {"n": saved.occurrences})
                else:
                    messages.success(request, _("会议申请 %(n)s 已保存为草稿") % {"n": saved.meeting.number})
                if saved.skipped:
                    messages.info(request, _("已跳过节假日：%(d)s") % {"d": "、".join(saved.skipped)})
                _warn(request, saved.warnings)
                return redirect(saved.meeting.get_absolute_url())
    else:
        initial: dict[str, Any] = {"chair": request.user, "project": request.GET.get("project") or None, "mode": "room"}
        caller = caller_for(request.user, request.GET.get("for", ""))
        if caller is not None:
            kind = MeetingType.objects.filter(code=request.GET.get("type", ""), is_active=True).first()
            initial.update(
                called_by=caller_key(caller),
                meeting_type=kind,
                title=f"{getattr(caller, 'title', caller)}-{kind.name}"[:120] if kind else "",
            )
        form = MeetingForm(user=request.user, initial=initial)
    caller = caller_for(request.user, form["called_by"].value() or "")
    return render(request, "meetings/form.html", {"form": form, "caller": caller})


def _meeting(request: AuthedRequest, meeting_id: int) -> Meeting:
    return access(request.user, Meeting.objects.select_related(*MEETING_RELATED), meeting_id)


@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    item = _meeting(request, meeting_id)
    if item.state not in EDITABLE_STATES or request.user.pk not in {item.organizer_id, item.created_by_id}:
        messages.error(request, _("当前状态下您不能修改这次会议"))
        return redirect(item.get_absolute_url())
    if request.method == "POST":
        form = MeetingForm(request.POST, user=request.user, series_allowed=False)
        if form.is_valid():
            try:
                saved = meeting_update(
                    actor=request.user,
                    meeting=item,
                    expected_version=form.cleaned_data.get("version") or 0,
                    participants=list(form.cleaned_data["participants"]),
                    **form.service_data(),
                )
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("已保存"))
                _warn(request, saved.warnings)
                return redirect(item.get_absolute_url())
    else:
        start, end = clock.local(item.start_at), clock.local(item.end_at)
        form = MeetingForm(
            user=request.user,
            series_allowed=False,
            initial={
                "title": item.title,
                "project": item.project,
                "meeting_type": item.meeting_type,
                "date": start.date(),
                "start_time": start.time(),
                "end_time": end.time(),
                "mode": item.mode,
                "room": item.room,
                "online_link": item.online_link,
                "chair": item.chair,
                "recorder": item.recorder,
                "participants": [p.person for p in item.participations.select_related("person")],
                "goal": item.goal,
                "agenda": "\n".join(item.agenda),
                "materials": item.materials,
                "version": item.version,
            },
        )
    return render(request, "meetings/form.html", {"form": form, "item": item})


# --- The meeting page -----------------------------------------------------------------------------
def detail_context(request: AuthedRequest, item: Meeting) -> dict:
    user = request.user
    minutes = Minutes.objects.filter(meeting=item).select_related("approved_by", "written_by").first()
    mine = my_participation(item, user)
    actions = meeting_actions(item, user)
    warnings: list[str] = []
    if item.state not in (MeetingState.CANCELLED, MeetingState.CLOSED) and not item.has_ended():
        people = [p.person for p in item.participations.select_related("person")]
        warnings = meeting_warnings(user, item, people, [item.pk])
    return {
        "item": item,
        "subject": item,
        "caller": caller_of(item, user),
        "tone": MEETING.tones.get(item.state, ""),
        "actions": actions,
        "attendance": attendance(item),
        "response_tones": RESPONSE_TONES,
        "mine": mine,
        "leave_reason_max": LEAVE_REASON_MAX,
        "can_answer": mine is not None
        and mine.person_id != item.organizer_id
        and item.state == MeetingState.NOTIFIED
        and item.start_at > clock.now(),
        "warnings": warnings,
        "minutes": minutes,
        "minutes_tone": MINUTES.tones.get(minutes.state, "") if minutes else "",
        "minutes_actions": minutes_actions(item, user) if minutes else [],
        "can_edit_minutes": may_edit_minutes(item, user),
        "action_rows": meeting_action_rows(item),
        "followups": series_followups(item),
        "action_tones": ACTION_ITEM.tones,
        "clock_views": clock_views(item),
        "timeline": readable_timeline(item, FIELD_LABELS, VALUE_LABELS),
        "comments": comments_of(item),
        "attachments": attachments_of(item),
        "can_edit": item.state in EDITABLE_STATES
        and not item.has_ended()
        and user.pk in {item.organizer_id, item.created_by_id},
        "now": clock.now(),
    }


@require_GET
def meeting_detail(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    return render(request, "meetings/detail.html", detail_context(request, _meeting(request, meeting_id)))


def _error_text(error: ApplicationError) -> str:
    if error.fields:
        return "；".join(str(v) for v in error.fields.values())
    return str(error.message)


@require_POST
def meeting_do(request: AuthedRequest, meeting_id: int, action: str) -> HttpResponse:
    item = _meeting(request, meeting_id)
    version = request.POST.get("version")
    try:
        saved = meeting_transition(
            actor=request.user,
            meeting=item,
            name=action,
            reason=request.POST.get("reason", ""),
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except ApplicationError as error:
        step_refused_tell(request, MEETING, item, action, error)  # the page shows it at the step's form
    else:
        messages.success(request, _("已完成：%(a)s") % {"a": MEETING.get(action).label})
        if action == "notify" and saved.late_notice:
            messages.warning(
                request,
                _("本次通知晚于规定（应于 %(d)s 前发出），已标记为迟发通知")
                % {"d": f"{saved.notice_deadline:%Y-%m-%d}" if saved.notice_deadline else "—"},
            )
    return redirect(item.get_absolute_url())


@require_POST
def meeting_respond_view(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    item = _meeting(request, meeting_id)
    form = RespondForm(request.POST)
    form.is_valid()
    try:
        meeting_respond(
            actor=request.user,
            meeting=item,
            response=form.cleaned_data.get("response", ""),
            reason=form.cleaned_data.get("reason", "") or request.POST.get("reason", ""),
        )
    except ApplicationError as error:
        if form.cleaned_data.get("response") != "declined" or "reason" not in error.fields:
            messages.error(request, _error_text(error))
            return redirect(item.get_absolute_url() + "#attendance")
        # 请假 refused for its reason: the page again, the reason as typed and the refusal under its box.
        context = detail_context(request, item)
        context["rsvp_kept"] = {"reason": request.POST.get("reason", ""), "error": str(error.fields["reason"])}
        return render(request, "meetings/detail.html", context, status=400)
    messages.success(request, _("已答复"))
    return redirect(item.get_absolute_url() + "#attendance")


@require_GET
def meeting_ics_view(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    item = access(request.user, Meeting.objects.select_related("organizer", "room"), meeting_id)
    response = HttpResponse(meeting_ics(item), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(item.number + '.ics')}"
    return response


# --- Minutes --------------------------------------------------------------------------------------
def _formset_initial(meeting: Meeting) -> list[dict]:
    return [
        {"id": a.pk, "title": a.title, "owner": a.owner, "due_date": a.due_date}
        for a in meeting.action_items.select_related("owner").order_by("position")
    ]


@require_http_methods(["GET", "POST"])
def minutes_edit(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    item = _meeting(request, meeting_id)
    if not may_edit_minutes(item, request.user):
        messages.error(request, _("当前不能编写这次会议的纪要（会议开始后、纪要提交前，由组织者、记录人或主持人编写）"))
        return redirect(item.get_absolute_url())
    minutes = Minutes.objects.filter(meeting=item).first()
    if request.method == "POST":
        form = MinutesForm(request.POST)
        formset = ActionItemFormSet(request.POST, prefix="actions")
        if form.is_valid() and formset.is_valid():
            lines = [
                ActionLine(
                    title=f.cleaned_data.get("title") or "",
                    owner=f.cleaned_data.get("owner"),
                    due_date=f.cleaned_data.get("due_date"),
                    id=f.cleaned_data.get("id"),
                )
                for f in formset.forms
                if not f.is_blank()
            ]
            try:
                minutes_save(
                    actor=request.user,
                    meeting=item,
                    discussion=form.cleaned_data.get("discussion", ""),
                    decisions=form.cleaned_data.get("decisions", ""),
                    action_items=lines,
                    departments=list(form.cleaned_data.get("departments") or []),
                    expected_version=form.cleaned_data.get("version"),
                )
                if "submit" in request.POST:
                    minutes_transition(actor=request.user, meeting=item, name="submit")
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(
                    request, _("纪要已提交主持人签字确认") if "submit" in request.POST else _("纪要已保存")
                )
                return redirect(item.get_absolute_url() + "#minutes")
    else:
        form = MinutesForm(
            initial={
                "discussion": minutes.discussion if minutes else "",
                "decisions": minutes.decisions if minutes else "",
                "departments": list(minutes.departments.all()) if minutes else [],
                "version": minutes.version if minutes else None,
            }
        )
        formset = ActionItemFormSet(prefix="actions", initial=_formset_initial(item))
    return render(
        request,
        "meetings/minutes_form.html",
        {"item": item, "form": form, "formset": formset, "minutes": minutes},
    )


@require_POST
def minutes_do(request: AuthedRequest, meeting_id: int, action: str) -> HttpResponse:
    item = _meeting(request, meeting_id)
    try:
        minutes_transition(actor=request.user, meeting=item, name=action, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        minutes = Minutes.objects.filter(meeting=item).first()
        if minutes is None:  # nothing written yet: no form to show it at
            messages.error(request, _error_text(error))
        else:
            step_refused_tell(request, MINUTES, minutes, action, error)
    else:
        messages.success(request, _("已完成：%(a)s") % {"a": MINUTES.get(action).label})
    return redirect(item.get_absolute_url() + "#minutes")


# --- Series ---------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def series_edit(request: AuthedRequest, series_id: int) -> HttpResponse:
    try:
        series = MeetingSeries.objects.get(pk=series_id)
    except (MeetingSeries.DoesNotExist, ValueError) as exc:
        raise NotFound() from exc
    visible = Meeting.objects.restrict(request.user).filter(series=series).select_related(*MEETING_RELATED)
    if not visible.exists():
        raise NotFound()
    upcoming = series_upcoming(series)
    editable = request.user.pk == series.organizer_id and any(m.state in EDITABLE_STATES for m in upcoming)
    form = None
    if editable and request.method == "POST":
        form = SeriesForm(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data.get(k) for k in ("title", "mode", "room", "online_link", "chair", "recorder")}
            data.update(
                goal=form.cleaned_data.get("goal", ""),
                agenda=(form.cleaned_data.get("agenda") or "").splitlines(),
                materials=form.cleaned_data.get("materials", ""),
            )
            try:
                changed = series_update(
                    actor=request.user,
                    series=series,
                    expected_version=form.cleaned_data.get("version") or 0,
                    start_time=form.cleaned_data["start_time"],
                    end_time=form.cleaned_data["end_time"],
                    participants=list(form.cleaned_data["participants"]),
                    **data,
                )
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(request, _("已修改此后的 %(n)d 次会议") % {"n": len(changed)})
                return redirect("meeting-series", series_id=series.pk)
    elif editable:
        nxt = next(m for m in upcoming if m.state in EDITABLE_STATES)
        form = SeriesForm(
            initial={
                "title": series.title,
                "start_time": clock.local(nxt.start_at).time(),
                "end_time": clock.local(nxt.end_at).time(),
                "mode": nxt.mode,
                "room": nxt.room,
                "online_link": nxt.online_link,
                "chair": nxt.chair,
                "recorder": nxt.recorder,
                "participants": [p.person for p in nxt.participations.select_related("person")],
                "goal": nxt.goal,
                "agenda": "\n".join(nxt.agenda),
                "materials": nxt.materials,
                "version": series.version,
            }
        )
    return render(
        request,
        "meetings/series.html",
        {"series": series, "meetings": list(visible.order_by("start_at")), "form": form, "tones": MEETING.tones},
    )


# --- Action items ---------------------------------------------------------------------------------
@require_GET
def action_item_index(request: AuthedRequest) -> HttpResponse:
    scope = request.GET.get("scope", "mine")
    scope = scope if scope in ACTION_SCOPES else "mine"
    page = Paginator(action_item_list(request.user, scope), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/action_items.html",
        {"rows": action_rows(list(page.object_list)), "page": page, "scope": scope, "tones": ACTION_ITEM.tones},
    )


def _action_item(request: AuthedRequest, item_id: int) -> ActionItem:
    return access(
        request.user,
        ActionItem.objects.select_related("owner", "department", "meeting__organizer", "meeting__chair", "project"),
        item_id,
    )


@require_GET
def action_item_detail(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = _action_item(request, item_id)
    return render(
        request,
        "meetings/action_item.html",
        {
            "item": item,
            "subject": item,
            "row": action_rows([item])[0],
            "tone": ACTION_ITEM.tones.get(item.state, ""),
            "actions": ACTION_ITEM.available(item, request.user),
            "meeting_visible": Meeting.objects.restrict(request.user).filter(pk=item.meeting_id).exists(),
            "clock_views": clock_views(item),
            "timeline": readable_timeline(item, {"state": _("状态"), "owner": _("负责人"), "due_date": _("完成期限")}),
            "comments": comments_of(item),
            "attachments": attachments_of(item),
        },
    )


action_item_do = step_view(ACTION_ITEM)


# --- Calendar subscription ------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def calendar_page(request: AuthedRequest) -> HttpResponse:
    feed_url = None
    if request.method == "POST":
        token = calendar_feed_reset(person=request.user)
        feed_url = request.build_absolute_uri(reverse("meeting-feed", args=[token]))
        messages.success(request, _("已生成新的订阅地址；旧地址已失效"))
    feed = CalendarFeed.objects.filter(person=request.user).first()
    return render(request, "meetings/calendar.html", {"feed": feed, "feed_url": feed_url})


@login_not_required
@require_GET
def calendar_feed(request, token: str) -> HttpResponse:
    """The private feed: no login (calendar apps cannot sign in); the token is the key."""
    person = calendar_feed_person(token)
    if person is None:
        raise Http404()
    response = HttpResponse(feed_ics(person), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def tracking_export(request: AuthedRequest) -> HttpResponse:
    """任务跟踪表: the decisions of every meeting one may see, open or closed in the last 7 days."""
    response = HttpResponse(
        tracking_workbook(tracking_rows(request.user)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = _("任务跟踪表-%(d)s.xlsx") % {"d": f"{clock.local():%Y%m%d}"}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
