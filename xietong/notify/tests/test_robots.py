"""Robots and webhooks over real HTTP to a receiver on 127.0.0.1: exact bodies, signatures recomputed
here independently, mentions, retries with backoff, rate limits, garbage and timeouts."""

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import unquote_plus

import pytest
import time_machine
from django.db import transaction

from xietong.notify.delivery import outbox_deliver_due
from xietong.notify.models import Channel, Delivery, DeliveryAttempt, DeliveryState, Notification
from xietong.notify.services import channel_save, delivery_retry, notify

MONDAY_10 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai, working time
DING_SECRET = "SEC" + "a1b2c3d4" * 8


@pytest.fixture(autouse=True)
def robots_only(company):
    """These tests are about robots: 李娜 takes no email, so every delivery here is a robot's."""
    from xietong.notify.models import DEFAULT_CHAT_KINDS, Preference

    Preference.objects.create(person=company.person("lina"), email_kinds=[], chat_kinds=list(DEFAULT_CHAT_KINDS))


def make_channel(company, kind, url, secret=None, **extra):
    with transaction.atomic():
        return channel_save(
            actor=company.person("admin"),
            channel=Channel(kind=kind, name=f"{kind} 测试群", url=url, **extra),
            secret=secret,
        )


def event(company, title="【升级·第1级】智能手表硬件方案评审", mentions=("lina",), **extra):
    with transaction.atomic():
        return notify(
            recipients=[company.person(u) for u in mentions],
            kind="escalation",
            title=title,
            body="王强的响应已超时（到期 3月2日 11:00），按规则升级至您（部门负责人）。",
            url="/requests/7/",
            **extra,
        )


def deliver(at=MONDAY_10) -> int:
    with time_machine.travel(at, tick=False):
        return outbox_deliver_due()


def test_dingtalk_markdown_with_mobile_mentions_and_signature(company, receiver):
    make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=tok123", DING_SECRET)
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    assert deliver() == 1
    [request] = receiver.requests
    assert request.path == "/robot/send" and request.query["access_token"] == "tok123"
    timestamp = request.query["timestamp"]
    expected = base64.b64encode(
        hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert unquote_plus(request.query["sign"]) == expected or request.query["sign"] == expected
    lina = company.person("lina")
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "title": "【升级·第1级】智能手表硬件方案评审",
            "text": "#### 【升级·第1级】智能手表硬件方案评审\n\n王强的响应已超时（到期 3月2日 11:00），按规则升级至您（部门负责人）。"
            f"\n\n[查看详情](http://127.0.0.1:8000/requests/7/)\n\n@{lina.phone}",
        },
        "at": {"atMobiles": [lina.phone], "atUserIds": [], "isAtAll": False},
    }
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 1


def test_feishu_post_with_signature_in_body_and_at_open_id(company, receiver):
    lina = company.person("lina")
    lina.feishu_id = "ou_7d8a6e6df7621556ce0d21922b676706ccs"
    lina.save()
    make_channel(company, "feishu", f"{receiver.base_url}/open-apis/bot/v2/hook/abc-123", "feishu-secret-9")
    receiver.script.default = (200, {"code": 0, "msg": "success"})
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    deliver()
    body = receiver.requests[0].json
    key = f"{body['timestamp']}\nfeishu-secret-9".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "【升级·第1级】智能手表硬件方案评审"
    assert post["content"] == [
        [{"tag": "text", "text": "王强的响应已超时（到期 3月2日 11:00），按规则升级至您（部门负责人）。"}],
        [{"tag": "a", "text": "查看详情", "href": "http://127.0.0.1:8000/requests/7/"}],
        [{"tag": "at", "user_id": "ou_7d8a6e6df7621556ce0d21922b676706ccs"}],
    ]


def test_wecom_markdown_respects_the_4096_byte_limit_and_mentions(company, receiver):
    lina = company.person("lina")
    lina.wecom_id = "LiNa"
    lina.save()
    make_channel(company, "wecom", f"{receiver.base_url}/cgi-bin/webhook/send?key=k-1")
    with time_machine.travel(MONDAY_10, tick=False), transaction.atomic():
        notify(recipients=[lina], kind="escalation", title="长消息", body="需求说明" * 2000, url="/requests/7/")
    deliver()
    body = receiver.requests[0].json
    content = body["markdown"]["content"]
    assert body["msgtype"] == "markdown"
    assert len(content.encode()) <= 4096
    assert content.startswith("**长消息**\n需求说明")
    assert content.endswith("…\n[查看详情](http://127.0.0.1:8000/requests/7/)\n<@LiNa>")


