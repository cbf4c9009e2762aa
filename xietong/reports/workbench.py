"""我的工作台 › 待我审批的优化建议: the general manager decides the quarterly review's proposals, so what
awaits him is on his workbench (and in his inbox, see review.proposal_add), not only on the review page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.reports.models import ImprovementProposal


def proposals_awaiting(person) -> WorkbenchSection | None:
    if not person.is_general_manager:
        return None
    pending = (
        ImprovementProposal.objects.filter(state=ImprovementProposal.State.PENDING)
        .select_related("review", "proposed_by")
        .order_by("proposed_at", "pk")[:10]
    )
    return WorkbenchSection(
        key="proposals",
        title=_("待我审批的优化建议"),
        entries=[
            WorkbenchEntry(
                p.title,
                f"{p.review.get_absolute_url()}#proposal-{p.pk}",
                _("%(who)s 提出 · %(review)s") % {"who": p.proposed_by.display_name, "review": p.review.code},
                "warn",
            )
            for p in pending
        ],
        empty_text=_("没有等待您审批的优化建议。"),
        more_url=reverse("review-list"),
    )
