"""Email through Django's email backends (SMTP in production): Chinese subject, plain text and HTML."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from xietong.notify.channels.base import OutgoingMessage, SendResult


def build(address: str, message: OutgoingMessage) -> EmailMultiAlternatives:
    context = {"message": message, "site": settings.XIETONG_BASE_URL}
    mail = EmailMultiAlternatives(
        subject=_("[协同] %(title)s") % {"title": message.title},
        body=render_to_string("notify/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"X-Xietong-Delivery": message.key, "Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(render_to_string("notify/email.html", context), "text/html")
    return mail


def send(address: str, _secret: str, message: OutgoingMessage) -> SendResult:
    try:
        sent = build(address, message).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        return SendResult(False, None, f"邮件发送失败：{exc.__class__.__name__}: {exc}"[:500])
    return SendResult(bool(sent), None, "" if sent else "邮件后端未发送")
