"""States of the two lighter templates and who may write to them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.core.permissions import reach_of


class CustomerState(models.TextChoices):
    OPEN = "open", _("跟进中")
    CLOSED = "closed", _("已闭环")


class OnboardingState(models.TextChoices):
    OPEN = "open", _("进行中")
    COMPLETED = "completed", _("已完成")


# The stages of the seed's 客户需求沟通进度同步表, offered as suggestions (free text is allowed).
STAGE_SUGGESTIONS = [
    _("需求收集"),
    _("需求确认"),
    _("方案调整"),
    _("方案确认"),
    _("开发实施"),
    _("交付验收"),
    _("售后跟进"),
]


def leads(person, department_id: int | None) -> bool:
    """The person heads the department (or one above it), leads it as division leader, or sees everything."""
    reach = reach_of(person)
    if reach is None:
        return False
    return reach.sees_all or (department_id is not None and department_id in reach.led_department_ids)


def may_write_customer(person, requirement) -> bool:
    return (
        person.pk in (requirement.owner_id, requirement.created_by_id)
        or requirement.participants.filter(pk=person.pk).exists()
        or leads(person, requirement.department_id)
    )


def may_manage_onboarding(person, onboarding) -> bool:
    return person.pk in (onboarding.created_by_id, onboarding.contact_id) or leads(person, onboarding.department_id)
