"""用户告知函, drafted from the 紧急事务处理报告 when the incident is declared solved (the team edits and
publishes it afterwards)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.i18n import full_date, full_date_time, month_day_time_padded
from xietong.incidents.models import Incident
from xietong.org.models import Department
from xietong.workcal.spans import span_words


def company_name() -> str:
    root = Department.objects.filter(parent__isnull=True).order_by("sort_order", "pk").first()
    return root.name if root is not None else ""


def draft_customer_notice(incident: Incident) -> str:
    """用户告知函, drafted from the report: what happened, why, what was done, when it recovered, an apology."""
    assert incident.resolved_at is not None
    occurred, resolved = clock.local(incident.occurred_at), clock.local(incident.resolved_at)
    duration = span_words(incident.impact_duration or dt.timedelta(0))
    lines = [
        _("尊敬的用户："),
        "",
        _("%(when)s 起，%(scope)s出现“%(what)s”的情况。经排查，原因是：%(cause)s。")
        % {
            "when": full_date_time(occurred),
            "scope": (incident.scope + "，") if incident.scope else "",
            "what": incident.title,
            "cause": incident.cause.rstrip("。"),
        },
        _("我们已采取以下措施：%(measures)s。服务已于 %(resolved)s 恢复正常，影响时长约 %(duration)s。")
        % {
            "measures": incident.resolution_measures.rstrip("。"),
            "resolved": month_day_time_padded(resolved),
            "duration": duration,
        },
        "",
        _("由此给您带来的不便，我们深表歉意。如仍有问题，请联系我们的客服。"),
        "",
        company_name(),
        full_date(resolved),
    ]
    return "\n".join(lines)
