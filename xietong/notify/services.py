"""Writing notifications (inbox lines and outbox deliveries) inside the transaction that causes them."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from django.db import models, transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.memo import memoized, memoized_many
from xietong.notify.channels.app_cards import configured as app_platforms
from xietong.notify.crypto import secret_encrypt
from xietong.notify.models import (
    APP_KINDS,
    DEFAULT_APP_KINDS,
    DEFAULT_CHAT_KINDS,
    DEFAULT_EMAIL_KINDS,
    Channel,
    ChannelKind,
    Delivery,
    DeliveryState,
    InboxMessage,
    MessageKind,
    Notification,
    Preference,
    Urgency,
)
from xietong.org.models import Department, Person, Project
from xietong.org.tree import DepartmentTree
from xietong.workcal.selectors import calendar_for_department_id, calendar_for_person, engine_for


def preference_of(person: Person) -> Preference:
    """The person's preferences, or the defaults if they never changed them (not saved)."""
    try:
        return person.notify_preference
    except Preference.DoesNotExist:
        return default_preference(person)


def default_preference(person: Person | None) -> Preference:
    return Preference(
        person=person,
        email_kinds=list(DEFAULT_EMAIL_KINDS),
        chat_kinds=list(DEFAULT_CHAT_KINDS),
        app_kinds=list(DEFAULT_APP_KINDS),
    )


def _send_time(urgency: str, quiet: bool, calendar_engine, now: dt.datetime) -> dt.datetime:
    """Non-urgent messages to someone with quiet hours wait for the next working instant."""
    if urgency != Urgency.NORMAL or not quiet:
        return now
    return calendar_engine.next_working_instant(now)


def _scope(subject: models.Model | None, project: Project | None, department: Department | None):
    if subject is not None:
        project = project or getattr(subject, "project", None)
        department = department or getattr(subject, "department", None)
    if department is None and project is not None:
        department = project.department
    return project, department


def _channels_for(project: Project | None, department: Department | None, kind: str) -> list[Channel]:
    """Robots of the whole company, of the item's department or any department above it, of its project."""
    key = ("channels", project.pk if project else None, department.pk if department else None, kind)
    return memoized(key, lambda: _channels_query(project, department, kind))


def _channels_query(project: Project | None, department: Department | None, kind: str) -> list[Channel]:
    # Every active robot read once per unit of work (a batch of firings covers many projects), then picked.
    active = memoized(("channels-active",), lambda: list(Channel.objects.filter(is_active=True)))
    ancestors: set[int] = set()
    if department is not None:
        ancestors = {node.id for node in DepartmentTree.load().ancestors(department.pk)}
    project_id = project.pk if project is not None else None

    def covers(channel: Channel) -> bool:
        if channel.project_id is not None:
            return project_id is not None and channel.project_id == project_id
        return channel.department_id is None or channel.department_id in ancestors

    return [c for c in active if covers(c) and (not c.kinds or kind in c.kinds)]


@dataclass
class _Planned:
    """One notify() call: its event (not saved yet) and who hears it."""

    notification: Notification
    people: dict[int, Person]
    addresses: tuple[str, ...]


_planned: ContextVar[list[_Planned] | None] = ContextVar("notify_planned", default=None)


@contextmanager
def notify_batch() -> Iterator[None]:
    """Within the block, `notify_later` plans messages; when the block ends they are written together, one
    insert per table for all of them (a batch of clock firings), in the caller's transaction."""
    token = _planned.set([])
    try:
        yield
        _write(_planned.get() or [])
    finally:
        _planned.reset(token)


def notify_later(**message: Any) -> None:
    """notify(), written when the enclosing `notify_batch()` ends (at once outside one)."""
    batch = _planned.get()
    if batch is None:
        notify(**message)
        return
    batch.append(_plan(**message))


def notify(
    *,
    recipients: Iterable[Person],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    subject: models.Model | None = None,
    urgency: str = Urgency.NORMAL,
    dedupe_key: str | None = None,
    project: Project | None = None,
    department: Department | None = None,
    addresses: Iterable[str] = (),
) -> Notification | None:
    """Tell `recipients` about an event: an inbox line each, plus outbox rows for email and the robots
    that cover the item; `addresses` are mailed too (people outside the company, e.g. a 用户告知函's
    readers). Idempotent per `dedupe_key`. Must run inside the caller's transaction."""
    planned = _plan(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=url,
        subject=subject,
        urgency=urgency,
        dedupe_key=dedupe_key,
        project=project,
        department=department,
        addresses=addresses,
    )
    written = _write([planned])
    return written[0].notification if written else None


