"""The emergency's wall-clock limits: a missed one is an alarm on the page and a message to the people who
must act; the review clock keeps the default overdue message to its owner."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.clocks.models import Clock
from xietong.clocks.wording import clause_line, clock_limit_text
from xietong.core import clock
from xietong.incidents.choices import EntryKind
from xietong.incidents.models import Incident, IncidentEntry
from xietong.incidents.process import LIVE_LIMITS, division_leader, hm, label, people
from xietong.notify.models import MessageKind, Urgency
from xietong.notify.services import notify


def incident_clock_due(clock_row: Clock, incident: Incident) -> dict[str, Any] | None:
    """Runs inside the firing transaction. A missed emergency limit is an alarm on the page (a timeline
    line and the banner) and a message to the people who must act, robots included, day or night."""
    limit = clock_row.limit
    if limit not in LIVE_LIMITS:
        return None  # the review clock: the default overdue message to its owner
    due, span = hm(clock_row.limit_due_at), clock_limit_text(clock_row)
    if limit == "assign_team":
        recipients = people([incident.lead, incident.responsible_department.head, division_leader(incident)])
        what = _("应急小组未组建")
        body = _("接到上报已 %(limit)s（应于 %(due)s 前）仍未明确应急小组分工。") % {"limit": span, "due": due}
    elif limit == "team_ready":
        missing = [m.person for m in incident.memberships.select_related("person").filter(acknowledged_at__isnull=True)]
        recipients = people([incident.lead], missing)
        what = _("小组成员未到位")
        body = _("以下成员未在 %(limit)s内（%(due)s 前）确认到位：%(names)s") % {
            "limit": span,
            "due": due,
            "names": "、".join(p.display_name for p in missing) or "—",
        }
    elif limit == "status":
        recipients = people([incident.lead, incident.responsible_department.head], incident.members.all())
        what = _("状态更新超时")
        body = _("应于 %(due)s 更新处理状态，已超时。请立即在事项页面更新状态。") % {"due": due}
    elif limit == "written_report":
        recipients = people([incident.created_by, incident.lead])
        what = _("紧急事项报告未提交")
        body = _("上报已满 %(limit)s（%(due)s）仍未提交《紧急事项报告》（含详细说明）。") % {"limit": span, "due": due}
    elif limit == "plan":
        recipients = people([incident.lead, division_leader(incident)])
        what = _("应急方案未制定")
        body = _("上报已满 %(limit)s（%(due)s）仍未制定应急方案（各小组职责、资源调配需求）。") % {
            "limit": span,
            "due": due,
        }
    else:
        recipients = people([incident.lead])
        what = _("%(limit)s未控制") % {"limit": span}
        body = _("上报已满 %(limit)s（%(due)s）风险仍未控制，按规则上报总经理。") % {"limit": span, "due": due}
    title = _("【%(what)s】%(label)s") % {"what": what, "label": label(incident)}
    IncidentEntry.objects.create(
        incident=incident,
        kind=EntryKind.ALERT,
        body=f"{what}：{body}",
        due_at=clock_row.limit_due_at,
        created_at=clock.now(),
    )
    notify(
        recipients=recipients,
        kind=MessageKind.OVERDUE,
        title=title,
        body=body + clause_line(clock_row),
        url=incident.get_absolute_url(),
        subject=incident,
        urgency=Urgency.EMERGENCY,
        dedupe_key=f"clock:{clock_row.pk}",
    )
    return {"limit": limit, "notified": [p.pk for p in recipients]}
