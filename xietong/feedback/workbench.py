"""The workbench section: the feedback forms waiting for this person."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.feedback.models import FeedbackInvitation


def pending_feedback(person: Any) -> WorkbenchSection:
    rows = FeedbackInvitation.objects.filter(person=person, state="pending").select_related("request")[:10]
    return WorkbenchSection(
        "feedback",
        str(_("待填写的协作反馈")),
        [WorkbenchEntry(f"{i.request.number} {i.request.title}", i.get_absolute_url(), "") for i in rows],
        str(_("没有待填写的反馈。")),
    )