def test_generic_webhook_hmac_header_and_idempotency_key(company, receiver):
    make_channel(company, "webhook", f"{receiver.base_url}/hooks/xietong", "s3cr3t")
    receiver.script.default = (204, b"")
    with time_machine.travel(MONDAY_10, tick=False):
        notification = event(company)
    deliver()
    request = receiver.requests[0]
    timestamp = request.headers["X-Xietong-Timestamp"]
    expected = "sha256=" + hmac.new(b"s3cr3t", f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Xietong-Signature"] == expected
    delivery = Delivery.objects.get()
    assert (
        request.headers["X-Xietong-Delivery"]
        == delivery.idempotency_key
        == f"n{notification.pk}:channel:{delivery.channel_id}"
    )
    assert request.json["title"] == "【升级·第1级】智能手表硬件方案评审"
    assert request.json["mentions"][0]["username"] == "lina"
    assert delivery.state == DeliveryState.SENT


def test_two_failures_then_delivered_once_with_backoff(company, receiver, settings):
    settings.XIETONG_DELIVERY_BACKOFF_SECONDS = 60
    make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=t", DING_SECRET)
    receiver.script.replies = [(500, {"errmsg": "busy"}), (502, b"<html>bad gateway</html>")]
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    assert deliver() == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at == MONDAY_10 + dt.timedelta(seconds=60)
    assert deliver(MONDAY_10 + dt.timedelta(seconds=59)) == 0  # not yet
    assert deliver(MONDAY_10 + dt.timedelta(seconds=60)) == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (2, 502)
    assert delivery.next_attempt_at == MONDAY_10 + dt.timedelta(seconds=180)  # then 2 minutes
    assert deliver(MONDAY_10 + dt.timedelta(seconds=180)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 3)
    assert len(receiver.requests) == 3 and [r.answered for r in receiver.requests] == [True, True, True]
    assert list(DeliveryAttempt.objects.order_by("at").values_list("ok", "status_code")) == [
        (False, 500),
        (False, 502),
        (True, 200),
    ]
    assert deliver(MONDAY_10 + dt.timedelta(hours=5)) == 0  # never again


def test_rate_limit_queues_instead_of_dropping(company, receiver):
    make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=t", DING_SECRET)
    with time_machine.travel(MONDAY_10, tick=False):
        for i in range(25):
            event(company, title=f"消息 {i:02d}")
    assert deliver() == 20  # DingTalk: 20 per minute per robot
    assert Delivery.objects.filter(state="pending").count() == 5
    assert deliver(MONDAY_10 + dt.timedelta(seconds=30)) == 0
    assert deliver(MONDAY_10 + dt.timedelta(seconds=61)) == 5
    titles = sorted(r.json["markdown"]["title"] for r in receiver.requests)
    assert titles == [f"消息 {i:02d}" for i in range(25)]  # all delivered, none twice
    assert Delivery.objects.filter(state="sent").count() == 25


def test_robot_rate_limit_answer_is_retried_later(company, receiver):
    make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=t", DING_SECRET)
    receiver.script.replies = [(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})]
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    deliver()
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and "130101" in delivery.last_error
    assert delivery.next_attempt_at == MONDAY_10 + dt.timedelta(seconds=60)
    deliver(MONDAY_10 + dt.timedelta(seconds=60))
    delivery.refresh_from_db()
    assert delivery.state == "sent"


def test_garbage_and_timeouts_are_failed_attempts_not_crashes(company, receiver, settings):
    settings.XIETONG_WEBHOOK_TIMEOUT_SECONDS = 0.5
    make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=t", DING_SECRET)
    receiver.script.replies = [(200, b"not json at all")]
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    deliver()
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and "响应不是 JSON" in delivery.last_error
    receiver.script.delay = 1.5
    deliver(MONDAY_10 + dt.timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_error == "请求超时"


def test_unreachable_robot_gives_up_into_the_failed_list_and_an_admin_retries(company, receiver, settings):
    settings.XIETONG_DELIVERY_MAX_ATTEMPTS = 3
    make_channel(company, "webhook", "http://127.0.0.1:9/nothing-listens-here", "s")
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    for minutes in (0, 1, 3):
        deliver(MONDAY_10 + dt.timedelta(minutes=minutes))
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 3
    assert "网络错误" in delivery.last_error
    # The failed list in the admin, and a retry that now reaches a working receiver.
    admin = company.person("admin")
    from django.test import Client

    client = Client()
    client.force_login(admin)
    page = client.get("/admin/notify/delivery/?state__exact=failed")
    assert "发送失败（已放弃）" in page.content.decode()
    Channel.objects.update(url=f"{receiver.base_url}/hooks")
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False), transaction.atomic():
        delivery_retry(actor=admin, delivery_id=delivery.pk)
    deliver(MONDAY_10 + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and len(receiver.requests) == 1


def test_one_event_is_one_message_per_channel(company, receiver):
    make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=t", DING_SECRET)
    with time_machine.travel(MONDAY_10, tick=False):
        event(company, dedupe_key="clock:42")
        assert event(company, dedupe_key="clock:42") is None
    deliver()
    deliver(MONDAY_10 + dt.timedelta(hours=1))
    assert Notification.objects.count() == 1 and len(receiver.requests) == 1


def test_robots_only_get_their_department_or_project(company, receiver):
    rd = company.department("rd")
    make_channel(company, "webhook", f"{receiver.base_url}/rd", "s", department=rd)
    make_channel(company, "webhook", f"{receiver.base_url}/sales", "s", department=company.department("sales"))
    make_channel(company, "webhook", f"{receiver.base_url}/watch", "s", project=company.project("smartwatch"))
    receiver.script.default = (200, {})
    with time_machine.travel(MONDAY_10, tick=False):
        event(company, department=company.department("rd-software"))  # below 研发中心
        event(company, title="项目消息", project=company.project("smartwatch"))
    deliver()
    paths = sorted(r.path for r in receiver.requests)
    # the rd-software event reaches the 研发中心 robot; the project event reaches the project's robot and,
    # because 智能手表项目 belongs to 产品部, no department robot.
    assert paths == ["/rd", "/watch"]


def test_quiet_hours_hold_normal_messages_until_the_next_working_morning(company, receiver):
    make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=t", DING_SECRET)
    friday_evening = dt.datetime(2026, 3, 6, 12, 0, tzinfo=dt.UTC)  # 20:00 Shanghai
    with time_machine.travel(friday_evening, tick=False):
        event(company, title="普通提醒")
        with transaction.atomic():
            notify(recipients=[company.person("lina")], kind="escalation", title="紧急升级", urgency="urgent")
    assert deliver(friday_evening) == 1  # only the urgent one goes out at night
    assert receiver.requests[0].json["markdown"]["title"] == "紧急升级"
    monday_9 = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)
    assert Delivery.objects.get(notification__title="普通提醒", channel__isnull=False).next_attempt_at == monday_9
    assert deliver(monday_9) == 1


