"""What a personal card shows: the item, its due time with the rule it comes from, and one button per step
the recipient may take. The items layer knows the processes, so it registers the builder
(items.cards.card_content, in its AppConfig.ready); without one a card is the message and a link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xietong.notify.models import Notification
    from xietong.org.models import Person


@dataclass(frozen=True)
class CardButton:
    label: str
    step: str = ""  # the process step the button takes (a callback); "" for a link
    style: str = ""  # primary / danger
    url: str = ""  # a link: the item's page (a step that needs a reason is taken there)


@dataclass(frozen=True)
class CardContent:
    title: str
    body: str
    url: str  # absolute
    fields: tuple[tuple[str, str], ...] = ()  # (label, value): 事项、状态、到期、依据
    buttons: tuple[CardButton, ...] = ()
    urgent: bool = False
    result: str = ""  # after a button press: what happened, shown instead of the buttons
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> list[str]:
        return [b.step for b in self.buttons if b.step]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardContent:
        data = dict(data)
        data["fields"] = tuple(tuple(f) for f in data.get("fields") or ())
        data["buttons"] = tuple(CardButton(**b) for b in data.get("buttons") or ())
        return cls(**data)


CardBuilder = Callable[["Notification", "Person", str], "CardContent | None"]
_builder: CardBuilder | None = None


def register_card_builder(builder: CardBuilder) -> None:
    global _builder
    _builder = builder


def card_for(notification: Notification, person: Person, url: str) -> CardContent:
    """The card `person` receives for `notification` (`url`: its absolute link)."""
    from xietong.notify.models import Urgency

    built = _builder(notification, person, url) if _builder is not None else None
    if built is not None:
        return built
    from django.utils.translation import gettext as _

    return CardContent(
        title=notification.title,
        body=notification.body,
        url=url,
        buttons=(CardButton(_("查看详情"), url=url),) if url else (),
        urgent=notification.urgency == Urgency.EMERGENCY,
    )
