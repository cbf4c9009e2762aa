"""What a 需求说明书 must contain: the fields a draft needs, the ones submitting needs, and the vague wording
the templates forbid (请确认, 事, 详见附件 …)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.items.plain_wording import bare
from xietong.org.models import Department, Person, Project
from xietong.org.tree import DepartmentTree
from xietong.requests.choices import VAGUE_PHRASES, VAGUE_TITLES, Priority
from xietong.requests.models import Request

_bare = bare  # the shared rule's (items.plain_wording)


def vagueness_warnings(title: str, texts: dict[str, str]) -> list[str]:
    """The templates demand clear subjects and no "待定 / 详见附件": warn, do not block."""
    warnings = []
    stripped = _bare(title)
    if stripped and (stripped in VAGUE_TITLES or len(stripped) < 4):  # an empty one is "请填写主题"
        warnings.append(
            _("主题“%(title)s”过于模糊：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”") % {"title": title}
        )
    for label, text in texts.items():
        for phrase in VAGUE_PHRASES:
            if phrase in (text or ""):
                warnings.append(
                    _("%(field)s中含有“%(phrase)s”：关键信息请直接写明，不要只写“%(phrase)s”")
                    % {"field": label, "phrase": phrase}
                )
                break
    return warnings


def _in_subtree(department: Department, person: Person) -> bool:
    if person.department_id is None:
        return False
    return person.department_id in DepartmentTree.load().with_descendants([department.pk])


def request_validate(actor: Person, data: dict[str, Any], criteria: list[str], *, submitting: bool) -> dict[str, str]:
    """Field errors, in Chinese. Drafts may be incomplete; submitting needs everything."""
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写主题")
    elif submitting and _bare(title) in VAGUE_TITLES:
        # The templates name these as the subjects not to send; a draft may still carry one.
        errors["title"] = _(
            "主题“%(title)s”过于模糊，不能提交：请写明项目、阶段与核心目标，例如“智能手表项目-硬件方案评审”"
        ) % {"title": title}
    project: Project | None = data.get("project")
    if project is None:
        errors["project"] = _("请选择所属项目")
    elif not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员，不能在其中发起需求")
    receiving = data.get("receiving_department")
    receiver = data.get("receiver")
    if receiving is None:
        errors["receiving_department"] = _("请选择接收部门")
    elif receiver is not None and not _in_subtree(receiving, receiver):
        errors["receiver"] = _("%(person)s 不属于接收部门“%(dept)s”") % {"person": receiver, "dept": receiving}
    elif receiver is None and receiving.head_id is None:
        errors["receiver"] = _("接收部门“%(dept)s”未设部门负责人，请指定接收人") % {"dept": receiving}
    requester = data.get("requester")
    requesting = data.get("requesting_department")
    if requesting is None:
        errors["requesting_department"] = _("请选择发起部门")
    if requester is None:
        errors["requester"] = _("请选择发起人")
    elif requesting is not None and not _in_subtree(requesting, requester):
        errors["requester"] = _("%(person)s 不属于发起部门“%(dept)s”") % {"person": requester, "dept": requesting}
    if data.get("priority") not in Priority.values:
        errors["priority"] = _("优先级只能是 高、中、低")
    expected = data.get("expected_date")
    if expected is None:
        errors["expected_date"] = _("请填写期望完成时间（年/月/日）")
    elif submitting and expected < clock.today():
        errors["expected_date"] = _("期望完成时间 %(date)s 已经过去") % {"date": expected.isoformat()}
    if submitting:
        for field, label in (("background", _("需求背景")), ("goal", _("需求目标")), ("content", _("具体内容"))):
            if not (data.get(field) or "").strip():
                errors[field] = _("请填写%(field)s") % {"field": label}
        if not any(map(criterion_text, criteria)):
            errors["criteria"] = _("请至少填写一条可量化的验收标准，如“工单分类准确率达95%以上”")
    if len(criteria) > 30:
        errors["criteria"] = _("验收标准最多 30 条")
    if any(len(c) > 300 for c in criteria):
        errors["criteria"] = _("每条验收标准不超过 300 字")
    return errors


# "1." "2、" "3)" "（4）" "⑤" typed before a criterion: the pages number the criteria themselves. "1.5 秒内" keeps
# its number (a digit after the point).
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*(?:[.．](?!\d)|[、)）])|[（(]\d{1,2}[)）]|[\u2460-\u2473])\s*")


def criterion_text(line: str) -> str:
    """One acceptance criterion as stored: trimmed, without the list number someone typed before it."""
    return _NUMBERING.sub("", line.strip(), count=1).strip()


def criteria_texts(request: Request) -> list[str]:
    return list(request.criteria.order_by("position").values_list("text", flat=True))