def _plan(
    *,
    recipients: Iterable[Person],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    subject: models.Model | None = None,
    urgency: str = Urgency.NORMAL,
    dedupe_key: str | None = None,
    project: Project | None = None,
    department: Department | None = None,
    addresses: Iterable[str] = (),
) -> _Planned:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the event it reports")
    people = {p.pk: p for p in recipients if p is not None and p.is_active}
    project, department = _scope(subject, project, department)
    notification = Notification(
        kind=kind,
        urgency=urgency,
        title=title[:200],
        body=body,
        url=url[:300],
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        project=project,
        department=department,
        dedupe_key=dedupe_key,
        created_at=clock.now(),
    )
    return _Planned(notification, people, tuple(dict.fromkeys(addresses)))


def _write(planned: list[_Planned]) -> list[_Planned]:
    """Insert the planned events whose dedupe key is new, with their inbox lines and outbox rows: one
    query per table whatever their number. Returns those written."""
    keys = [p.notification.dedupe_key for p in planned if p.notification.dedupe_key]
    taken = (
        set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)) if keys else set()
    )
    kept: list[_Planned] = []
    for p in planned:
        key = p.notification.dedupe_key
        if key:
            if key in taken:
                continue
            taken.add(key)
        kept.append(p)
    if not kept:
        return []
    if len(kept) == 1:
        kept[0].notification.save(force_insert=True)
    else:
        Notification.objects.bulk_create([p.notification for p in kept])
    inbox: list[InboxMessage] = []
    deliveries: list[Delivery] = []
    mentions: list[tuple[Delivery, list[Person]]] = []
    stored = _preferences([pk for p in kept for pk in p.people])
    defaults = default_preference(None)  # read only here: one for everyone who never changed theirs
    for p in kept:
        notification, now = p.notification, p.notification.created_at
        inbox += [
            InboxMessage(notification=notification, recipient=person, created_at=now) for person in p.people.values()
        ]
        preferences = {pk: stored.get(pk) or defaults for pk in p.people}
        robots = _deliveries(p, preferences, deliveries)
        mentioned = [
            person
            for person in p.people.values()
            if notification.kind in preferences[person.pk].chat_kinds or notification.urgency != Urgency.NORMAL
        ]
        if mentioned:
            mentions += [(delivery, mentioned) for delivery in robots]
    InboxMessage.objects.bulk_create(inbox)
    Delivery.objects.bulk_create(deliveries)
    if mentions:
        through = Delivery.mentions.through
        through.objects.bulk_create(
            [
                through(delivery_id=delivery.pk, person_id=person.pk)
                for delivery, people in mentions
                for person in people
            ]
        )
    return kept


def _preferences(person_ids: list[int]) -> dict[int, Preference | None]:
    """The stored preferences of these people (None: the defaults), read once per unit of work."""
    return memoized_many(
        "notify-preference",
        person_ids,
        lambda missing: {p.person_id: p for p in Preference.objects.filter(person_id__in=missing)},
    )


def _deliveries(p: _Planned, preferences: dict[int, Preference], out: list[Delivery]) -> list[Delivery]:
    """Append the outbox rows of one event to `out`; returns its robots' rows (they carry @mentions)."""
    notification = p.notification
    kind, urgency, now = notification.kind, notification.urgency, notification.created_at
    for person in p.people.values():
        preference = preferences[person.pk]
        if person.email and (
            kind in preference.email_kinds or urgency == Urgency.EMERGENCY or kind == MessageKind.TEST
        ):
            engine = engine_for(calendar_for_person(person))
            out.append(
                Delivery(
                    notification=notification,
                    channel_kind=ChannelKind.EMAIL,
                    recipient=person,
                    idempotency_key=f"n{notification.pk}:email:{person.pk}",
                    next_attempt_at=_send_time(urgency, preference.quiet_hours, engine, now),
                    created_at=now,
                )
            )
    for address in p.addresses:
        out.append(
            Delivery(
                notification=notification,
                channel_kind=ChannelKind.EMAIL,
                address=address,
                idempotency_key=f"n{notification.pk}:address:{address}"[:120],
                next_attempt_at=now,
                created_at=now,
            )
        )
    out += _app_deliveries(notification, p.people.values(), preferences, now)
    robots = []
    project = notification.project
    department = notification.department
    for channel in _channels_for(project, department, kind):
        engine = engine_for(calendar_for_department_id(channel.department_id))
        delivery = Delivery(
            notification=notification,
            channel_kind=channel.kind,
            channel=channel,
            idempotency_key=f"n{notification.pk}:channel:{channel.pk}",
            next_attempt_at=_send_time(urgency, channel.quiet_hours, engine, now),
            created_at=now,
        )
        out.append(delivery)
        robots.append(delivery)
    return robots


