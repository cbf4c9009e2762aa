"""What a button press did, shown on the card it came from (the platform's update-card API)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.platforms import PlatformError
from xietong.notify.cards import CardContent
from xietong.notify.channels import app_cards
from xietong.notify.models import AppCard, CardState


def card_show_result(card: AppCard, *, ok: bool, text: str, state: str = "") -> None:
    """Record what a button press did on the card and show it there (the platform's update-card API), with
    the item's new `state` in place of the one it was sent with. A refusal is shown but the card stays open;
    a failed update is logged (the step itself stands)."""
    content = CardContent.from_json(card.content)
    fields = content.fields
    if state:
        labels = {"状态", _("状态")}
        fields = tuple((label, state if label in labels else value) for label, value in fields)
    content = CardContent(**{**content.__dict__, "result": text, "fields": fields})
    with transaction.atomic():
        AppCard.objects.filter(pk=card.pk).update(
            state=CardState.DONE if ok else card.state,
            result=text[:300],
            content=content.as_json() if ok else card.content,
            updated_at=clock.now(),
        )
    try:
        app_cards.update(
            platform=card.platform, key=card.key, user_id=card.platform_user, message_ref=card.message_ref, card=content
        )
    except PlatformError:
        logging.getLogger("xietong.notify").warning("card %s could not be updated", card.key, exc_info=True)
