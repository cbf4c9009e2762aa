"""季度复盘: the quarter's pack (typical cases, rule-keeping per department, suggestions) and the
improvement proposals (协作流程优化建议) approved by the general manager."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.clocks.models import validate_duration
from xietong.core import clock
from xietong.core.permissions import Reach, RestrictedQuerySet
from xietong.items.guard import StateGuarded, StateGuardedQuerySet
from xietong.reports.periods import Quarter

# The pack's lists of candidate typical cases (reports.review.review_pack).
CASE_GROUPS = ("most_escalated", "fastest", "lowest_scores")


class QuarterlyReview(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    pack = models.JSONField(_("复盘材料"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"), default=clock.now)
    generated_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示季度末由系统自动生成"),
    )
    selected_cases = models.JSONField(
        _("选定的典型案例"),
        default=list,
        blank=True,
        help_text=_("综合管理部从候选案例中选定、在复盘会上讨论的案例（如 requests.request:12）"),
    )

    class Meta:
        verbose_name = _("季度复盘")
        verbose_name_plural = _("季度复盘")
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="one_review_per_quarter")]

    def __str__(self) -> str:
        return _("%(q)s 季度复盘") % {"q": f"{self.year}Q{self.quarter}"}

    def get_absolute_url(self) -> str:
        return reverse("review-detail", args=[self.pk])

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.quarter}"

    def candidates(self) -> list[dict]:
        """Every proposed typical case once, in the pack's order, each with whether it was picked."""
        seen: dict[str, dict] = {}
        picked = set(self.selected_cases or [])
        for group in CASE_GROUPS:
            for case in (self.pack or {}).get(group, []):
                key = case.get("key")
                if key and key not in seen:
                    seen[key] = {**case, "group": group, "picked": key in picked}
        return list(seen.values())

    def picked_cases(self) -> list[dict]:
        """The cases the coordinator chose, in the order chosen."""
        by_key = {case["key"]: case for case in self.candidates()}
        return [by_key[key] for key in self.selected_cases or [] if key in by_key]


class ProposalQuerySet(RestrictedQuerySet, StateGuardedQuerySet):  # type: ignore[override]
    pass


class ImprovementProposal(StateGuarded, models.Model):
    """One 协作流程优化建议; it may carry a change to a time limit, applied when approved (reports.proposal_process).
    Seen by those who take part in the quarterly review: 综合管理部, the general manager, department heads."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    review = models.ForeignKey(QuarterlyReview, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("建议"), max_length=120)
    content = models.TextField(_("说明"))
    proposed_by = models.ForeignKey("org.Person", verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"), default=clock.now)
    policy = models.ForeignKey(
        "clocks.ClockPolicy",
        verbose_name=_("调整的时限规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    new_duration = models.CharField(_("新时限"), max_length=20, blank=True, validators=[validate_duration])
    new_remind_before = models.CharField(_("新提前提醒"), max_length=20, blank=True, validators=[validate_duration])
    new_escalate_after = models.CharField(_("新开始升级"), max_length=20, blank=True, validators=[validate_duration])
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("协作流程优化建议")
        verbose_name_plural = _("协作流程优化建议")
        ordering = ["review", "pk"]
        indexes = [
            models.Index(fields=["proposed_at", "id"], name="proposal_proposed"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url()

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> models.Q | None:
        return None if reach.sees_all or reach.led_department_ids else models.Q(pk__in=[])

    @property
    def effective_day(self) -> object:
        """The day an approved change takes effect: the first day of the quarter after the approval."""
        if self.decided_at is None:
            return None
        day = clock.local(self.decided_at).date()
        return Quarter.of(day).next().first_day

    @property
    def changes(self) -> dict[str, str]:
        return {
            name: value
            for name, value in (
                ("duration", self.new_duration),
                ("remind_before", self.new_remind_before),
                ("escalate_after", self.new_escalate_after),
            )
            if value
        }
