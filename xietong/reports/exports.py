"""Exports in the seed templates' own layouts (Excel, openpyxl) and PDF for reports that people file
(reportlab with its built-in CID font STSong-Light: Chinese without shipping a font file).

协作任务分解表 lives in tasks/exports.py; 问题处理台账 and other ledgers plug into `ledger_workbook`.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from xietong.core import clock
from xietong.core.spreadsheets import sheet_name, workbook_bytes

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")
LABEL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(vertical="top", wrap_text=True)


def _save(wb: Workbook) -> bytes:
    return workbook_bytes(wb)


def _title(ws, text: str, columns: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    cell = ws.cell(row=1, column=1, value=text)
    cell.font = Font(bold=True, size=14)
    cell.alignment = Alignment(horizontal="center")


def _header(ws, row: int, labels: Sequence[str | Promise]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=str(label))
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _rows(ws, first_row: int, rows: list[list[Any]]) -> None:
    for r, values in enumerate(rows, start=first_row):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border, cell.alignment = BOX, WRAP


def _widths(ws, widths: list[int]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def ledger_workbook(
    title: str, columns: Sequence[str | Promise], rows: list[list[Any]], *, subtitle: str = ""
) -> bytes:
    """A ledger (台账) in the templates' table layout: title, optional subtitle, header row, one row per
    record. 问题处理台账 from the problems app is one call of this."""
    title, labels = str(title), [str(c) for c in columns]  # labels may be lazy
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(title)
    _title(ws, title, len(labels))
    header_row = 2
    if subtitle:
        ws.cell(row=2, column=1, value=subtitle)
        header_row = 3
    _header(ws, header_row, labels)
    _rows(ws, header_row + 1, rows)
    _widths(ws, [max(8, min(40, 2 * len(c) + 4)) for c in labels])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return _save(wb)


def _form_sheet(ws, title: str, pairs: list[tuple[str, Any]]) -> None:
    """A form in two columns (label | value), as 附件1/附件3 are laid out."""
    _title(ws, str(title), 2)
    for r, (label, value) in enumerate(pairs, start=2):
        head = ws.cell(row=r, column=1, value=str(label))
        head.font, head.fill, head.border, head.alignment = Font(bold=True), LABEL, BOX, WRAP
        cell = ws.cell(row=r, column=2, value=value)
        cell.border, cell.alignment = BOX, WRAP
        if hasattr(value, "year"):
            cell.number_format = "yyyy-mm-dd"
    _widths(ws, [16, 70])


def _local(instant) -> str:
    return clock.local(instant).strftime("%Y-%m-%d %H:%M") if instant else ""


def request_workbook(request) -> bytes:
    """《需求说明书》(附件1): 需求编号 … 验收标准, 确认签字."""
    from xietong.items.services import attachments_of

    wb = Workbook()
    signatures = {s.role: s for s in request.signatures.select_related("person")}

    def signed(role: str) -> str:
        s = signatures.get(role)
        return f"{s.person.display_name}  {clock.local(s.signed_at):%Y-%m-%d}" if s else ""

    _form_sheet(
        wb.active,
        _("需求说明书（附件1）"),
        [
            (_("需求编号"), request.number),
            (_("主题"), request.title),
            (_("发起部门"), request.requesting_department.name),
            (_("发起人"), request.requester.display_name),
            (_("接收部门"), request.receiving_department.name),
            (_("接收人"), request.receiver_or_head.display_name if request.receiver_or_head else ""),
            (_("需求背景"), request.background),
            (_("需求目标"), request.goal),
            (_("具体内容"), request.content),
            (_("期望完成时间"), request.expected_date),
            (_("附件"), "\n".join(a.name for a in attachments_of(request))),
            (_("验收标准"), "\n".join(f"{c.position}. {c.text}" for c in request.criteria.order_by("position"))),
            (
                _("确认签字"),
                _("发起人：%(requester)s\n接收人：%(receiver)s")
                % {"requester": signed("requester"), "receiver": signed("receiver")},
            ),
        ],
    )
    wb.active.title = _("需求说明书")
    return _save(wb)


def exception_workbook(report) -> bytes:
    """《异常问题反馈表》(附件3)."""
    wb = Workbook()
    _form_sheet(
        wb.active,
        _("异常问题反馈表（附件3）"),
        [
            (_("编号"), report.number),
            (_("主题"), report.title),
            (_("关联需求"), f"{report.request.number} {report.request.title}"),
            (_("关联任务"), str(report.task) if report.task_id else ""),
            (_("发起方"), f"{report.initiator_department.name} / {report.initiator.display_name}"),
            (_("责任部门"), report.department.name),
            (_("发现时间"), _local(report.discovered_at)),
            (_("问题详情"), report.problem),
            (_("影响范围"), report.impact),
            (_("建议解决方案"), report.proposal),
            (_("严重程度"), report.get_severity_display()),
            (_("预计解决时间"), _local(report.expected_resolution)),
            (_("状态"), report.get_state_display()),
            (_("处理结果"), report.resolution),
        ],
    )
    wb.active.title = _("异常问题反馈表")
    return _save(wb)


DELIVERABLE_COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("交付物名称"),
    gettext_lazy("版本号"),
    gettext_lazy("交付形式"),
    gettext_lazy("交付部门"),
    gettext_lazy("交付人"),
    gettext_lazy("验收人"),
    gettext_lazy("提交时间"),
    gettext_lazy("验收结论"),
]


def deliverables_workbook(request) -> bytes:
    """《成果交付清单》(附件4): name, version, form (电子档/纸质档), acceptor, verdict."""
    from xietong.acceptance.models import Deliverable

    rows = []
    deliverables = Deliverable.objects.filter(request=request).select_related("department", "submitter", "acceptor")
    for i, d in enumerate(deliverables.prefetch_related("submissions__verdict"), start=1):
        latest = d.submissions.order_by("-version").first()
        verdict = getattr(latest, "verdict", None) if latest else None
        rows.append(
            [
                i,
                d.title,
                (latest.release if latest and latest.release else d.version_label),
                d.get_form_display(),
                d.department.name,
                d.submitter.display_name,
                d.acceptor.display_name,
                _local(latest.submitted_at) if latest else "",
                verdict.get_outcome_display() if verdict else d.get_state_display(),
            ]
        )
    return ledger_workbook(
        _("成果交付清单（附件4）"),
        DELIVERABLE_COLUMNS,
        rows,
        subtitle=_("需求：%(r)s    项目：%(p)s")
        % {"r": f"{request.number} {request.title}", "p": request.project.name},
    )


FEEDBACK_COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("填写人"),
    gettext_lazy("部门"),
    gettext_lazy("沟通效率"),
    gettext_lazy("分工合理性"),
    gettext_lazy("问题解决及时性"),
    gettext_lazy("改进建议"),
    gettext_lazy("填写时间"),
]


def feedback_workbook(request) -> bytes:
    """《协作反馈表》(附件5): one row per participant's scores (1–5) and suggestions, then the averages."""
    from xietong.feedback.models import Feedback

    answers = list(
        Feedback.objects.filter(invitation__request=request)
        .select_related("invitation__person__department")
        .order_by("at", "pk")
    )
    rows: list[list[Any]] = [
        [
            i,
            f.invitation.person.display_name,
            f.invitation.person.department.name if f.invitation.person.department else "",
            f.communication,
            f.division,
            f.timeliness,
            f.suggestion,
            _local(f.at),
        ]
        for i, f in enumerate(answers, start=1)
    ]
    if answers:
        n = len(answers)
        rows.append(
            [
                _("平均"),
                "",
                "",
                round(sum(f.communication for f in answers) / n, 2),
                round(sum(f.division for f in answers) / n, 2),
                round(sum(f.timeliness for f in answers) / n, 2),
                "",
                "",
            ]
        )
    return ledger_workbook(
        _("协作反馈表（附件5）"),
        FEEDBACK_COLUMNS,
        rows,
        subtitle=_("需求：%(r)s（评分 1–5 分）") % {"r": f"{request.number} {request.title}"},
    )


