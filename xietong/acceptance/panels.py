from xietong.acceptance.forms import SubmitForm
from xietong.acceptance.models import Deliverable
from xietong.acceptance.services import SUBMITTABLE


def request_deliverables_panel(request, item) -> dict | None:
    deliverables = list(Deliverable.objects.filter(request=item).select_related("acceptor"))
    may_submit = item.state in SUBMITTABLE and item.is_receiver_side(request.user)
    if not deliverables and not may_submit:
        return None
    return {"item": item, "deliverables": deliverables, "form": SubmitForm(request_item=item) if may_submit else None}
