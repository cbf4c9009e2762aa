"""收件箱 as a person uses it: list, filters, mark read, open, the badge, settings; and only one's own."""

import datetime as dt

import time_machine
from django.db import transaction

from xietong.notify.models import InboxMessage, Preference
from xietong.notify.services import notify


def send(person, kind="reminder", title="【即将到期】智能手表硬件方案评审", url="/org/projects/"):
    with transaction.atomic():
        return notify(recipients=[person], kind=kind, title=title, body="响应将于 3月2日 11:00 到期。", url=url)


def test_inbox_lists_filters_and_marks_read(company, client_for):
    lina = company.person("lina")
    send(lina)
    send(lina, kind="escalation", title="【升级·第1级】王强的请求")
    c = client_for("lina")
    html = c.get("/inbox/").content.decode()
    assert "【即将到期】智能手表硬件方案评审" in html and "【升级·第1级】王强的请求" in html
    assert "2 条未读" in html
    escalations = c.get("/inbox/?filter=escalations").content.decode()
    assert "【升级·第1级】王强的请求" in escalations and "智能手表硬件方案评审" not in escalations
    message = InboxMessage.objects.get(recipient=lina, notification__kind="reminder")
    response = c.post(f"/inbox/{message.pk}/read/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "inbox-changed"
    assert "已读" in response.content.decode()
    assert c.get("/inbox/badge/").content.decode().count('data-unread="1"') == 1
    c.post("/inbox/read-all/")
    assert not InboxMessage.objects.filter(recipient=lina, read_at__isnull=True).exists()


def test_opening_a_message_marks_it_read_and_follows_its_link(company, client_for):
    lina = company.person("lina")
    send(lina, url="/org/projects/")
    message = InboxMessage.objects.get(recipient=lina)
    response = client_for("lina").get(f"/inbox/{message.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/org/projects/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_link_to_another_site_is_not_followed(company, client_for):
    lina = company.person("lina")
    send(lina, url="https://evil.example.com/phish")
    message = InboxMessage.objects.get(recipient=lina)
    assert client_for("lina").get(f"/inbox/{message.pk}/open/")["Location"] == "/"


def test_nobody_reads_or_marks_anothers_messages(company, client_for):
    send(company.person("lina"))
    message = InboxMessage.objects.get()
    other = client_for("wangqiang")
    assert other.post(f"/inbox/{message.pk}/read/").status_code == 404
    assert other.get(f"/inbox/{message.pk}/open/").status_code == 404
    assert "智能手表硬件方案评审" not in other.get("/inbox/").content.decode()
    assert other.post(f"/api/inbox/messages/{message.pk}/read").status_code in (403, 404)
    message.refresh_from_db()
    assert message.read_at is None


def test_inbox_api(company, client_for):
    send(company.person("lina"))
    c = client_for("lina")
    assert c.get("/api/inbox/unread").json() == {"unread": 1}
    items = c.get("/api/inbox/messages").json()["items"]
    assert items[0]["title"] == "【即将到期】智能手表硬件方案评审" and items[0]["read_at"] is None


def test_unread_count_is_in_the_header_of_every_page(company, client_for):
    send(company.person("lina"))
    html = client_for("lina").get("/org/").content.decode()
    assert 'id="inbox-badge"' in html and 'data-unread="1"' in html


def test_preferences_choose_channels_and_quiet_hours(company, client_for):
    c = client_for("lina")
    response = c.post("/inbox/settings/", {"email_kinds": ["escalation"], "chat_kinds": ["mention"], "digest": "on"})
    assert response.status_code == 302
    preference = Preference.objects.get(person__username="lina")
    assert preference.email_kinds == ["escalation"] and preference.chat_kinds == ["mention"]
    assert preference.quiet_hours is False and preference.digest is True
    bad = c.post("/inbox/settings/", {"email_kinds": ["nonsense"]})
    assert bad.status_code == 200 and "nonsense" in bad.content.decode()


def test_daily_digest_at_nine_on_working_days_once(company):
    from xietong.clocks.models import ClockPolicy
    from xietong.clocks.services import clock_arm
    from xietong.clocks.tests.probe.models import Probe
    from xietong.notify.digest import digest_send_due

    ClockPolicy.objects.create(process="probe", priority="*", kind="respond", duration="2h", mode="working")
    owner = company.person("wangqiang")
    probe = Probe.objects.create(name="硬件方案评审", owner=owner, department=owner.department)
    sh = dt.timezone(dt.timedelta(hours=8))
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 30, tzinfo=sh), tick=False), transaction.atomic():
        clock_arm(subject=probe, process="probe", limit="respond", owner=owner)  # due 11:00 today
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 59, tzinfo=sh), tick=False):
        assert digest_send_due() == 0
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=sh), tick=False):
        assert digest_send_due() == 1
        assert digest_send_due() == 0
    message = InboxMessage.objects.get(recipient=owner, notification__kind="digest")
    assert message.notification.title == "每日摘要 03-02：今天到期 1 项，已超时 0 项"
    assert "硬件方案评审（响应，03-02 11:00）" in message.notification.body
    with time_machine.travel(dt.datetime(2026, 3, 7, 9, 30, tzinfo=sh), tick=False):  # Saturday
        assert digest_send_due() == 0
