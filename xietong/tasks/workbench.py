from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.i18n import short_day
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.tasks.listing import OPEN_STATES
from xietong.tasks.models import Task


def my_tasks(person) -> WorkbenchSection:
    today = clock.today()
    tasks = (
        Task.objects.restrict(person)
        .filter(owner=person, state__in=OPEN_STATES)
        .order_by("end_date")
        .only("pk", "number", "title", "state", "end_date")[:10]
    )
    entries = []
    for t in tasks:
        late = t.end_date < today
        meta = _("%(state)s · 截止 %(d)s") % {"state": t.get_state_display(), "d": short_day(t.end_date)}
        entries.append(WorkbenchEntry(f"{t.number} {t.title}", t.get_absolute_url(), meta, "late" if late else ""))
    return WorkbenchSection(
        key="tasks",
        title=_("我负责的任务"),
        entries=entries,
        empty_text=_("没有进行中的任务。"),
        more_url=reverse("task-list"),
    )


def breakdowns_to_sign(person) -> WorkbenchSection | None:
    """待我签字的任务分解表: drafts with tasks whose 分工表 and RACI await this department head's signature, and
    published ones it must sign again."""
    from django.db.models import Q

    from xietong.requests.models import Participation
    from xietong.tasks.models import Breakdown, BreakdownSignature

    rows = (
        Participation.objects.filter(Q(department__head=person) | Q(department__head__isnull=True, contact=person))
        .exclude(state=Participation.State.WITHDRAWN)
        .filter(request__breakdown__tasks__isnull=False)
        # a draft, or a published one whose signature was voided or a department joined (tasks.process ask_again)
        .filter(
            Q(request__breakdown__state=Breakdown.State.DRAFT)
            | Q(request__breakdown__state=Breakdown.State.PUBLISHED, request__breakdown__signatures__isnull=False)
        )
        .select_related("request__breakdown")
        .distinct()
    )
    signed = set(
        BreakdownSignature.objects.filter(breakdown__request__in=[p.request_id for p in rows]).values_list(
            "breakdown__request_id", "department_id"
        )
    )
    entries = []
    seen: set[int] = set()
    for p in rows:
        if (p.request_id, p.department_id) in signed or p.request_id in seen:
            continue
        seen.add(p.request_id)
        breakdown = p.request.breakdown
        entries.append(
            WorkbenchEntry(
                f"{p.request.number} {p.request.title}",
                breakdown.get_absolute_url(),
                _("待签字（分工表及 RACI）"),
                "warn",
            )
        )
    if not entries:
        return None
    return WorkbenchSection(key="breakdown-signatures", title=_("待我签字的任务分解表"), entries=entries[:10])
