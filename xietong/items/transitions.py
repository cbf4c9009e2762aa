"""State machines as data: each process lists its transitions (from-states, to-state, who may)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from xietong.core.errors import Forbidden, InvalidState


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise | str
    sources: tuple[str, ...]
    target: str
    allowed: Callable[[Any, Any], bool]  # (actor, item) → may this person do it?
    style: str = ""  # "primary" / "danger" for the button
    needs_reason: bool = False


class StateMachine:
    def __init__(self, transitions: Iterable[Transition], state_labels: Mapping[str, str | Promise]):
        self.transitions = {t.name: t for t in transitions}
        self.state_labels = state_labels

    def get(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError as exc:
            raise InvalidState(_("未知操作：%(name)s") % {"name": name}) from exc

    def check(self, item: Any, name: str, actor: Any) -> Transition:
        """The transition, if `actor` may do it to `item` now; a clear refusal otherwise."""
        transition = self.get(name)
        if item.state not in transition.sources:
            raise InvalidState(
                _("当前状态为“%(state)s”，不能执行“%(action)s”")
                % {"state": self.state_labels.get(item.state, item.state), "action": transition.label}
            )
        if not transition.allowed(actor, item):
            raise Forbidden(_("您不能对此事项执行“%(action)s”") % {"action": transition.label})
        return transition

    def available(self, item: Any, actor: Any) -> list[Transition]:
        """What `actor` can do to `item` right now (the buttons on its page)."""
        return [t for t in self.transitions.values() if item.state in t.sources and t.allowed(actor, item)]
