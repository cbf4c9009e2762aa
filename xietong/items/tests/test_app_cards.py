"""Personal cards in DingTalk, WeCom and Feishu (their local servers on 127.0.0.1, real HTTP): a request
submitted to 李娜 reaches her app as a card with the item, its due time and rule, and the buttons of the
steps she may take; her tap comes back through the platform's signed, encrypted callback, runs the same
step as the web (state, audit) and the card then shows the result. Forged, replayed and stale callbacks are
refused; someone who may not take the step sees the refusal on the card. Token expiry, rate limits, a
person outside the app (email instead), a worker dying after the send (one card), quiet hours, DING/加急."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client

from xietong.clocks.models import ClockPolicy
from xietong.core.models import AuditEvent
from xietong.notify.channels import SENDERS
from xietong.notify.delivery import _claim_batch, outbox_deliver_due
from xietong.notify.models import AppCard, CardState, Delivery, DeliveryState, Preference
from xietong.notify.services import notify
from xietong.requests.tests.test_request_flow import at, new_request

SUBMITTED = "2026-09-30 17:30"  # high priority: 30 minutes on 9/30, then 国庆; due 10/8 10:30
PRESSED = "2026-10-08 09:00"


@dataclass
class Platform:
    name: str
    server: Any
    id_field: str
    send_path: str
    token_path: str

    def card(self):
        [card] = self.server.cards.values()
        return card

    def press(self, step: str, user: str, **kw):
        card = self.card()
        if self.name == "dingtalk":
            return self.server.press(card.key, step, user, **kw)
        if self.name == "wecom":
            return self.server.press(card.key, step, user, **kw)
        row = AppCard.objects.get()
        return self.server.press(card.key, {"card": row.key, "step": step}, user, **kw)

    def buttons(self) -> list[str]:
        """The card's buttons as the person sees them."""
        content = self.card().content
        if self.name == "dingtalk":
            import json

            return [b["text"] for b in json.loads(content["buttons"])]
        if self.name == "wecom":
            return [b["text"] for b in content["button_list"]]
        actions = [e for e in content["elements"] if e["tag"] == "action"]
        return [a["text"]["content"] for a in actions[0]["actions"]] if actions else []

    def shown_result(self) -> str:
        """What the card says after the press (the platform's update)."""
        card = self.card()
        assert card.updates, "the card was not updated"
        last = card.updates[-1]
        if self.name == "dingtalk":
            return last["result"]
        if self.name == "wecom":
            return last["button"]["replace_name"]
        notes = [e for e in last["elements"] if e["tag"] == "note"]
        return notes[0]["elements"][0]["content"]

    def callback_url(self) -> str:
        return f"/items/cards/{self.name}/callback/"


SEND_PATHS = {
    "dingtalk": "/v1.0/im/interactiveCards/send",
    "wecom": "/cgi-bin/message/send",
    "feishu": "/open-apis/im/v1/messages",
}
TOKEN_PATHS = {
    "dingtalk": "/gettoken",
    "wecom": "/cgi-bin/gettoken",
    "feishu": "/open-apis/auth/v3/tenant_access_token/internal",
}
ID_FIELDS = {"dingtalk": "dingtalk_id", "wecom": "wecom_id", "feishu": "feishu_id"}


@pytest.fixture(params=["dingtalk", "wecom", "feishu"])
def platform(request, company, settings):
    server = request.getfixturevalue(request.param)
    settings.XIETONG_APP_MESSAGES = request.param
    for username in ("lina", "wangqiang"):
        person = company.person(username)
        user_id = f"{request.param}-{username}"
        setattr(person, ID_FIELDS[request.param], user_id)
        person.save(update_fields=[ID_FIELDS[request.param]])
        server.add_user(user_id, person.display_name, [server.root_department])
    return Platform(
        request.param, server, ID_FIELDS[request.param], SEND_PATHS[request.param], TOKEN_PATHS[request.param]
    )


def deliver(when: str) -> int:
    with time_machine.travel(at(when), tick=False):
        return outbox_deliver_due()