def _app_deliveries(
    notification: Notification, people: Iterable[Person], preferences: dict[int, Preference], now: dt.datetime
) -> list[Delivery]:
    """A card in the person's own app (DingTalk, WeCom, Feishu — those configured and where the person has
    an id) for the kinds they chose; emergencies always. Quiet hours hold non-urgent cards as they do mail."""
    platforms = app_platforms()
    if not platforms:
        return []
    found = []
    for person in people:
        preference = preferences[person.pk]
        wanted = notification.kind in preference.app_kinds or notification.urgency == Urgency.EMERGENCY
        if not wanted:
            continue
        for channel_kind, (platform, id_field) in APP_KINDS.items():
            if platform not in platforms or not getattr(person, id_field):
                continue
            engine = engine_for(calendar_for_person(person))
            found.append(
                Delivery(
                    notification=notification,
                    channel_kind=channel_kind,
                    recipient=person,
                    idempotency_key=f"n{notification.pk}:{channel_kind}:{person.pk}",
                    next_attempt_at=_send_time(notification.urgency, preference.quiet_hours, engine, now),
                    created_at=now,
                )
            )
    return found


# --- Inbox ----------------------------------------------------------------------------------------
def inbox_mark_read(*, person: Person, message_id: int) -> InboxMessage:
    try:
        message = InboxMessage.objects.select_related("notification").get(pk=message_id, recipient=person)
    except (InboxMessage.DoesNotExist, ValueError) as exc:
        raise NotFound() from exc
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def inbox_mark_all_read(*, person: Person) -> int:
    return InboxMessage.objects.filter(recipient=person, read_at__isnull=True).update(read_at=clock.now())


@transaction.atomic
def preference_update(
    *,
    person: Person,
    email_kinds: list[str],
    chat_kinds: list[str],
    quiet_hours: bool,
    digest: bool,
    app_kinds: list[str] | None = None,
) -> Preference:
    valid = set(MessageKind.values)
    unknown = (set(email_kinds) | set(chat_kinds) | set(app_kinds or ())) - valid
    if unknown:
        raise ApplicationError(fields={"email_kinds": _("未知的消息类型：%(k)s") % {"k": "、".join(sorted(unknown))}})
    preference, _created = Preference.objects.select_for_update().get_or_create(
        person=person, defaults={"email_kinds": list(DEFAULT_EMAIL_KINDS), "chat_kinds": list(DEFAULT_CHAT_KINDS)}
    )
    before = {
        "email_kinds": preference.email_kinds,
        "chat_kinds": preference.chat_kinds,
        "app_kinds": preference.app_kinds,
        "quiet_hours": preference.quiet_hours,
        "digest": preference.digest,
    }
    preference.email_kinds = sorted(set(email_kinds))
    preference.chat_kinds = sorted(set(chat_kinds))
    if app_kinds is not None:
        preference.app_kinds = sorted(set(app_kinds))
    preference.quiet_hours = quiet_hours
    preference.digest = digest
    preference.version += 1
    preference.save()
    after = {
        "email_kinds": preference.email_kinds,
        "chat_kinds": preference.chat_kinds,
        "app_kinds": preference.app_kinds,
        "quiet_hours": quiet_hours,
        "digest": digest,
    }
    audit_record(actor=person, action="notify.preference.update", obj=person, before=before, after=after)
    return preference


