"""{% step_refused item as refused %}: the refused step kept for `item` (items.step_views), taken once by the
page that shows it; `refused|for_action:t.name` is it when it belongs to that step's form, else None."""

from __future__ import annotations

from typing import Any

from django import template

from xietong.items.step_views import StepRefusal, step_refusal_take

register = template.Library()


@register.simple_tag(takes_context=True)
def step_refused(context: template.Context, item: Any) -> StepRefusal | None:
    request = context.get("request")
    if request is None or item is None or getattr(item, "pk", None) is None:
        return None
    return step_refusal_take(request, item)


@register.filter
def for_action(refused: StepRefusal | None, action: str) -> StepRefusal | None:
    return refused if refused is not None and refused.action == action else None


@register.filter
def unshown(refused: StepRefusal | None, steps: Any) -> StepRefusal | None:
    """The refusal when its step is no longer offered on the page (someone else moved the item on): what was
    typed is shown by itself, so that it is not lost with the form."""
    if refused is None or any(getattr(s, "name", None) == refused.action for s in steps or ()):
        return None
    return refused
