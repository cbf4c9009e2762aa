"""What closing a request does to its 异常问题 (added to the request's 关闭 from `ready()`): an open 重大
exception refuses the close, named, since someone must record how it ended; an open 一般 one is closed
with the request, on the record, so its closing clock stops."""

from __future__ import annotations

from django.utils.translation import gettext

from xietong.core.errors import InvalidState
from xietong.items.process import StepContext
from xietong.items.runner import run_step
from xietong.risks.models import ExceptionReport, Severity

E = ExceptionReport.State


def _open(request, severity: str):
    return ExceptionReport.objects.filter(request=request, state=E.OPEN, severity=severity).order_by("pk")


def no_open_major_exception(ctx: StepContext) -> None:
    major = list(_open(ctx.item, Severity.MAJOR).select_related("department"))
    if major:
        named = "、".join(
            gettext("“%(title)s”（责任部门：%(dept)s）") % {"title": r.title, "dept": r.department.name} for r in major
        )
        raise InvalidState(
            gettext("还有 %(n)d 个重大异常问题未闭环，不能关闭需求：%(reports)s。请先在异常问题页写明处理结果并闭环")
            % {"n": len(major), "reports": named}
        )


def open_exceptions_closed_with_request(ctx: StepContext) -> None:
    for report in _open(ctx.item, Severity.NORMAL):
        run_step(
            actor=ctx.actor,
            item=report,
            step="resolve",
            reason=gettext("需求 %(number)s 已关闭，随需求一并闭环") % {"number": ctx.item.number},
            as_system=True,
        )
