"""Writes to requests that are not steps: creating and editing the 需求说明书 (its steps are declared in
`requests.process` and run by `items.runner.run_step`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core.audit import audit_record, changed_fields, snapshot
from xietong.core.concurrency import save_versioned
from xietong.core.errors import ApplicationError, Conflict, Forbidden
from xietong.core.permissions import VIEW, authorize
from xietong.items.numbering import number_next
from xietong.items.runner import run_step
from xietong.org.models import Person
from xietong.requests.choices import Priority, RequestState
from xietong.requests.models import AcceptanceCriterion, Participation, Request
from xietong.requests.participants import Taking, participations_store
from xietong.requests.process import EDITABLE_FIELDS, REQUEST
from xietong.requests.validation import criteria_texts, criterion_text, request_validate

EDITABLE_STATES = (RequestState.DRAFT, RequestState.CHANGE_REQUESTED, RequestState.REJECTED)


def _set_criteria(request: Request, criteria: list[str], *, replace: bool = True) -> list[str]:
    """Store the criteria lines (replacing the old ones unless the request is new); returns them."""
    lines = [text for text in map(criterion_text, criteria) if text]
    if replace:
        request.criteria.all().delete()
    AcceptanceCriterion.objects.bulk_create(
        [AcceptanceCriterion(request=request, position=i, text=text) for i, text in enumerate(lines, start=1)]
    )
    return lines


@transaction.atomic
def request_create(
    *, actor: Person, criteria: list[str], submit: bool = False, participants: list[Taking] | None = None, **data: Any
) -> Request:
    data.setdefault("requester", actor)
    data.setdefault("requesting_department", actor.department)
    data.setdefault("priority", Priority.MEDIUM)
    errors = request_validate(actor, data, criteria, submitting=submit)
    if errors:
        raise ApplicationError(_("需求说明书填写不完整或有误"), fields=errors)
    request = Request(
        created_by=actor, number=number_next("XQ"), **{k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    )
    request.save()
    lines = _set_criteria(request, criteria, replace=False)
    taking = participations_store(actor=actor, request=request, taking=participants or [], fresh=True)
    audit_record(
        actor=actor,
        action="request.create",
        obj=request,
        after={**snapshot(request, EDITABLE_FIELDS), "criteria": lines, "participants": _described(taking)},
    )
    if submit:
        # Validated for submitting above, and no one else can see the new row before commit.
        request = run_step(actor=actor, item=request, step="submit", inputs={"validated": True}, fresh=True)
    return request


@transaction.atomic
def request_update(
    *,
    actor: Person,
    request: Request,
    expected_version: int,
    criteria: list[str],
    participants: list[Taking] | None = None,
    **data: Any,
) -> Request:
    """Edit the request while it is a draft or was sent back (修改 / 拒绝后完善)."""
    authorize(actor, VIEW, request)
    request = Request.objects.select_for_update().get(pk=request.pk)
    if request.version != expected_version:
        raise Conflict()
    if request.state not in EDITABLE_STATES:
        raise ApplicationError(_("只有草稿、需修改或已拒绝的需求可以修改"))
    if not request.is_requester_side(actor):
        raise Forbidden(_("只有发起方可以修改需求说明书"))
    merged = {**{f: getattr(request, f) for f in EDITABLE_FIELDS}, **data}
    errors = request_validate(actor, merged, criteria, submitting=False)
    if errors:
        raise ApplicationError(_("需求说明书填写有误"), fields=errors)
    before = {
        **snapshot(request, EDITABLE_FIELDS),
        "criteria": criteria_texts(request),
        "participants": _described(list(request.participations.exclude(state="withdrawn"))),
    }
    if participants is None:  # not given (an API client that knows only the receiver): keep the others
        participants = [
            Taking(p.department, p.contact, p.duties)
            for p in request.participations.exclude(state="withdrawn").select_related("department", "contact")
            if p.department_id != request.receiving_department_id
        ]
    for field in EDITABLE_FIELDS:
        setattr(request, field, merged[field])
    save_versioned(request, expected_version=expected_version, fields=EDITABLE_FIELDS)
    _set_criteria(request, criteria)
    taking = participations_store(actor=actor, request=request, taking=participants)
    old, new = changed_fields(
        before,
        {**snapshot(request, EDITABLE_FIELDS), "criteria": criteria_texts(request), "participants": _described(taking)},
    )
    audit_record(actor=actor, action="request.update", obj=request, before=old, after=new)
    return request


def _described(participations: list[Participation]) -> list[str]:
    return [f"{p.department.name}：{p.duties}" if p.duties else p.department.name for p in participations]


def request_follow(*, actor: Person, request: Request, to_state: str, cause: str) -> bool:
    """Another process moved the request on (成果已提交、全部验收通过、退回整改), inside its transaction and
    through the request's own declared steps. Returns whether the state changed."""
    current = Request.objects.only("state").get(pk=request.pk).state
    step = next(
        (s for s in REQUEST.steps if s.system and s.target == to_state and current in s.sources),
        None,
    )
    if step is None:
        return False
    run_step(actor=actor, item=request, step=step.name, reason=cause, as_system=True)
    return True
