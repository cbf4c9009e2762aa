"""协作反馈表 (附件5) and the 协作总结报告 it feeds."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xietong.core import clock
from xietong.core.permissions import Reach, RestrictedQuerySet
from xietong.items.guard import StateGuarded, StateGuardedQuerySet

SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class InvitationQuerySet(RestrictedQuerySet["FeedbackInvitation"], StateGuardedQuerySet["FeedbackInvitation"]):  # type: ignore[override,misc]
    pass


class FeedbackInvitation(StateGuarded):
    """One participant asked for feedback on one accepted request; reminded until answered or closed.
    Only the person asked sees it (someone else's invitation does not exist for you)."""

    class State(models.TextChoices):
        PENDING = "pending", _("待填写")
        ANSWERED = "answered", _("已填写")
        CLOSED = "closed", _("已截止")

    request = models.ForeignKey("requests.Request", on_delete=models.CASCADE, related_name="feedback_invitations")
    person = models.ForeignKey("org.Person", verbose_name=_("参与人"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=clock.now)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("协作反馈邀请")
        verbose_name_plural = _("协作反馈邀请")
        constraints = [models.UniqueConstraint(fields=["request", "person"], name="one_invitation_per_person")]

    def __str__(self) -> str:
        return f"{self.request.number} · {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("feedback-form", args=[self.pk])

    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> Q | None:
        return Q(person_id=reach.person_id)

    @property
    def project(self):
        return self.request.project


class Feedback(models.Model):
    invitation = models.OneToOneField(FeedbackInvitation, on_delete=models.CASCADE, related_name="feedback")
    communication = models.PositiveSmallIntegerField(_("沟通效率"), validators=SCORE)
    division = models.PositiveSmallIntegerField(_("分工合理性"), validators=SCORE)
    timeliness = models.PositiveSmallIntegerField(_("问题解决及时性"), validators=SCORE)
    suggestion = models.TextField(_("改进建议"), blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("协作反馈")
        verbose_name_plural = _("协作反馈")

    def __str__(self) -> str:
        return f"{self.invitation} {self.communication}/{self.division}/{self.timeliness}"
