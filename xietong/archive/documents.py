"""Documents filed in the archive besides the items themselves: the 协作总结报告 of a request.

000 二（四）「形成《协作总结报告》,报部门负责人及企业管理部备案」 and 二（五）「所有协作过程中产生的文档(……协作总结报告等)
需统一归档……按“协作类型-项目名称-日期”规则命名,保存期限不少于2年」. The request may be archived, and read-only,
by the time its feedback round closes, so the report is a record of its own: subject type
`feedback.summary`, subject id the request's, named 协作总结报告-项目名称-日期, kept at least 2 years (its own
保存期限 row may say longer), seen by whoever may see the request, and searchable as one of the request's
documents.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.archive.document_kinds import DOCUMENT_LABELS, DOCUMENT_OF, SUMMARY
from xietong.archive.models import ArchiveRecord
from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.models import AuditEvent


def document_label(subject_type: str) -> str:
    return _(DOCUMENT_LABELS[subject_type])


def summary_filed(request: Any) -> bool:
    """The feedback round was closed and the report filed (备案) with the department heads."""
    return AuditEvent.objects.filter(
        action="feedback.summary.file", object_type="requests.request", object_id=str(request.pk)
    ).exists()


def summary_rows(request: Any) -> list[list[Any]]:
    """The report as filed: [label, value] rows, as the archive page shows a form."""
    from xietong.feedback.selectors import request_summary

    summary = request_summary(request)

    def score(key: str) -> Any:
        value = summary.scores.get(key)
        return value if value is not None else "—"

    rows: list[list[Any]] = [
        [_("需求"), f"{request.number} {request.title}"],
        [_("项目"), request.project.name],
        [_("协作反馈"), _("%(a)d / %(n)d 份") % {"a": summary.answered, "n": summary.invited}],
        [_("沟通效率"), score("communication")],
        [_("分工合理性"), score("division")],
        [_("问题解决及时性"), score("timeliness")],
    ]
    for row in summary.limits:
        rate = f"{row.rate}%" if row.rate is not None else "—"
        rows.append(
            [
                _("时限：%(limit)s") % {"limit": row.label},
                _("共 %(total)d，按时 %(on)d，超时完成 %(late)d，超时未完成 %(open)d，按时率 %(rate)s")
                % {"total": row.total, "on": row.on_time, "late": row.late, "open": row.open_late, "rate": rate},
            ]
        )
    for level, count in sorted(summary.escalations.items()):
        rows.append([_("第 %(level)d 级升级") % {"level": level}, count])
    for person, text in summary.suggestions:
        rows.append([_("改进建议（%(who)s）") % {"who": person}, text])
    return rows


def file_summary(request: Any) -> ArchiveRecord | None:
    """File the request's 协作总结报告 once its round is closed. Idempotent; None when not (yet) due."""
    from xietong.archive.services import _filed_under, add_years, retention_years

    existing = ArchiveRecord.objects.filter(subject_type=SUMMARY, subject_id=request.pk).first()
    if existing is not None or not summary_filed(request):
        return existing
    now = clock.now()
    day = clock.local(now).date()
    label = document_label(SUMMARY)
    record = ArchiveRecord.objects.create(
        subject_type=SUMMARY,
        subject_id=request.pk,
        number=request.number,
        title=_("%(label)s：%(title)s") % {"label": label, "title": request.title},
        type_label=label,
        name=f"{label}-{_filed_under(request)}-{day:%Y-%m-%d}",
        project_id=request.project_id,
        archived_at=now,
        retention_until=add_years(day, retention_years(SUMMARY)),
        manifest={"form": summary_rows(request)},
    )
    audit_record(
        actor=None,
        action="archive.file",
        obj=request,
        after={"archive": record.pk, "name": record.name, "retention_until": record.retention_until},
    )
    return record


def filed_documents(subject_type: str, subject_id: int) -> list[ArchiveRecord]:
    """The documents filed for one item (its search documents include them)."""
    types = [doc for doc, item in DOCUMENT_OF.items() if item == subject_type]
    if not types:
        return []
    return list(ArchiveRecord.objects.filter(subject_type__in=types, subject_id=subject_id, deleted_at__isnull=True))


# What to file for an item of a type each time the worker refreshes it (idempotent).
FILERS = {"requests.request": (file_summary,)}
