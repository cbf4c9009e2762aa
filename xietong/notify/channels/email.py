"""Email through Django's email backends (SMTP in production): Chinese subject, plain text and HTML.

Over SMTP each sending thread of the outbox keeps its connection to the mail server open between messages
(one TCP connection, STARTTLS and login per thread, not per message), closing it after IDLE_SECONDS
without a send. A server that dropped a kept connection meanwhile is met with a new one, once."""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from xietong.notify.channels.base import OutgoingMessage, SendResult

IDLE_SECONDS = 30.0  # mail servers drop idle clients after about a minute or more (Postfix: 300 s)


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


@dataclass
class _Kept:
    server: tuple  # what the connection was opened with: settings changed, it is not reused
    backend: SmtpBackend
    used: float


_threads = threading.local()


def _server() -> tuple:
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_TIMEOUT",
        )
    )


def _drop() -> None:
    kept: _Kept | None = getattr(_threads, "kept", None)
    _threads.kept = None
    if kept is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            kept.backend.close()  # QUIT, or just the socket when the server has gone


def _kept_backend(now: float) -> _Kept | None:
    """This thread's SMTP connection if it may be used again, else None."""
    kept: _Kept | None = getattr(_threads, "kept", None)
    if kept is not None and (kept.server != _server() or now - kept.used > IDLE_SECONDS):
        _drop()
        return None
    return kept


def send(address: str, _secret: str, message: OutgoingMessage) -> SendResult:
    mail = build(address, message)
    backend = get_connection(fail_silently=False)
    if not isinstance(backend, SmtpBackend):  # files (demo), memory (tests): one message at a time
        return _send_once(backend, mail)
    for _attempt in range(2):
        now = time.monotonic()
        kept = _kept_backend(now)
        reused = kept is not None
        if kept is None:
            kept = _threads.kept = _Kept(_server(), backend, now)
        try:
            kept.backend.open()
            sent = kept.backend.send_messages([mail])
        except smtplib.SMTPServerDisconnected as exc:
            _drop()
            if reused:
                continue  # the server closed the kept connection while it was idle: once more, on a new one
            return _failed(exc)
        except (smtplib.SMTPException, OSError) as exc:
            _drop()
            return _failed(exc)
        kept.used = time.monotonic()
        return SendResult(bool(sent), None, "" if sent else "邮件后端未发送")
    return SendResult(False, None, "邮件发送失败：服务器断开了连接")


def _send_once(backend, mail: EmailMultiAlternatives) -> SendResult:
    try:
        sent = backend.send_messages([mail])
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(exc)
    return SendResult(bool(sent), None, "" if sent else "邮件后端未发送")


def _failed(exc: Exception) -> SendResult:
    return SendResult(False, None, f"邮件发送失败：{exc.__class__.__name__}: {exc}"[:500])
