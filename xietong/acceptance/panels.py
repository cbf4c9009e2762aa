from xietong.acceptance.forms import SubmitForm
from xietong.acceptance.models import Deliverable
from xietong.acceptance.services import SUBMITTABLE


def request_deliverables_panel(request, item) -> dict | None:
    deliverables = list(Deliverable.objects.filter(request=item).select_related("acceptor"))
    may_submit = item.state in SUBMITTABLE and item.is_receiver_side(request.user)
    if not deliverables and not may_submit:
        return None
    return {"item": item, "deliverables": deliverables, "form": SubmitForm(request_item=item) if may_submit else None}


def result_confirmation_panel(request, item) -> dict | None:
    """结果确认表 on the request's page, in the form's layout: the summary, what was delivered (版本号 and
    verdict), and a line per key receiver with their signature."""
    from xietong.acceptance.forms import ResultConfirmationIssueForm, ResultSignForm
    from xietong.acceptance.results import ISSUE, SIGN, confirmation_of
    from xietong.org.standins import represented_by

    principals = [request.user, *represented_by(request.user)]  # a stand-in may sign for a key receiver
    offered = {s.name for s in (ISSUE, SIGN) if item.state in s.sources and any(s.who(p, item) for p in principals)}
    confirmation = confirmation_of(item)
    forms = {
        "may_issue": ISSUE.name in offered,
        "may_sign": SIGN.name in offered,
        "issue_form": ResultConfirmationIssueForm(initial={"version": item.version}),
        "sign_form": ResultSignForm(initial={"version": item.version}),
    }
    if confirmation is None:
        return {"item": item, "confirmation": None, **forms} if forms["may_issue"] else None
    deliverables = [
        (d, d.submissions.order_by("-version").first()) for d in Deliverable.objects.filter(request=item).order_by("pk")
    ]
    return {
        "item": item,
        "confirmation": confirmation,
        "signatures": list(confirmation.signatures.select_related("department", "person", "signed_by")),
        "deliverables": deliverables,
        **forms,
    }


def retrospective_panel(request, item) -> dict | None:
    """项目复盘 on the request's page: record the go-live; then the clock, and the manager files the report."""
    from xietong.acceptance.forms import GoLiveForm, RetrospectiveFileForm
    from xietong.acceptance.models import Retrospective
    from xietong.acceptance.retrospective import LIVE_STATES, may_record_go_live
    from xietong.clocks.selectors import clock_views

    found = Retrospective.objects.filter(request=item).select_related("manager").first()
    if found is None:
        if item.state not in LIVE_STATES or not may_record_go_live(request.user, item):
            return None
        return {"item": item, "retrospective": None, "may_go_live": True, "go_live_form": GoLiveForm()}
    return {
        "item": item,
        "retrospective": found,
        "clock_views": clock_views(found),
        "may_file": found.state == "due" and request.user.pk == found.manager_id,
        "file_form": RetrospectiveFileForm(),
    }
