"""What the incident's forms must hold, as field messages in Chinese: the team's division of work, a
member's readiness, a status update, the 紧急事务处理报告 and the 复盘 with its improvement actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from xietong.core import clock

TEXT_LIMIT = 3000


def text(value: Any) -> str:
    return str(value or "").strip()


def check_text(errors: dict[str, str], field: str, value: str, message: str, *, required: bool = True) -> None:
    if required and not value:
        errors[field] = message
    elif len(value) > TEXT_LIMIT:
        errors[field] = _("内容不能超过 %(n)d 字") % {"n": TEXT_LIMIT}


def team_errors(rows: Sequence[tuple[Any, str]]) -> dict[str, str]:
    """明确应急小组分工: at least one member, each once, active, with a duty of at most 200 characters."""
    errors: dict[str, str] = {}
    if not rows:
        errors["members"] = _("请至少指定一名应急小组成员及其分工")
    seen: set[int] = set()
    for person, duty in rows:
        if person.pk in seen:
            errors["members"] = _("%(person)s 重复出现，请合并为一条分工") % {"person": person}
        elif not person.is_active:
            errors["members"] = _("%(person)s 的账号已停用") % {"person": person}
        elif not duty:
            errors["members"] = _("请写明 %(person)s 的分工，例如“排查服务器日志”") % {"person": person}
        elif len(duty) > 200:
            errors["members"] = _("%(person)s 的分工不能超过 200 字") % {"person": person}
        seen.add(person.pk)
    return errors


def ready_note_errors(note: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    check_text(errors, "ready_note", note, _("请反馈准备情况，例如“研发团队已准备回滚方案”"))
    if len(note) > 300:
        errors["ready_note"] = _("准备情况不能超过 300 字")
    return errors


def resolution_errors(cause: str, measures: str) -> dict[str, str]:
    """紧急事务处理报告: the cause and the measures."""
    errors: dict[str, str] = {}
    check_text(errors, "cause", cause, _("请填写问题原因，例如“数据库连接池溢出”"))
    check_text(errors, "measures", measures, _("请填写解决措施，例如“扩容连接池并回滚当日发布”"))
    return errors


@dataclass(frozen=True)
class ActionDraft:
    title: str
    owner: Any
    due_date: dt.date | None


def review_errors(summary: str, drafts: Sequence[ActionDraft]) -> dict[str, str]:
    """复盘: the lessons learned and at least one improvement action with content, owner and due date."""
    errors: dict[str, str] = {}
    check_text(errors, "summary", summary, _("请填写复盘结论（经验教训）"))
    if not drafts:
        errors["actions"] = _("复盘须形成至少一条改进措施（内容、负责人、完成时间）")
    today = clock.today()
    for index, draft in enumerate(drafts, start=1):
        if not text(draft.title):
            errors["actions"] = _("第 %(n)d 条改进措施缺少内容") % {"n": index}
        elif len(text(draft.title)) > 120:
            errors["actions"] = _("第 %(n)d 条改进措施不能超过 120 字") % {"n": index}
        elif draft.owner is None or not draft.owner.is_active:
            errors["actions"] = _("第 %(n)d 条改进措施缺少负责人") % {"n": index}
        elif draft.owner.department_id is None:
            errors["actions"] = _("%(person)s 尚未分配部门，不能担任负责人") % {"person": draft.owner}
        elif draft.due_date is None:
            errors["actions"] = _("第 %(n)d 条改进措施缺少完成时间") % {"n": index}
        elif draft.due_date < today:
            errors["actions"] = _("第 %(n)d 条改进措施的完成时间 %(date)s 已经过去") % {
                "n": index,
                "date": draft.due_date.isoformat(),
            }
    return errors
