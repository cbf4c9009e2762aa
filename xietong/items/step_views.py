"""The page side of every declared process: one view takes a step from an item's page (the buttons), the
same way for every process — the runner decides, the page shows the outcome.

A refused step goes back to the item's page like a taken one (a redirect, so reloading sends nothing twice),
and what was typed goes with it: the refusal is kept in the session for that item and action, and the next
render of the item's page takes it back once (templatetags/step_refusals.py) — the step's form shows the
text again, each message at its field, a stale page as a conflict to review."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.core.errors import ApplicationError, Conflict
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.items.process import REASON_MAX_LENGTH, Process, Step
from xietong.items.runner import run_step

# One refusal at a time: a person sends one step form, then sees its page.
REFUSED_SESSION_KEY = "xietong.step_refused"
# What is kept of a text is bounded (the session is a database row); the box itself stops at REASON_MAX_LENGTH.
KEPT_MAX_LENGTH = 2 * REASON_MAX_LENGTH
KEPT_INPUTS = 20  # a step's form has a few inputs besides its reason; more is not a form of ours


class StepForm(forms.Form):
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)
    version = forms.IntegerField(required=False)


def refusal_text(error: ApplicationError) -> str:
    """A refusal in one line for the flash message: the reason's own message first."""
    if error.fields.get("reason"):
        return str(error.fields["reason"])
    if error.fields:
        return "；".join(str(v) for v in error.fields.values())
    return str(error.message)


def conflict_text(*, typed: bool) -> str:
    """A stale page, said on the page shown again with the item as it is now (not "refresh": it is refreshed);
    `typed`: what the person wrote is back in its box."""
    if typed:
        return _("该记录已被他人修改，页面已更新为最新内容：请核对后再提交（您填写的内容已保留）")
    return _("该记录已被他人修改，页面已更新为最新内容：请核对后再提交")


@dataclass(frozen=True)
class StepRefusal:
    """A step the runner refused, as the step's form shows it again: what was typed, each message at its
    field ("reason": the reason's box) and the rest — not about one field — said at the form."""

    item: str  # "<app_label>.<model>:<pk>" (item_key)
    action: str
    reason: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)
    message: str = ""
    conflict: bool = False
    values: Mapping[str, str] = field(default_factory=dict)  # the form's other inputs, as sent (a chosen person)

    @property
    def text(self) -> str:
        """Everything it says in one line: for a form with no box of its own (a row's buttons)."""
        return "；".join(t for t in (*self.errors.values(), self.message) if t)

    @classmethod
    def of(
        cls,
        item: Any,
        step: Step | None,
        sent: Mapping[str, Any],
        error: ApplicationError,
        at: Collection[str] = (),
    ) -> StepRefusal:
        """`at`: the step's inputs besides the reason that show their own error on its form (a designed 退回's
        "to": the step to return to); any other message is said at the form."""
        fields = {name: str(text) for name, text in error.fields.items()}
        # The runner names the reason's error after the step's own field (a 驳回理由 typed as "note"); on
        # the page it is typed in the box named "reason".
        names = {step.reason.field if step is not None and step.reason is not None else "reason", "reason"}
        errors = {"reason": text} if (text := "；".join(fields.pop(n) for n in sorted(names) if n in fields)) else {}
        errors.update({name: fields.pop(name) for name in at if name in fields})
        reason = str(sent.get("reason", ""))[:KEPT_MAX_LENGTH]
        if isinstance(error, Conflict):
            rest = conflict_text(typed=bool(reason.strip()))
        else:
            rest = "；".join(fields.values()) or ("" if errors else str(error.message))
        others = [name for name in sent if name not in ("reason", "version", "csrfmiddlewaretoken")][:KEPT_INPUTS]
        return cls(
            item=item_key(item),
            action=step.name if step is not None else "",
            reason=reason,
            errors=errors,
            message=rest,
            conflict=isinstance(error, Conflict),
            values={name: str(sent.get(name, ""))[:KEPT_MAX_LENGTH] for name in others},
        )


def item_key(item: Any) -> str:
    return f"{item._meta.label_lower}:{item.pk}"


def step_refusal_keep(request: HttpRequest, refusal: StepRefusal) -> None:
    """Keep `refusal` for the next render of its item's page (replacing any earlier one)."""
    request.session[REFUSED_SESSION_KEY] = {
        **asdict(refusal),
        "errors": dict(refusal.errors),
        "values": dict(refusal.values),
    }


def step_refusal_take(request: HttpRequest, item: Any) -> StepRefusal | None:
    """The refusal kept for `item`, taken once: the page after it shows it, a later visit does not."""
    session = getattr(request, "session", None)
    kept = session.get(REFUSED_SESSION_KEY) if session is not None else None
    if not isinstance(kept, dict) or kept.get("item") != item_key(item):
        return None
    del session[REFUSED_SESSION_KEY]  # type: ignore[union-attr]
    try:
        return StepRefusal(**kept)
    except TypeError:  # kept by an older release in another shape: nothing to show
        return None


def step_refused_tell(
    request: HttpRequest,
    process: Process,
    item: Any,
    action: str,
    error: ApplicationError,
    at: Collection[str] = (),
) -> StepRefusal:
    """The refusal of `action` on `item`, said in the flash and kept for the item's page with what the form sent
    (step_view; also a view that takes the step through a service of its own, e.g. a meeting's, or a designed
    process's page, whose forms show `at` errors at inputs of their own: StepRefusal.of)."""
    refusal = StepRefusal.of(item, _declared(process, action), request.POST, error, at)
    messages.error(request, refusal.message if refusal.conflict else refusal_text(error))
    step_refusal_keep(request, refusal)
    return refusal


def step_refusal_forget(request: HttpRequest) -> None:
    session = getattr(request, "session", None)
    if session is not None and REFUSED_SESSION_KEY in session:
        del session[REFUSED_SESSION_KEY]


def step_view(process: Process) -> Callable[..., HttpResponse]:
    """POST …/<{process.id_param}>/do/<action>/ for `process`: take the step, then back to the item's page —
    refused, with what was typed and the refusal at its field (StepRefusal)."""

    @require_POST
    def take(request: AuthedRequest, action: str, **ids: int) -> HttpResponse:
        item = access(request.user, process.model, ids[process.id_param])
        form = StepForm(request.POST)
        form.is_valid()
        url: str = item.get_absolute_url()  # type: ignore[attr-defined]
        try:
            run_step(
                actor=request.user,
                item=item,
                step=action,
                reason=request.POST.get("reason", ""),
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as error:
            step_refused_tell(request, process, item, action, error)
        else:
            step_refusal_forget(request)
            messages.success(request, _("已完成：%(action)s") % {"action": process.get(action).label})
        # No #action-… here: Chromium drops the focus when it scrolls to a fragment, after the page's script has
        # put the cursor in the refused box (static/js/xietong.js brings it into view).
        return redirect(url)

    take.__name__ = f"{process.key}_step"
    return take


def _declared(process: Process, action: str) -> Step | None:
    try:
        return process.get(action)
    except ApplicationError:  # an unknown step: refused already, and no form on the page to keep it for
        return None


def step_buttons(process: Process, item, person) -> list[Step]:
    """The steps `person` may take on `item` now, stand-ins included (the action card on its page)."""
    return process.available(item, person)
