"""What a notice must hold before it is saved or published: field errors in Chinese, nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.notices.richtext import TEXT, plain_text, sanitize, unsafe_links
from xietong.org.models import Department, Person, Project

NOTICE_FIELDS = ("title", "project", "body", "effective_date", "requires_confirmation", "confirm_by", "target_everyone")
MAX_BODY = 50_000


def notice_validate(
    actor: Person,
    data: dict[str, Any],
    departments: list[Department],
    people: list[Person],
    *,
    publishing: bool,
) -> dict[str, str]:
    """Field errors, in Chinese. Nothing is written unless this is empty."""
    errors: dict[str, str] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("请填写通知主题")
    project: Project | None = data.get("project")
    if project is not None and not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员，不能在其中发布通知")
    body = data.get("body") or ""
    unsafe = data.get("unsafe_links") or []
    if unsafe:
        errors["body"] = _("链接“%(href)s”不是有效的网址：请使用 http:// 或 https:// 开头的完整网址") % {
            "href": unsafe[0]
        }
    elif len(body) > MAX_BODY:
        errors["body"] = _("通知内容不能超过 %(n)d 字") % {"n": MAX_BODY}
    elif not plain_text(body).strip():
        errors["body"] = _("请填写通知内容")
    if data.get("effective_date") is None:
        errors["effective_date"] = _("请填写生效日期")
    if data.get("target_everyone") and not may_address_everyone(actor):
        errors["target_everyone"] = _(
            "只有综合管理部、总经理和系统管理员可以向全体人员发布通知；请选择涉及部门或指定人员"
        )
    if not (data.get("target_everyone") or departments or people):
        errors["targets"] = _("请至少选择一个通知对象：指定人员、涉及部门或全体人员")
    inactive = [p.display_name for p in people if not p.is_active]
    if inactive:
        errors["target_people"] = _("以下人员账号已停用：%(names)s") % {"names": "、".join(inactive)}
    confirm_by = data.get("confirm_by")
    if data.get("requires_confirmation"):
        if confirm_by is None:
            errors["confirm_by"] = _("需确认的通知请填写确认截止时间")
        elif publishing and confirm_by <= clock.now():
            errors["confirm_by"] = _("确认截止时间 %(t)s 已经过去") % {"t": f"{clock.local(confirm_by):%Y-%m-%d %H:%M}"}
        elif confirm_by > clock.now() + dt.timedelta(days=366):
            errors["confirm_by"] = _("确认截止时间不能晚于一年后")
    if actor.department_id is None:
        errors["title"] = _("您尚未分配部门，不能发布通知；请联系管理员")
    return errors


def may_address_everyone(person: Person) -> bool:
    """Who may send a notice everyone must read: the coordinating office (综合管理部), the general manager
    and administrators — not any member (a company-wide notice to confirm reaches every inbox)."""
    return bool(person.is_coordinator or person.is_general_manager or person.is_superuser)


def notice_clean(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["title"] = (data.get("title") or "").strip()
    body_format = data.pop("body_format", None) or TEXT
    data["unsafe_links"] = unsafe_links(data.get("body") or "", body_format)
    data["body"] = sanitize(data.get("body") or "", body_format)
    data["requires_confirmation"] = bool(data.get("requires_confirmation"))
    data["target_everyone"] = bool(data.get("target_everyone"))
    if not data["requires_confirmation"]:
        data["confirm_by"] = None
    return data
