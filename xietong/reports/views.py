"""报表: the dashboard (charts first), the drill-down behind every figure, exports, and 季度复盘."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.clocks.models import ClockPolicy
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.http import AuthedRequest
from xietong.core.permissions import access
from xietong.reports import charts, coordination_exports, exports
from xietong.reports.models import ImprovementProposal, QuarterlyReview
from xietong.reports.periods import Quarter
from xietong.reports.review import (
    cases_pick,
    may_generate,
    may_propose,
    proposal_add,
    proposal_decide,
    review_generate,
)
from xietong.reports.selectors import DIMENSIONS, dashboard, drill
from xietong.reports.templatetags.durations import duration_from_post

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _quarter(request: AuthedRequest) -> Quarter:
    return Quarter.parse(request.GET.get("period")) or Quarter.current()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _drill_url(quarter: Quarter, **params) -> str:
    query = {"period": quarter.code, **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{reverse('reports-drill')}?{urlencode(query)}"


@require_GET
def dashboard_page(request: AuthedRequest) -> HttpResponse:
    quarter = _quarter(request)
    board = dashboard(request.user, quarter, _int(request.GET.get("department")))
    where: dict[str, int | None] = {"department": board.department.pk} if board.department else {}
    if not board.scope.everything and not board.scope.department_ids:
        where = {"person": board.scope.person_id}
    rate_bars = [
        charts.Bar(
            board.totals.by_limit[limit].label,
            board.totals.by_limit[limit].rate,
            _drill_url(quarter, limit=limit, outcome="judged", **where),
            charts.rate_tone(board.totals.by_limit[limit].rate),
        )
        for limit in board.limits
    ]
    row_bars = [
        charts.Bar(
            row.label,
            row.figures.overall.rate,
            _drill_url(quarter, department=row.department_id, person=row.person_id, outcome="judged"),
            charts.rate_tone(row.figures.overall.rate),
        )
        for row in board.rows
        if row.figures.overall.total
    ]
    response_rows = [
        charts.ResponseBar(
            stats.label,
            stats.median,
            stats.p90,
            stats.limit_hours,
            _drill_url(quarter, limit=limit, outcome="met", **where),
        )
        for limit, stats in sorted(board.totals.response.items(), key=lambda kv: board.limits.index(kv[0]))
    ]
    escalation_bars = [
        charts.Bar(_("第 %(n)d 级") % {"n": level}, count, _drill_url(quarter, level=level, **where), "late")
        for level, count in board.totals.escalations.items()
    ]
    feedback_chart = charts.line_chart(
        [code for code, _scores in board.feedback],
        [(label, [scores.get(name) for _code, scores in board.feedback]) for name, label in DIMENSIONS],
        title=_("协作评分"),
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "quarter": quarter,
            "quarters": Quarter.current().next().recent(9)[::-1],
            "rate_chart": charts.bar_chart(rate_bars, maximum=100, unit="%", title=_("各类时限按时率")),
            "row_chart": charts.bar_chart(row_bars, maximum=100, unit="%", title=_("按时率")),
            "response_chart": charts.response_chart(response_rows, title=_("响应时长")),
            "escalation_chart": charts.bar_chart(escalation_bars, unit=_(" 次"), title=_("升级")),
            "feedback_chart": feedback_chart,
            "table": _table(board, quarter),
            "limit_rows": [
                (
                    board.totals.by_limit[limit],
                    board.totals.response.get(limit),
                    _drill_url(quarter, limit=limit, **where),
                )
                for limit in board.limits
            ],
            "export_query": urlencode(
                {"period": quarter.code, **({"department": board.department.pk} if board.department else {})}
            ),
            "totals_drill": {
                key: _drill_url(quarter, outcome=key, **where)
                for key in ("judged", "on_time", "late", "open_late", "open", "overdue")
            },
            "may_review": may_propose(request.user),
        },
    )


def _table(board, quarter: Quarter) -> list[dict]:
    """One line per department or person, each figure with its drill-down link."""
    lines = []
    for row in board.rows:
        f = row.figures

        def url(row=row, **params):
            return _drill_url(quarter, department=row.department_id, person=row.person_id, **params)

        lines.append(
            {
                "row": row,
                "sub": reverse("reports-dashboard") + f"?period={quarter.code}&department={row.department_id}"
                if row.person_id is None
                else "",
                "cells": [
                    (f.overall.total, url(outcome="")),
                    (f.overall.on_time, url(outcome="on_time")),
                    (f.overall.late, url(outcome="late")),
                    (f.overall.open_late, url(outcome="open_late")),
                    (f"{f.overall.rate}%" if f.overall.rate is not None else "—", url(outcome="judged")),
                    (f.open, url(outcome="open")),
                    (f.overdue, url(outcome="overdue")),
                    *[(f.escalations.get(level, 0), url(level=level)) for level in (1, 2, 3)],
                ],
            }
        )
    return lines


@require_GET
def drill_page(request: AuthedRequest) -> HttpResponse:
    quarter = _quarter(request)
    level = _int(request.GET.get("level"))
    lines = drill(
        request.user,
        quarter,
        department_id=_int(request.GET.get("department")),
        person_id=_int(request.GET.get("person")),
        limit=request.GET.get("limit", ""),
        outcome=request.GET.get("outcome", ""),
        level=level,
    )
    if lines is None:
        raise NotFound()
    return render(
        request, "reports/drill.html", {"lines": lines, "quarter": quarter, "level": level, "params": request.GET}
    )


@require_GET
def dashboard_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    quarter = _quarter(request)
    board = dashboard(request.user, quarter, _int(request.GET.get("department")))
    if fmt == "xlsx":
        return _download(exports.dashboard_workbook(board), _("时限遵守情况-%(q)s.xlsx") % {"q": quarter.code}, XLSX)
    return _download(exports.dashboard_pdf(board), _("时限遵守情况-%(q)s.pdf") % {"q": quarter.code}, "application/pdf")


# --- Exports of single items in the templates' layouts -----------------------------------------
@require_GET
def request_export(request: AuthedRequest, request_id: int, kind: str) -> HttpResponse:
    from xietong.requests.models import Request

    item = access(request.user, Request, request_id)
    makers = {
        "spec": (exports.request_workbook, _("需求说明书")),
        "deliverables": (exports.deliverables_workbook, _("成果交付清单")),
        "feedback": (exports.feedback_workbook, _("协作反馈表")),
        "coordination": (coordination_exports.coordination_request_workbook, _("多部门协同需求申请表")),
        "division": (coordination_exports.division_workbook, _("协同任务分工表")),
    }
    if kind not in makers:
        raise NotFound()
    make, name = makers[kind]
    return _download(make(item), f"{name}-{item.number}.xlsx", XLSX)


@require_GET
def exception_export(request: AuthedRequest, report_id: int) -> HttpResponse:
    from xietong.risks.models import ExceptionReport

    report = access(request.user, ExceptionReport, report_id)
    return _download(exports.exception_workbook(report), _("异常问题反馈表-%(n)s.xlsx") % {"n": report.number}, XLSX)


@require_GET
def dispute_export(request: AuthedRequest, dispute_id: int) -> HttpResponse:
    from xietong.risks.models import Dispute

    dispute = access(request.user, Dispute, dispute_id)
    return _download(
        coordination_exports.escalation_record_workbook(dispute),
        _("问题升级记录表-%(n)s.xlsx") % {"n": dispute.number},
        XLSX,
    )


# --- 季度复盘 ---------------------------------------------------------------------------------------
@require_GET
def review_list(request: AuthedRequest) -> HttpResponse:
    if not may_propose(request.user):
        raise NotFound()
    return render(
        request,
        "reports/reviews.html",
        {
            "reviews": QuarterlyReview.objects.all(),
            "can_generate": may_generate(request.user),
            "quarters": Quarter.current().recent(8)[::-1],
        },
    )


@require_POST
def review_generate_view(request: AuthedRequest) -> HttpResponse:
    quarter = Quarter.parse(request.POST.get("period"))
    if quarter is None:
        messages.error(request, _("请选择季度"))
        return redirect("review-list")
    try:
        review = review_generate(actor=request.user, quarter=quarter)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("review-list")
    messages.success(request, _("已生成 %(q)s 季度复盘材料") % {"q": quarter.label})
    return redirect(review)


def _review(request: AuthedRequest, review_id: int) -> QuarterlyReview:
    """The review material is for management: coordinators, heads, division leaders, the GM."""
    review = QuarterlyReview.objects.filter(pk=review_id).first()
    if review is None or not may_propose(request.user):
        raise NotFound()
    return review


def _review_context(request: AuthedRequest, review: QuarterlyReview) -> dict:
    return {
        "review": review,
        "pack": review.pack,
        "candidates": review.candidates(),
        "picked": review.picked_cases(),
        "proposals": review.proposals.select_related("policy", "proposed_by", "decided_by"),
        "policies": ClockPolicy.objects.filter(is_active=True),
        "can_propose": may_propose(request.user),
        "can_pick": may_generate(request.user),
        "can_decide": request.user.is_general_manager,
        "errors": {},
        "values": {},
    }


@require_GET
def review_detail(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    return render(request, "reports/review.html", _review_context(request, review))


@require_POST
def review_pick_view(request: AuthedRequest, review_id: int) -> HttpResponse:
    """综合管理部 picks the typical cases the 复盘会 discusses."""
    review = _review(request, review_id)
    try:
        cases_pick(actor=request.user, review=review, keys=request.POST.getlist("case"))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已保存选定的典型案例"))
    return redirect(f"{review.get_absolute_url()}#cases")


@require_POST
def proposal_create(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    policy_id = _int(request.POST.get("policy"))
    try:
        proposal_add(
            actor=request.user,
            review=review,
            title=request.POST.get("title", ""),
            content=request.POST.get("content", ""),
            policy=ClockPolicy.objects.filter(pk=policy_id).first() if policy_id else None,
            new_duration=duration_from_post(request.POST, "new_duration"),
            new_remind_before=duration_from_post(request.POST, "new_remind_before"),
            new_escalate_after=duration_from_post(request.POST, "new_escalate_after"),
        )
    except ApplicationError as error:
        context = _review_context(request, review)
        context.update(errors=error.fields, form_error=error.message if not error.fields else None, values=request.POST)
        return render(request, "reports/review.html", context, status=400)
    messages.success(request, _("已记录优化建议"))
    return redirect(review)


@require_POST
def proposal_decide_view(request: AuthedRequest, proposal_id: int) -> HttpResponse:
    proposal = ImprovementProposal.objects.filter(pk=proposal_id).select_related("review").first()
    if proposal is None or not may_propose(request.user):
        raise NotFound()  # like the review it belongs to: out of reach is not found, not a refusal
    approve = request.POST.get("decision") == "approve"
    try:
        proposal_decide(actor=request.user, proposal_id=proposal.pk, approve=approve, note=request.POST.get("note", ""))
    except ApplicationError as error:
        message = error.message if not error.fields else "；".join(str(m) for m in error.fields.values())
        messages.error(request, str(message))
    else:
        if approve and proposal.policy_id:
            proposal.refresh_from_db()
            messages.success(
                request,
                _("已批准，时限规则自 %(day)s 起按新规定执行") % {"day": f"{proposal.effective_day:%Y-%m-%d}"},
            )
        else:
            messages.success(request, _("已审批"))
    return redirect(proposal.review)


@require_GET
def review_pdf_view(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    return _download(exports.review_pdf(review), _("季度复盘-%(q)s.pdf") % {"q": review.code}, "application/pdf")


@require_GET
def designed_page(request: AuthedRequest) -> HttpResponse:
    """Designed processes: per step and approver, on time / late / ran out, average working hours."""
    from xietong.reports.designed import step_rows

    quarter = _quarter(request)
    lines = []
    for row in step_rows(request.user, quarter):
        base: dict[str, object] = {"period": quarter.code, "process": row.process, "step": row.step}
        if row.person is not None:
            base["person"] = row.person.pk

        def url(base=base, **more):
            return f"{reverse('reports-designed-drill')}?{urlencode({**base, **more})}"

        f = row.figures
        lines.append(
            {
                "row": row,
                "cells": [
                    (f.judged, url(outcome="judged")),
                    (f.on_time, url(outcome="on_time")),
                    (f.late, url(outcome="late")),
                    (f.open_late, url(outcome="open_late")),
                ],
                "rate": f"{f.rate}%" if f.rate is not None else "—",
                "hours": f.average_hours,
            }
        )
    return render(
        request,
        "reports/designed.html",
        {
            "lines": lines,
            "quarter": quarter,
            "quarters": Quarter.current().next().recent(9)[::-1],
            "may_review": may_propose(request.user),
        },
    )


@require_GET
def designed_drill_page(request: AuthedRequest) -> HttpResponse:
    from xietong.reports.designed import step_drill
    from xietong.reports.selectors import DrillLine, _label_items

    quarter = _quarter(request)
    found = step_drill(
        request.user,
        quarter,
        process=request.GET.get("process", ""),
        step=request.GET.get("step", ""),
        person_id=_int(request.GET.get("person")),
        outcome=request.GET.get("outcome", ""),
    )
    if found is None:
        raise NotFound()
    labels = [DrillLine(a.clock, a.outcome, "", "") for a in found]
    _label_items(request.user, labels)
    lines = [{"approval": a, "label": d.item_label, "url": d.item_url} for a, d in zip(found, labels, strict=True)]
    return render(request, "reports/designed_drill.html", {"lines": lines, "quarter": quarter})
