"""Plain wording, for every process (000 and 002 name what not to send: a subject of only "请确认" or "事", a text of
only "待定" or "详见附件"). The subject and every required text of an item are checked when the item is sent —
the step that takes it out of its first state (a draft submitted, a meeting noticed) or, for an item that is
live from the start (an exception, a problem report) or whose draft no person sends (a task published with its
breakdown), when it is created. Texts kept outside the model's own fields (a designed form's values) come from
the item's `plain_texts()`. Every text a step is given — its reason, its form's texts (a progress update, a
solution plan) — is checked by the runner before the step's own checks. A text that merely mentions an
attachment is fine; one that is nothing but the vague phrase is refused at its field."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

VAGUE_TITLES = frozenset({"请确认", "事", "事情", "问题", "需求", "待定", "请处理", "急", "帮忙", "看一下"})
VAGUE_PHRASES = ("详见附件", "待定", "见附件", "同上")
_TRIM = " \t\r\n，。！!?？、.：:；;"


def bare(text: str | None) -> str:
    """A text without the spaces and punctuation around it ("请确认。" is "请确认")."""
    return (text or "").strip(_TRIM)


def vague_title(title: str | None) -> bool:
    return bare(title) in VAGUE_TITLES


def vague_text(text: str | None) -> bool:
    """Nothing but a vague phrase ("待定", "详见附件。")."""
    stripped = bare(text)
    return bool(stripped) and (stripped in VAGUE_PHRASES or stripped in VAGUE_TITLES)


def required_texts(model: type[models.Model]) -> list[models.Field]:
    """An item's required free texts: its text fields that may not stay empty."""
    return [f for f in model._meta.fields if isinstance(f, models.TextField) and not f.blank]


def vague_errors(item: Any) -> dict[str, str]:
    """Field → refusal for the item's subject and required texts (Chinese, naming the field and an example)."""
    errors: dict[str, str] = {}
    title = getattr(item, "title", None)
    if title is not None and vague_title(title):
        errors["title"] = _title_refusal(title)
    texts = [(f.name, f.verbose_name, getattr(item, f.name, "")) for f in required_texts(type(item))]
    if hasattr(item, "plain_texts"):
        texts += list(item.plain_texts())  # (error key, label, value) of texts kept elsewhere
    for key, label, value in texts:
        if isinstance(value, str) and vague_text(value):
            errors[key] = _("%(field)s不能只写“%(text)s”：请直接写明关键信息") % {"field": label, "text": bare(value)}
    return errors


def _title_refusal(title: str) -> str:
    return _("主题“%(title)s”过于模糊，不能发出：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”") % {
        "title": title
    }


def vague_step_errors(
    item: Any, reason_field: str, reason_label: Any, reason: str, inputs: dict[str, Any]
) -> dict[str, str]:
    """Field → refusal for a step's reason and the texts its form sent (each a str input): a new subject
    as a subject, a text named like one of the item's fields with that field's name, any other alone."""
    errors: dict[str, str] = {}
    if vague_text(reason):
        errors[reason_field] = _("%(field)s不能只写“%(text)s”：请直接写明关键信息") % {
            "field": reason_label,
            "text": bare(reason),
        }
    labels = {f.name: f.verbose_name for f in type(item)._meta.fields}
    for name, value in inputs.items():
        if not isinstance(value, str) or not vague_text(value):
            continue
        if name == "title" and "title" in labels:
            errors[name] = _title_refusal(value)
        elif name in labels:
            errors[name] = _("%(field)s不能只写“%(text)s”：请直接写明关键信息") % {
                "field": labels[name],
                "text": bare(value),
            }
        else:
            errors[name] = _("不能只写“%(text)s”：请直接写明关键信息") % {"text": bare(value)}
    return errors


def refuse_vague(item: Any) -> None:
    from xietong.core.errors import ApplicationError

    errors = vague_errors(item)
    if errors:
        raise ApplicationError(_("内容过于模糊：%(e)s") % {"e": "；".join(errors.values())}, fields=errors)


DRAFT = "draft"


def sends(process: Any, step: Any) -> bool:
    """The step that sends a draft: from the process's draft state to a live one, taken by a person."""
    if process.states[0].code != DRAFT or DRAFT not in step.sources or step.system or step.target in (None, DRAFT):
        return False
    target = process.state(step.target)
    return not (target.closed or target.final)


def live_from_creation(process: Any) -> bool:
    """No draft (an exception, a problem report, an emergency), or a draft no person sends (a task published
    with its breakdown, a meeting's action item): the item is checked as it is created."""
    return process.states[0].code != DRAFT or not any(sends(process, step) for step in process.steps)


def check_on_creation(sender: type[models.Model], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """pre_save: an item of a process without drafts is checked when it is created."""
    if raw or not instance._state.adding:
        return
    from xietong.items.process import process_for

    try:
        process = process_for(instance)  # a designed item follows its own version's process
    except LookupError:
        return
    except Exception:  # the row cannot say yet which process it follows
        process = process_for(sender)
    if live_from_creation(process):
        refuse_vague(instance)