def send(client: Client, platform: Platform, press, when: str):
    from urllib.parse import urlencode

    url = platform.callback_url() + ("?" + urlencode(press.query) if press.query else "")
    with time_machine.travel(at(when), tick=False):
        return client.post(url, data=press.body, content_type=press.content_type, headers=press.headers)


def tap(platform: Platform, step: str, username: str, when: str):
    """The callback the platform sends when `username` taps `step` at `when`."""
    with time_machine.travel(at(when), tick=False):
        return platform.press(step, user(platform, username))


def user(platform: Platform, username: str) -> str:
    return f"{platform.name}-{username}"


def test_card_round_trip_message_button_step_card_updated_audit(company, platform):
    request = new_request(company, when=SUBMITTED)
    assert deliver(SUBMITTED) >= 1
    card = platform.card()
    assert card.user == user(platform, "lina")
    assert platform.buttons() == [
        "接收确认",
        "受理",
        "提出修改建议（填写修改建议）"[: 10 if platform.name == "wecom" else None],
        "拒绝并提供替代方案（填写替代方案）"[: 10 if platform.name == "wecom" else None],
        "查看详情",
    ]
    row = AppCard.objects.get()
    assert row.steps == ["acknowledge", "accept"]
    assert row.state == CardState.OPEN and row.subject_id == request.pk
    fields = dict(row.content["fields"])
    assert fields["事项"] == "XQ-2026-0001 智能手表项目-续航优化方案评审"
    assert fields["状态"] == "待接收"
    assert fields["到期"] == "10月8日 10:30（响应：2 个工作小时）"
    # The clause of the company's document the policy cites, in its own words.
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    assert (policy.source, policy.clause) == ("企业沟通与协作流程规范", "二（一）")
    assert fields["依据"] == "《企业沟通与协作流程规范》二（一）「需在收到需求后2个工作小时内响应」"

    response = send(Client(), platform, tap(platform, "acknowledge", "lina", PRESSED), PRESSED)
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.state == "acknowledged"
    assert request.acknowledged_at == at(PRESSED)
    event = AuditEvent.objects.filter(action="request.acknowledge").get()
    assert event.actor == company.person("lina")
    assert event.after["state"] == "acknowledged"
    assert platform.shown_result() == "李娜：接收确认（10-08 09:00）"
    assert AppCard.objects.get().state == CardState.DONE
    assert dict(AppCard.objects.get().content["fields"])["状态"] == "评估中"  # not 待接收 as it was sent


def test_a_forged_or_replayed_callback_is_refused_and_changes_nothing(company, platform):
    request = new_request(company, when=SUBMITTED)
    deliver(SUBMITTED)
    press = tap(platform, "acknowledge", "lina", PRESSED)
    forged = type(press)(dict(press.query), press.body, dict(press.headers), press.content_type)
    if platform.name == "feishu":
        forged.headers["X-Lark-Signature"] = "0" * 64
    else:
        forged.query["msg_signature"] = "0" * 40
    assert send(Client(), platform, forged, PRESSED).status_code == 403
    request.refresh_from_db()
    assert request.state == "submitted" and not platform.card().updates

    assert send(Client(), platform, press, PRESSED).status_code == 200
    assert send(Client(), platform, press, PRESSED).status_code == 403  # the same callback again: a replay
    assert AuditEvent.objects.filter(action="request.acknowledge").count() == 1


def test_a_stale_callback_is_refused(company, platform):
    request = new_request(company, when=SUBMITTED)
    deliver(SUBMITTED)
    press = tap(platform, "acknowledge", "lina", PRESSED)
    response = send(Client(), platform, press, "2026-10-09 09:00")  # arrives a day later
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.state == "submitted"


