"""A button pressed on a personal card (notify.channels.app_cards) comes back here through the platform's
callback (items.card_views verifies it): the person the platform names takes the card's step through the
spine — `run_step`, with the same lock, permission check, stand-in rule and audit event as the item's page —
and the card is updated to show what happened, a refusal included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.errors import ApplicationError
from xietong.core.permissions import access
from xietong.core.platforms.crypto import CallbackRefused
from xietong.items.cards import subject_of
from xietong.items.runner import run_step
from xietong.items.step_views import refusal_text
from xietong.notify.card_results import card_show_result
from xietong.notify.models import APP_KINDS, AppCard, CallbackReceipt
from xietong.org.models import Person

ID_FIELDS = {platform: id_field for platform, id_field in APP_KINDS.values()}


@dataclass
class Outcome:
    ok: bool
    text: str
    state: str = ""  # the item's state after the step, shown on the card in place of the one it was sent with


def remember_callback(platform: str, fingerprint: str, sent_at: dt.datetime) -> None:
    """Refuse a callback that is too old or was handled before (a replay): its fingerprint is the
    platform's signature or event id, stored once."""
    if not fingerprint:
        raise CallbackRefused("no signature or event id")
    age = abs((clock.now() - sent_at).total_seconds())
    if age > settings.XIETONG_CALLBACK_MAX_AGE_SECONDS:
        raise CallbackRefused("too old")
    try:
        with transaction.atomic():
            CallbackReceipt.objects.create(platform=platform, fingerprint=fingerprint[:128], at=clock.now())
    except IntegrityError as exc:
        raise CallbackRefused("replayed") from exc


def card_pressed(*, platform: str, card_key: str, step: str, platform_user: str) -> Outcome:
    """Take `step` as the person `platform_user` names, then update the card. Never raises for a refusal."""
    card = AppCard.objects.select_related("recipient").filter(platform=platform, key=card_key).first()
    if card is None:
        return Outcome(False, _("此消息已失效，请在协同中处理"))
    outcome = _take(card, step, platform, platform_user)
    _show(card, outcome)
    return outcome


def _take(card: AppCard, step: str, platform: str, platform_user: str) -> Outcome:
    person = Person.objects.filter(is_active=True, **{ID_FIELDS[platform]: platform_user}).first()
    if person is None:
        return Outcome(False, _("您的账号未关联协同，无法在此处理"))
    if step not in card.steps:
        return Outcome(False, _("此消息不能执行该操作"))
    found = subject_of(card.subject_type, card.subject_id)
    if found is None:
        return Outcome(False, _("事项不存在或已删除"))
    process, item = found
    label = process.get(step).label
    try:
        with transaction.atomic():
            visible = access(person, type(item), item.pk)  # an outsider is refused as on the web (404)
            after = run_step(actor=person, item=visible, step=step)
    except ApplicationError as error:
        text = refusal_text(error) or _("您无权处理此事项")
        return Outcome(False, _("未能%(action)s：%(why)s") % {"action": label, "why": text})
    now = clock.local(clock.now())
    return Outcome(
        True,
        _("%(who)s：%(action)s（%(at)s）") % {"who": person.display_name, "action": label, "at": f"{now:%m-%d %H:%M}"},
        str(process.state_labels.get(after.state, after.state)),
    )


def _show(card: AppCard, outcome: Outcome) -> None:
    card_show_result(card, ok=outcome.ok, text=outcome.text, state=outcome.state)