# --- Channels -------------------------------------------------------------------------------------
def channel_validate(*, kind: str, url: str, secret: str | None) -> dict[str, str]:
    """Field errors for a robot's URL and secret, in Chinese. An empty dict means valid."""
    errors: dict[str, str] = {}
    parsed = urlparse(url or "")
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        errors["url"] = _("Webhook 地址应以 https:// 开头，例如 https://oapi.dingtalk.com/robot/send?access_token=…")
        return errors
    query = parse_qs(parsed.query)
    if kind == ChannelKind.DINGTALK and not query.get("access_token", [""])[0]:
        errors["url"] = _("钉钉机器人地址缺少 access_token 参数（在群设置 › 机器人 › 复制 Webhook 地址）")
    if kind == ChannelKind.WECOM and not query.get("key", [""])[0]:
        errors["url"] = _("企业微信机器人地址缺少 key 参数（在群机器人详情中复制 Webhook 地址）")
    if kind == ChannelKind.FEISHU and "/open-apis/bot/v2/hook/" not in parsed.path:
        errors["url"] = _("飞书机器人地址应形如 https://open.feishu.cn/open-apis/bot/v2/hook/…")
    if parsed.scheme == "http" and not _is_local(parsed.hostname):
        errors["url"] = _("对外地址必须使用 https，以免消息与签名被窃听")
    if secret:
        if kind == ChannelKind.DINGTALK and not (secret.startswith("SEC") and len(secret) > 10 and secret.isalnum()):
            errors["secret"] = _("钉钉加签密钥以 SEC 开头，由字母和数字组成（机器人安全设置 › 加签）")
        if kind == ChannelKind.WECOM:
            errors["secret"] = _("企业微信群机器人没有签名密钥，请留空（地址中的 key 即为凭证）")
        if any(ch.isspace() for ch in secret):
            errors["secret"] = _("密钥中不能含有空格或换行，请重新复制")
    return errors


def _is_local(host: str) -> bool:
    if host in {"localhost"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_private
    except ValueError:
        return host.endswith(".local") or host.endswith(".internal")


@transaction.atomic
def channel_save(*, actor: Person, channel: Channel, secret: str | None) -> Channel:
    """Create or update a robot channel. `secret` None keeps the stored one; "" removes it."""
    errors = channel_validate(kind=channel.kind, url=channel.url, secret=secret)
    if errors:
        raise ApplicationError(_("推送渠道设置有误"), fields=errors)
    created = channel.pk is None
    if secret is not None:
        channel.secret_encrypted = secret_encrypt(secret)
    channel.save()
    audit_record(
        actor=actor,
        action="notify.channel.create" if created else "notify.channel.change",
        obj=channel,
        after={
            "kind": channel.kind,
            "name": channel.name,
            "url": _redact(channel.url),
            "secret_set": channel.has_secret,
        },
    )
    return channel


def _redact(url: str) -> str:
    """Webhook URLs carry credentials (access_token, key): keep them out of the audit trail."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}{parsed.path}" + ("?…" if parsed.query else "")


@transaction.atomic
def channel_send_test(*, actor: Person, channel: Channel) -> Delivery:
    """Queue a test message to one robot now (ignores quiet hours and the robot's kind filter)."""
    now = clock.now()
    notification = Notification.objects.create(
        kind=MessageKind.TEST,
        urgency=Urgency.URGENT,
        title=_("协同测试消息"),
        body=_("这是一条测试消息：%(channel)s 配置正确。发送人：%(actor)s，时间：%(at)s")
        % {"channel": channel.name, "actor": actor.display_name, "at": f"{clock.local(now):%Y-%m-%d %H:%M}"},
        created_at=now,
    )
    delivery = Delivery.objects.create(
        notification=notification,
        channel_kind=channel.kind,
        channel=channel,
        idempotency_key=f"n{notification.pk}:channel:{channel.pk}",
        next_attempt_at=now,
        created_at=now,
    )
    delivery.mentions.set([actor])
    audit_record(actor=actor, action="notify.channel.test", obj=channel, after={"delivery": delivery.pk})
    return delivery


@transaction.atomic
def delivery_retry(*, actor: Person, delivery_id: int) -> Delivery:
    """An administrator sends a given-up delivery again (same idempotency key)."""
    try:
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    except (Delivery.DoesNotExist, ValueError) as exc:
        raise NotFound() from exc
    if delivery.state != DeliveryState.FAILED:
        raise ApplicationError(_("只有发送失败的投递可以重新发送"))
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action="notify.delivery.retry",
        obj=delivery,
        before={"state": "failed"},
        after={"state": "pending"},
    )
    return delivery


def notify_scope_of(subject: Any) -> tuple[Project | None, Department | None]:
    return _scope(subject, None, None)
