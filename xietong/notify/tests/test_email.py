"""Email through Django's backends: locmem in unit tests, and once through a real SMTP server."""

import contextlib
import datetime as dt
import email
import email.policy
import socket

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from xietong.notify.delivery import outbox_deliver_due
from xietong.notify.models import Delivery
from xietong.notify.services import notify

MONDAY_10 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def escalate_to(person):
    with time_machine.travel(MONDAY_10, tick=False), transaction.atomic():
        return notify(
            recipients=[person],
            kind="escalation",
            title="【升级·第1级】售后工单自动分类需求",
            body="邓丽的响应已超时，按规则升级至您（分管领导）。",
            url="/requests/12/",
        )


def test_email_has_chinese_subject_plain_text_and_html(company):
    escalate_to(company.person("lixiuying"))
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due() == 1
    [message] = mail.outbox
    assert message.subject == "[协同] 【升级·第1级】售后工单自动分类需求"
    assert message.to == ["lixiuying@xingchen.example.com"]
    assert "邓丽的响应已超时" in message.body and "查看详情：http://127.0.0.1:8000/requests/12/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'href="http://127.0.0.1:8000/requests/12/"' in html
    assert message.extra_headers["X-Xietong-Delivery"] == Delivery.objects.get().idempotency_key


def test_people_without_email_or_who_opted_out_get_inbox_only(company):
    from xietong.notify.models import Preference

    person = company.person("caojing")
    Preference.objects.create(person=person, email_kinds=[], chat_kinds=[])
    escalate_to(person)
    assert not Delivery.objects.exists()
    assert person.inbox.count() == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []
            self.peers = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            self.peers.append(session.peer)  # (address, port) of the client's connection
            return "250 OK"

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, sink
    with contextlib.suppress(AssertionError):  # a test that restarted the server stopped this one already
        controller.stop()


def test_real_smtp_server_receives_utf8_subject_and_both_parts(company, smtp_server, settings):
    controller, sink = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = False
    escalate_to(company.person("lixiuying"))
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due() == 1
    [envelope] = sink.messages
    assert envelope.rcpt_tos == ["lixiuying@xingchen.example.com"]
    parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    # Long encoded subjects are folded onto a continuation line; clients trim the folding whitespace.
    assert parsed["Subject"].strip() == "[协同] 【升级·第1级】售后工单自动分类需求"
    assert "=?utf-8?" in envelope.original_content.decode().lower()  # RFC 2047 encoded on the wire
    assert parsed["From"] == "协同 <xietong@localhost>"
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "邓丽的响应已超时" in plain and "查看详情" in html
    assert Delivery.objects.get().state == "sent"


def test_smtp_down_is_a_failed_attempt_then_retried(company, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    escalate_to(company.person("lixiuying"))
    with time_machine.travel(MONDAY_10, tick=False):
        outbox_deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and "邮件发送失败" in delivery.last_error and delivery.attempts == 1


def _smtp(settings, controller):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = False


def test_one_connection_to_the_mail_server_carries_many_messages(company, smtp_server, settings):
    """Each sending thread keeps its connection open: three people's mail, one TCP connection (not three
    handshakes), and each message arrives once."""
    controller, sink = smtp_server
    _smtp(settings, controller)
    settings.XIETONG_DELIVERY_CONCURRENCY = 1
    for username in ("lixiuying", "wangqiang", "caojing"):
        escalate_to(company.person(username))
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due() == 3
    assert sorted(envelope.rcpt_tos[0] for envelope in sink.messages) == [
        "caojing@xingchen.example.com",
        "lixiuying@xingchen.example.com",
        "wangqiang@xingchen.example.com",
    ]
    assert len(set(sink.peers)) == 1
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_a_kept_connection_the_server_dropped_is_replaced_and_the_message_sent_once(company, smtp_server, settings):
    from aiosmtpd.controller import Controller

    controller, sink = smtp_server
    _smtp(settings, controller)
    settings.XIETONG_DELIVERY_CONCURRENCY = 1
    escalate_to(company.person("lixiuying"))
    with time_machine.travel(MONDAY_10, tick=False):
        assert outbox_deliver_due() == 1
    # The mail server restarts: the connection the outbox kept is gone, the same address answers again.
    controller.stop()
    again = Controller(controller.handler, hostname=controller.hostname, port=controller.port)
    again.start()
    try:
        escalate_to(company.person("wangqiang"))
        with time_machine.travel(MONDAY_10, tick=False):
            assert outbox_deliver_due() == 1
    finally:
        again.stop()
    assert [envelope.rcpt_tos for envelope in sink.messages] == [
        ["lixiuying@xingchen.example.com"],
        ["wangqiang@xingchen.example.com"],
    ]
    assert len(set(sink.peers)) == 2
    assert list(Delivery.objects.order_by("pk").values_list("state", "attempts")) == [("sent", 1), ("sent", 1)]
