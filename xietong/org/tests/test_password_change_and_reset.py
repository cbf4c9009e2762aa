"""A person changes their password, and resets a forgotten one by email (issue 23: neither existed). The reset
mail goes out through Django's SMTP backend to a real SMTP server on 127.0.0.1; its link works once."""

import email
import email.policy
import re

from xietong.notify.tests.test_email import smtp_server  # noqa: F401  (fixture)
from xietong.org.models import Person


def test_a_signed_in_person_changes_their_password(client_for):
    heli = client_for("heli")
    refused = heli.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "Qiuyue#58ab", "new_password2": "Qiuyue#58ab"},
    )
    assert refused.status_code == 200 and "你的旧密码不正确。请重新输入。" in refused.content.decode()
    done = heli.post(
        "/accounts/password/change/",
        {"old_password": "xietong2026", "new_password1": "Qiuyue#58ab", "new_password2": "Qiuyue#58ab"},
    )
    assert (done.status_code, done["Location"]) == (302, "/accounts/password/change/done/")
    assert "密码已修改。" in heli.get(done["Location"]).content.decode()  # still signed in
    assert Person.objects.get(username="heli").check_password("Qiuyue#58ab")


def test_a_forgotten_password_is_reset_through_a_link_sent_by_smtp(company, client, smtp_server, settings):  # noqa: F811
    controller, sink = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = controller.hostname, controller.port, False
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()

    sent = client.post("/accounts/password/reset/", {"email": "heli@xingchen.example.com"})
    assert (sent.status_code, sent["Location"]) == (302, "/accounts/password/reset/sent/")
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert unknown["Location"] == "/accounts/password/reset/sent/"  # the same answer: addresses do not leak
    [envelope] = sink.messages
    assert envelope.rcpt_tos == ["heli@xingchen.example.com"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"].strip() == "【协同】重设密码"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("何丽，您好：") and "您的用户名：heli" in body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Qiuyue#58ab", "new_password2": "Qiuyue#58ab"})
    assert (done.status_code, done["Location"]) == (302, "/accounts/password/reset/done/")
    assert Person.objects.get(username="heli").check_password("Qiuyue#58ab")
    assert "这个重设密码的链接已失效" in client.get(link, follow=True).content.decode()  # used once