@pytest.mark.parametrize(
    ("kind", "url", "secret", "field", "message"),
    [
        ("dingtalk", "ftp://oapi.dingtalk.com/robot/send", None, "url", "Webhook 地址应以 https:// 开头"),
        ("dingtalk", "不是网址", None, "url", "输入一个有效的 URL"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send", None, "url", "缺少 access_token"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=x", "abc", "secret", "以 SEC 开头"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", None, "url", "缺少 key 参数"),
        ("feishu", "https://open.feishu.cn/hook/x", None, "url", "/open-apis/bot/v2/hook/"),
        ("webhook", "http://example.com/hook", None, "url", "必须使用 https"),
    ],
)
def test_malformed_urls_and_secrets_are_refused_at_save(company, client_for, kind, url, secret, field, message):
    response = client_for("admin").post(
        "/admin/notify/channel/add/",
        {
            "kind": kind,
            "name": "群",
            "url": url,
            "secret": secret or "",
            "rate_per_minute": "20",
            "is_active": "on",
            "quiet_hours": "on",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_secret_is_stored_encrypted_and_never_shown_again(company, client_for):
    admin = client_for("admin")
    response = admin.post(
        "/admin/notify/channel/add/",
        {
            "kind": "dingtalk",
            "name": "研发群",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "secret": DING_SECRET,
            "rate_per_minute": "20",
            "is_active": "on",
            "quiet_hours": "on",
        },
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert DING_SECRET not in channel.secret_encrypted and channel.has_secret
    page = admin.get(f"/admin/notify/channel/{channel.pk}/change/").content.decode()
    assert DING_SECRET not in page
    from xietong.core.models import AuditEvent

    assert DING_SECRET not in json.dumps(list(AuditEvent.objects.values("before", "after")), ensure_ascii=False)
    assert "access_token=abc" not in json.dumps(list(AuditEvent.objects.values("after")), ensure_ascii=False)


def test_send_test_message_button(company, client_for, receiver):
    channel = make_channel(company, "dingtalk", f"{receiver.base_url}/robot/send?access_token=t", DING_SECRET)
    response = client_for("admin").post(
        "/admin/notify/channel/", {"action": "send_test_message", "_selected_action": [channel.pk]}
    )
    assert response.status_code == 302
    outbox_deliver_due()
    assert receiver.requests[0].json["markdown"]["title"] == "协同测试消息"


def test_robots_are_reached_through_the_proxy_the_environment_names(company, receiver, monkeypatch):
    """A company whose servers reach the internet through a proxy sets HTTP(S)_PROXY once; the receiver plays
    the proxy here, and the request it gets is the one for the robot's host."""
    monkeypatch.setenv("HTTP_PROXY", receiver.base_url)
    monkeypatch.delenv("http_proxy", raising=False)
    make_channel(company, "webhook", "http://10.255.0.7/hooks/xietong", "s")  # no route: only the proxy answers
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    deliver()
    (request,) = receiver.requests
    assert request.headers["Host"] == "10.255.0.7" and request.path == "/hooks/xietong"
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_hosts_named_in_no_proxy_are_sent_to_directly(company, receiver, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: through it nothing would arrive
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("http_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    make_channel(company, "webhook", f"{receiver.base_url}/hooks/xietong", "s")
    with time_machine.travel(MONDAY_10, tick=False):
        event(company)
    deliver()
    assert len(receiver.requests) == 1 and Delivery.objects.get().state == DeliveryState.SENT
