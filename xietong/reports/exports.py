"""Exports in the seed templates' own layouts (Excel, openpyxl) and PDF for reports that people file
(reportlab with its built-in CID font STSong-Light: Chinese without shipping a font file).

协作任务分解表 lives in tasks/exports.py; 问题处理台账 and other ledgers plug into `ledger_workbook`.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from xietong.core import clock

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")
LABEL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(vertical="top", wrap_text=True)


def _save(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _title(ws, text: str, columns: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    cell = ws.cell(row=1, column=1, value=text)
    cell.font = Font(bold=True, size=14)
    cell.alignment = Alignment(horizontal="center")


def _header(ws, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
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


def ledger_workbook(title: str, columns: list[str], rows: list[list[Any]], *, subtitle: str = "") -> bytes:
    """A ledger (台账) in the templates' table layout: title, optional subtitle, header row, one row per
    record. 问题处理台账 from the problems app is one call of this."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    _title(ws, title, len(columns))
    header_row = 2
    if subtitle:
        ws.cell(row=2, column=1, value=subtitle)
        header_row = 3
    _header(ws, header_row, columns)
    _rows(ws, header_row + 1, rows)
    _widths(ws, [max(8, min(40, 2 * len(c) + 4)) for c in columns])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return _save(wb)


def _form_sheet(ws, title: str, pairs: list[tuple[str, Any]]) -> None:
    """A form in two columns (label | value), as 附件1/附件3 are laid out."""
    _title(ws, title, 2)
    for r, (label, value) in enumerate(pairs, start=2):
        head = ws.cell(row=r, column=1, value=label)
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
        "需求说明书（附件1）",
        [
            ("需求编号", request.number),
            ("主题", request.title),
            ("发起部门", request.requesting_department.name),
            ("发起人", request.requester.display_name),
            ("接收部门", request.receiving_department.name),
            ("接收人", request.receiver_or_head.display_name if request.receiver_or_head else ""),
            ("需求背景", request.background),
            ("需求目标", request.goal),
            ("具体内容", request.content),
            ("期望完成时间", request.expected_date),
            ("附件", "\n".join(a.name for a in attachments_of(request))),
            ("验收标准", "\n".join(f"{c.position}. {c.text}" for c in request.criteria.order_by("position"))),
            ("确认签字", f"发起人：{signed('requester')}\n接收人：{signed('receiver')}"),
        ],
    )
    wb.active.title = "需求说明书"
    return _save(wb)


def exception_workbook(report) -> bytes:
    """《异常问题反馈表》(附件3)."""
    wb = Workbook()
    _form_sheet(
        wb.active,
        "异常问题反馈表（附件3）",
        [
            ("编号", report.number),
            ("主题", report.title),
            ("关联需求", f"{report.request.number} {report.request.title}"),
            ("关联任务", str(report.task) if report.task_id else ""),
            ("发起方", f"{report.initiator_department.name} / {report.initiator.display_name}"),
            ("责任部门", report.department.name),
            ("发现时间", _local(report.discovered_at)),
            ("问题详情", report.problem),
            ("影响范围", report.impact),
            ("建议解决方案", report.proposal),
            ("严重程度", report.get_severity_display()),
            ("预计解决时间", _local(report.expected_resolution)),
            ("状态", report.get_state_display()),
            ("处理结果", report.resolution),
        ],
    )
    wb.active.title = "异常问题反馈表"
    return _save(wb)


DELIVERABLE_COLUMNS = [
    "序号",
    "交付物名称",
    "版本号",
    "交付形式",
    "交付部门",
    "交付人",
    "验收人",
    "提交时间",
    "验收结论",
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
                d.version_label,
                d.get_form_display(),
                d.department.name,
                d.submitter.display_name,
                d.acceptor.display_name,
                _local(latest.submitted_at) if latest else "",
                verdict.get_outcome_display() if verdict else d.get_state_display(),
            ]
        )
    return ledger_workbook(
        "成果交付清单（附件4）",
        DELIVERABLE_COLUMNS,
        rows,
        subtitle=f"需求：{request.number} {request.title}    项目：{request.project.name}",
    )