DASHBOARD_COLUMNS = [
    gettext_lazy("对象"),
    gettext_lazy("时限数"),
    gettext_lazy("按时"),
    gettext_lazy("超时完成"),
    gettext_lazy("超时未完成"),
    gettext_lazy("按时率(%)"),
    gettext_lazy("未完成"),
    gettext_lazy("已超期"),
    gettext_lazy("升级 1 级"),
    gettext_lazy("升级 2 级"),
    gettext_lazy("升级 3 级"),
]


def dashboard_rows(board) -> list[list[Any]]:
    rows = []
    for row in [*board.rows, None]:
        figures = board.totals if row is None else row.figures
        o = figures.overall
        rows.append(
            [
                _("合计") if row is None else row.label,
                o.total,
                o.on_time,
                o.late,
                o.open_late,
                o.rate,
                figures.open,
                figures.overdue,
                figures.escalations.get(1, 0),
                figures.escalations.get(2, 0),
                figures.escalations.get(3, 0),
            ]
        )
    return rows


def dashboard_workbook(board) -> bytes:
    title = _("时限遵守情况 %(q)s") % {"q": board.quarter.label}
    return ledger_workbook(title, DASHBOARD_COLUMNS, dashboard_rows(board))


# --- PDF ------------------------------------------------------------------------------------------
def _pdf_styles():
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontName="STSong-Light", fontSize=18, leading=24),
        "h2": ParagraphStyle("h", parent=base["Heading2"], fontName="STSong-Light", fontSize=13, leading=18),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontName="STSong-Light", fontSize=10, leading=15),
        "cell": ParagraphStyle("c", parent=base["BodyText"], fontName="STSong-Light", fontSize=9, leading=12),
    }


