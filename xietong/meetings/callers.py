"""What called a meeting: a request its 启动会 (and later its 复盘会、总结会), an exception its 问题协调会, a
deliverable its 验收会 … (000, 001, 002). The item is named by model label and id, as comments name theirs;
the caller's page lists its meetings (a panel) and offers to call the kinds it may call; the meeting's page
names its caller to whoever may see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.meetings.models import Meeting, MeetingType

# caller's model label → the meeting types it calls (codes), the first being the usual one
CALLERS: dict[str, tuple[str, ...]] = {
    "requests.request": ("kickoff", "retrospective", "summary"),
    "risks.exceptionreport": ("coordination",),
    "problems.problem": ("coordination",),
    "incidents.incident": ("coordination", "retrospective"),
    "acceptance.deliverable": ("acceptance",),
}


# What a caller does when a meeting it called is set (its notice went out), moved to a new time or cancelled
# (the listener reads the meeting's state): a request's breakdown counts its clocks from the kickoff and stops
# when it is cancelled (tasks.kickoff). Registered in the caller's app `ready()`.
_on_set: list[Callable[[Meeting], None]] = []


def on_called_meeting_set(listener: Callable[[Meeting], None]) -> None:
    if listener not in _on_set:
        _on_set.append(listener)


def called_meeting_set(meeting: Meeting) -> None:
    if meeting.called_by_type and meeting.called_by_id is not None:
        for listener in _on_set:
            listener(meeting)


def caller_key(item: models.Model) -> str:
    return f"{item._meta.label_lower}:{item.pk}"


def _visible(person: Any, model: type[models.Model], pk: int) -> models.Model | None:
    return model._default_manager.restrict(person).filter(pk=pk).first()  # type: ignore[attr-defined]


def caller_for(person: Any, key: str) -> models.Model | None:
    """The item "requests.request:12" names, if it may call meetings and `person` may see it."""
    label, _sep, pk = (key or "").partition(":")
    if label not in CALLERS or not pk.isdigit():
        return None
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return _visible(person, model, int(pk))


def caller_of(meeting: Meeting, person: Any) -> models.Model | None:
    """What called `meeting`, if `person` may see it (a confidential caller stays unnamed)."""
    if not meeting.called_by_type or meeting.called_by_id is None:
        return None
    return caller_for(person, f"{meeting.called_by_type}:{meeting.called_by_id}")


def check_caller(actor: Any, key: str, data: dict[str, Any]) -> dict[str, str]:
    """Field errors of a meeting called by `key`: a caller the organiser may see, a type it calls, its project."""
    if not key:
        return {}
    caller = caller_for(actor, key)
    if caller is None:
        return {"called_by": _("召集会议的事项不存在或您无权查看")}
    errors: dict[str, str] = {}
    meeting_type: MeetingType | None = data.get("meeting_type")
    allowed = CALLERS[caller._meta.label_lower]
    if meeting_type is not None and meeting_type.code not in allowed:
        names = dict(MeetingType.objects.filter(code__in=allowed).values_list("code", "name"))
        errors["meeting_type"] = _("%(item)s 召集的会议应为：%(types)s") % {
            "item": getattr(caller, "number", caller),
            "types": "、".join(names[code] for code in allowed if code in names),
        }
    project = data.get("project")
    if project is not None and getattr(caller, "project_id", project.pk) != project.pk:
        errors["project"] = _("会议应属于 %(item)s 所在的项目") % {"item": getattr(caller, "number", caller)}
    return errors


def called_meetings(item: models.Model, person: Any) -> list[Meeting]:
    return list(
        Meeting.objects.restrict(person)
        .filter(called_by_type=item._meta.label_lower, called_by_id=item.pk)
        .select_related("meeting_type", "minutes")
        .order_by("start_at", "pk")
    )


def calls_panel(request: Any, item: models.Model) -> dict[str, Any] | None:
    """The caller's page: the meetings it called (with their minutes' state) and a link to call each kind."""
    types = {t.code: t for t in MeetingType.objects.filter(code__in=CALLERS[item._meta.label_lower], is_active=True)}
    new = reverse("meeting-new")
    project = getattr(item, "project_id", "")
    links = [
        (_("召开%(type)s") % {"type": types[code].name}, f"{new}?for={caller_key(item)}&type={code}&project={project}")
        for code in CALLERS[item._meta.label_lower]
        if code in types
    ]
    return {"item": item, "meetings": called_meetings(item, request.user), "links": links}


def register_calls_panels() -> None:
    from xietong.items.panels import register_panel

    for label in CALLERS:
        register_panel(label, "meetings", "meetings/_calls_panel.html", calls_panel, order=60)