FEEDBACK_COLUMNS = ["序号", "填写人", "部门", "沟通效率", "分工合理性", "问题解决及时性", "改进建议", "填写时间"]


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
                "平均",
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
        "协作反馈表（附件5）", FEEDBACK_COLUMNS, rows, subtitle=f"需求：{request.number} {request.title}（评分 1–5 分）"
    )


DASHBOARD_COLUMNS = [
    "对象",
    "时限数",
    "按时",
    "超时完成",
    "超时未完成",
    "按时率(%)",
    "未完成",
    "已超期",
    "升级 1 级",
    "升级 2 级",
    "升级 3 级",
]


def dashboard_rows(board) -> list[list[Any]]:
    rows = []
    for row in [*board.rows, None]:
        figures = board.totals if row is None else row.figures
        o = figures.overall
        rows.append(
            [
                "合计" if row is None else row.label,
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
    return ledger_workbook(f"时限遵守情况 {board.quarter.label}", DASHBOARD_COLUMNS, dashboard_rows(board))


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
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=title, author="协同")
    story: list[Any] = [Paragraph(escape(title), styles["title"])]
    for kind, content in blocks:
        if kind == "h2":
            story += [Spacer(1, 4 * mm), Paragraph(escape(content), styles["h2"])]
        elif kind == "p":
            story.append(Paragraph(escape(content), styles["body"]))
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
    story += [Spacer(1, 6 * mm), Paragraph(escape(f"生成时间：{clock.local():%Y-%m-%d %H:%M}"), styles["body"])]
    doc.build(story)
    return buffer.getvalue()


def dashboard_pdf(board) -> bytes:
    blocks: list[tuple[str, Any]] = [
        ("h2", "按部门 / 人员" if board.rows else "汇总"),
        ("table", [DASHBOARD_COLUMNS, *dashboard_rows(board)]),
    ]
    blocks += [("h2", "各类时限按时率与响应时长（工作小时）")]
    table: list[list[Any]] = [["时限", "按时率(%)", "中位数", "90分位", "时限长度"]]
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
    return _pdf(f"时限遵守情况报表 · {board.quarter.label}", blocks)


def review_pdf(review) -> bytes:
    """The 季度复盘 pack and its proposals, to be filed."""
    pack = review.pack
    blocks: list[tuple[str, Any]] = [("h2", "一、典型案例：升级最多")]
    blocks.append(
        (
            "table",
            [
                ["编号", "主题", "升级次数", "最高级别"],
                *[[c["number"], c["title"], c["escalations"], c["max_level"]] for c in pack.get("most_escalated", [])],
            ],
        )
    )
    blocks.append(("h2", "二、典型案例：响应最快"))
    blocks.append(
        (
            "table",
            [
                ["编号", "主题", "时限", "用时(工作小时)", "时限(工作小时)"],
                *[[c["number"], c["title"], c["limit"], c["hours"], c["limit_hours"]] for c in pack.get("fastest", [])],
            ],
        )
    )
    blocks.append(("h2", "三、典型案例：评分最低"))
    blocks.append(
        (
            "table",
            [
                ["编号", "主题", "平均分", "份数"],
                *[[c["number"], c["title"], c["score"], c["answers"]] for c in pack.get("lowest_scores", [])],
            ],
        )
    )
    blocks.append(("h2", "四、各部门守规情况"))
    blocks.append(
        (
            "table",
            [
                ["部门", "时限数", "按时", "超时完成", "超时未完成", "按时率(%)", "已超期", "升级"],
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
    blocks.append(("h2", "五、协作反馈中的建议"))
    blocks += [("p", f"{s['request']} · {s['person']}：{s['text']}") for s in pack.get("suggestions", [])] or [
        ("p", "无")
    ]
    blocks.append(("h2", "六、协作流程优化建议"))
    for p in review.proposals.select_related("policy", "proposed_by", "decided_by"):
        change = f"（调整 {p.policy}：{p.changes}）" if p.policy_id else ""
        decided = f"{p.get_state_display()}" + (
            f"，{p.decided_by.display_name} {clock.local(p.decided_at):%Y-%m-%d}" if p.decided_by else ""
        )
        blocks.append(("p", f"{p.title}：{p.content}{change} —— {p.proposed_by.display_name}；{decided}"))
    return _pdf(f"季度复盘 · {pack.get('label', review.code)}", blocks)