def test_someone_who_may_not_take_the_step_sees_the_refusal_on_the_card(company, platform):
    request = new_request(company, when=SUBMITTED)
    deliver(SUBMITTED)
    # 王强 is in the app too, but the request was sent to 李娜: he may not acknowledge it.
    response = send(Client(), platform, tap(platform, "acknowledge", "wangqiang", PRESSED), PRESSED)
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.state == "submitted"
    assert not AuditEvent.objects.filter(action="request.acknowledge").exists()
    assert platform.shown_result().startswith("未能接收确认")
    assert AppCard.objects.get().state == CardState.OPEN


def test_an_expired_token_is_refreshed_once_and_the_card_sent(company, platform):
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="reminder", title="【即将到期】测试", urgency="urgent")
    deliver("2026-09-30 17:00")  # fetches a token (and the card goes out)
    platform.server.cards.clear()
    platform.server.expire_tokens()
    with time_machine.travel(at("2026-09-30 17:10"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="reminder", title="【即将到期】第二条", urgency="urgent")
    deliver("2026-09-30 17:10")
    assert len(platform.server.calls_to(platform.token_path)) == 2
    assert len(platform.server.cards) == 1
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 2


def test_a_rate_limit_is_backed_off_through_the_outbox(company, platform):
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="reminder", title="【即将到期】测试", urgency="urgent")
    platform.server.rate_limit_next(platform.send_path)
    deliver("2026-09-30 17:00")
    delivery = Delivery.objects.get(channel_kind=f"app_{platform.name}")
    assert delivery.state == DeliveryState.PENDING and not platform.server.cards
    assert platform.server.waits == []  # the worker did not sleep: the outbox waits instead
    # The outbox's backoff after a first failure (60 s); Feishu's x-ogw-ratelimit-reset asked for 2 s, less.
    assert delivery.next_attempt_at == at("2026-09-30 17:00") + dt.timedelta(seconds=60)
    assert "限流" in delivery.last_error
    assert deliver("2026-09-30 17:00:30") == 0
    assert deliver("2026-09-30 17:01") == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and len(platform.server.cards) == 1


def test_a_person_not_in_the_app_gets_the_message_by_email(company, platform):
    platform.server.remove_user(user(platform, "lina"))
    Preference.objects.create(person=company.person("lina"), email_kinds=[], chat_kinds=[], app_kinds=["reminder"])
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="reminder", title="【即将到期】续航评审", urgency="urgent")
    deliver("2026-09-30 17:00")
    app = Delivery.objects.get(channel_kind=f"app_{platform.name}")
    assert app.state == DeliveryState.FAILED and "改发邮件" in app.last_error
    email = Delivery.objects.get(channel_kind="email")
    assert email.recipient == company.person("lina")
    deliver("2026-09-30 17:00")
    assert [m.to for m in mail.outbox] == [[company.person("lina").email]]
    assert mail.outbox[0].subject == "[协同] 【即将到期】续航评审"
    deliver("2026-09-30 17:05")  # nothing is sent twice
    assert len(mail.outbox) == 1


