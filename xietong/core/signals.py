"""Sign-in and sign-out leave a trace in the audit trail like every other action."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver

from xietong.core.audit import audit_record


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs) -> None:
    with transaction.atomic():
        audit_record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None and user.is_authenticated:
        with transaction.atomic():
            audit_record(actor=user, action="auth.logout", obj=user)