def _pdf(title: str, blocks: list[tuple[str, Any]]) -> bytes:
    """blocks: ("h2", text) | ("p", text) | ("table", [[...], ...]) — the first table row is the header."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = _pdf_styles()
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=title, author=_("协同"))
    story: list[Any] = [Paragraph(escape(title), styles["title"])]
    for kind, content in blocks:
        if kind == "h2":
            story += [Spacer(1, 4 * mm), Paragraph(escape(str(content)), styles["h2"])]
        elif kind == "p":
            story.append(Paragraph(escape(str(content)), styles["body"]))
        elif kind == "table" and content:
            data = [[Paragraph(escape("" if v is None else str(v)), styles["cell"]) for v in row] for row in content]
            table = Table(data, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
    generated = _("生成时间：%(at)s") % {"at": f"{clock.local():%Y-%m-%d %H:%M}"}
    story += [Spacer(1, 6 * mm), Paragraph(escape(generated), styles["body"])]
    doc.build(story)
    return buffer.getvalue()


def dashboard_pdf(board) -> bytes:
    blocks: list[tuple[str, Any]] = [
        ("h2", _("按部门 / 人员") if board.rows else _("汇总")),
        ("table", [DASHBOARD_COLUMNS, *dashboard_rows(board)]),
    ]
    blocks += [("h2", _("各类时限按时率与响应时长（工作小时）"))]
    table: list[list[Any]] = [[_("时限"), _("按时率(%)"), _("中位数"), _("90分位"), _("时限长度")]]
    for limit in board.limits:
        row = board.totals.by_limit[limit]
        stats = board.totals.response.get(limit)
        table.append(
            [
                row.label,
                row.rate,
                stats.median if stats else None,
                stats.p90 if stats else None,
                stats.limit_hours if stats else None,
            ]
        )
    blocks.append(("table", table))
    return _pdf(_("时限遵守情况报表 · %(q)s") % {"q": board.quarter.label}, blocks)


CASE_GROUP_LABELS = {
    "most_escalated": gettext_lazy("升级最多"),
    "fastest": gettext_lazy("响应最快"),
    "lowest_scores": gettext_lazy("评分最低"),
}


def review_pdf(review) -> bytes:
    """The 季度复盘 pack and its proposals, to be filed."""
    pack = review.pack
    picked = review.picked_cases()
    blocks: list[tuple[str, Any]] = [("h2", _("复盘会讨论的典型案例（综合管理部选定）"))]
    if picked:
        blocks.append(
            (
                "table",
                [
                    [_("编号"), _("主题"), _("候选理由")],
                    *[[c["number"], c["title"], str(CASE_GROUP_LABELS[c["group"]])] for c in picked],
                ],
            )
        )
    else:
        blocks.append(("p", _("尚未选定")))
    blocks.append(("h2", _("一、典型案例：升级最多")))
    blocks.append(
        (
            "table",
            [
                [_("编号"), _("主题"), _("升级次数"), _("最高级别")],
                *[[c["number"], c["title"], c["escalations"], c["max_level"]] for c in pack.get("most_escalated", [])],
            ],
        )
    )
    blocks.append(("h2", _("二、典型案例：响应最快")))
    blocks.append(
        (
            "table",
            [
                [_("编号"), _("主题"), _("时限"), _("用时(工作小时)"), _("时限(工作小时)")],
                *[[c["number"], c["title"], c["limit"], c["hours"], c["limit_hours"]] for c in pack.get("fastest", [])],
            ],
        )
    )
    blocks.append(("h2", _("三、典型案例：评分最低")))
    blocks.append(
        (
            "table",
            [
                [_("编号"), _("主题"), _("平均分"), _("份数")],
                *[[c["number"], c["title"], c["score"], c["answers"]] for c in pack.get("lowest_scores", [])],
            ],
        )
    )
    blocks.append(("h2", _("四、各部门守规情况")))
    blocks.append(
        (
            "table",
            [
                [
                    _("部门"),
                    _("时限数"),
                    _("按时"),
                    _("超时完成"),
                    _("超时未完成"),
                    _("按时率(%)"),
                    _("已超期"),
                    _("升级"),
                ],
                *[
                    [
                        d["department"],
                        d["total"],
                        d["on_time"],
                        d["late"],
                        d["open_late"],
                        d["rate"],
                        d["overdue"],
                        d["escalations"],
                    ]
                    for d in pack.get("departments", [])
                ],
            ],
        )
    )
    blocks.append(("h2", _("五、协作反馈中的建议")))
    blocks += [("p", f"{s['request']} · {s['person']}：{s['text']}") for s in pack.get("suggestions", [])] or [
        ("p", _("无"))
    ]
    blocks.append(("h2", _("六、协作流程优化建议")))
    for p in review.proposals.select_related("policy", "proposed_by", "decided_by"):
        change = (
            _("（调整 %(policy)s：%(changes)s）") % {"policy": p.policy, "changes": p.changes} if p.policy_id else ""
        )
        decided = f"{p.get_state_display()}" + (
            _("，%(who)s %(d)s") % {"who": p.decided_by.display_name, "d": f"{clock.local(p.decided_at):%Y-%m-%d}"}
            if p.decided_by
            else ""
        )
        if p.state == "approved" and p.policy_id and p.effective_day:
            decided += _("，自 %(day)s 起生效") % {"day": f"{p.effective_day:%Y-%m-%d}"}
        blocks.append(("p", f"{p.title}：{p.content}{change} —— {p.proposed_by.display_name}；{decided}"))
    return _pdf(_("季度复盘 · %(q)s") % {"q": pack.get("label", review.code)}, blocks)