def test_a_worker_that_dies_after_sending_does_not_show_the_card_twice(company, platform, settings):
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="reminder", title="【即将到期】测试", urgency="urgent")
    with time_machine.travel(at("2026-09-30 17:00"), tick=False):
        claim = _claim_batch(1, set())[0]
        result = SENDERS[claim.delivery.channel_kind](claim.target, claim.secret, claim.message)
        assert result.ok  # sent — and the worker is killed before it records that
    delivery = Delivery.objects.get(channel_kind=f"app_{platform.name}")
    assert delivery.state == DeliveryState.SENDING
    later = at("2026-09-30 17:00") + dt.timedelta(seconds=settings.XIETONG_DELIVERY_LEASE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert outbox_deliver_due() == 1  # the lease ran out: sent again, under the same key
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 2
    assert len(platform.server.calls_to(platform.send_path)) == 2
    assert len(platform.server.cards) == 1  # the platform showed one card


def test_quiet_hours_hold_a_normal_card_until_working_time(company, platform):
    with time_machine.travel(at("2026-09-29 20:00"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="reminder", title="【即将到期】测试")
    delivery = Delivery.objects.get(channel_kind=f"app_{platform.name}")
    assert delivery.next_attempt_at == at("2026-09-30 09:00")
    assert deliver("2026-09-29 20:00") == 0 and not platform.server.cards


def test_a_person_who_turned_app_messages_off_gets_none(company, platform):
    Preference.objects.create(person=company.person("lina"), email_kinds=[], chat_kinds=[], app_kinds=[])
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="reminder", title="【即将到期】测试", urgency="urgent")
    assert not Delivery.objects.filter(channel_kind=f"app_{platform.name}").exists()


def test_an_emergency_rings_where_the_platform_allows(company, platform):
    with time_machine.travel(at("2026-09-30 17:00"), tick=False), transaction.atomic():
        notify(recipients=[company.person("lina")], kind="escalation", title="【紧急】机房断电", urgency="emergency")
    deliver("2026-09-30 17:00")
    card = platform.card()
    if platform.name == "dingtalk":
        assert [d["receiverUserIdList"] for d in platform.server.dings] == [[user(platform, "lina")]]
        assert card.content["urgent"] == "true"
    elif platform.name == "feishu":
        assert card.urgent == [[user(platform, "lina")]]
        assert card.content["header"]["template"] == "red"
    else:  # WeCom has no 加急 for app messages: the card is marked in its source line
        assert card.content["source"]["desc_color"] == 3


def test_only_the_final_escalation_rings(company, dingtalk, settings):
    """The standard ladder: 部门负责人 → 分管领导 → 总经理. The last level's card comes with a DING."""
    from xietong.clocks.services import clock_fire_due
    from xietong.notify.models import Notification
    from xietong.org.models import Person

    settings.XIETONG_APP_MESSAGES = "dingtalk"
    for person in Person.objects.all():
        person.dingtalk_id = f"dt-{person.username}"
        person.save(update_fields=["dingtalk_id"])
        dingtalk.add_user(person.dingtalk_id, person.display_name, ["1"])
    new_request(company, when=SUBMITTED)
    with time_machine.travel(at("2026-10-20 09:00"), tick=False):
        while clock_fire_due():
            pass
        while outbox_deliver_due():  # every level's mail and cards, however many batches they take
            pass
    escalations = Notification.objects.filter(kind="escalation").order_by("created_at", "pk")
    titles = [n.title for n in escalations]
    assert titles[-1].startswith("【升级·第3级】"), titles
    final = escalations.last()
    [final_card] = AppCard.objects.filter(delivery__notification=final)
    rung = [d for d in dingtalk.dings if d["receiverUserIdList"] == [final_card.platform_user]]
    assert len(dingtalk.dings) == 1 and rung
    assert all(not c.content["urgent"] for c in AppCard.objects.exclude(pk=final_card.pk))


def test_a_notice_to_confirm_arrives_with_its_read_button_and_the_tap_confirms(company, platform):
    """已阅 is the notice's declared confirm step: the card offers it to a recipient who has not confirmed."""
    from xietong.clocks.wording import due_text
    from xietong.notices.models import NoticeReceipt
    from xietong.notices.tests.test_notices import publish

    notice = publish(company, departments=(), people=("lina",), when="2026-03-09 10:00")
    deliver("2026-03-09 10:00")
    assert platform.buttons() == ["已阅", "查看详情"]
    fields = dict(AppCard.objects.get().content["fields"])
    assert fields["到期"].startswith(due_text(notice.confirm_by) + "（")
    assert (
        send(Client(), platform, tap(platform, "confirm", "lina", "2026-03-09 11:00"), "2026-03-09 11:00").status_code
        == 200
    )
    receipt = NoticeReceipt.objects.get(notice=notice, person=company.person("lina"))
    assert receipt.confirmed_at == at("2026-03-09 11:00")
    event = AuditEvent.objects.get(action="notice.confirm")
    assert event.actor == company.person("lina") and event.after["person"] == company.person("lina").pk
    assert platform.shown_result() == "李娜：已阅（03-09 11:00）"
