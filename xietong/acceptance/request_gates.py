"""What a request's 提交交付 needs from this app (added to the request process from `ready()`): something
to accept. Without a deliverable the requester would be asked to accept nothing."""

from __future__ import annotations

from django.utils.translation import gettext

from xietong.acceptance.models import Deliverable
from xietong.core.errors import InvalidState
from xietong.items.process import StepContext


def deliverable_before_delivery(ctx: StepContext) -> None:
    if not Deliverable.objects.filter(request=ctx.item).exists():
        raise InvalidState(gettext("还没有交付成果，不能提交交付：请先在“成果交付”中提交成果，验收人验收的是成果"))
