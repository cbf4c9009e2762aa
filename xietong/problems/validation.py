"""What the problem's forms must hold, as field messages in Chinese: the 问题提报表, the 问题分派通知, a line
of the 问题处理进度表 and the 问题解决报告. Each returns the cleaned values with the errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.filetypes import content_problem
from xietong.items.plain_wording import bare, vague_errors, vague_text
from xietong.items.services import allowed_extensions, max_attachment_bytes
from xietong.org.models import Department, Person, Project
from xietong.org.tree import DepartmentTree
from xietong.problems.choices import ProblemUrgency

TEXT_LIMIT = 3000


def text(value: Any) -> str:
    return str(value or "").strip()


def check_text(errors: dict[str, str], field: str, value: str, label: str, *, required: bool) -> None:
    if required and not value:
        errors[field] = _("请填写%(field)s") % {"field": label}
    elif len(value) > TEXT_LIMIT:
        errors[field] = _("%(field)s不能超过 %(n)d 字") % {"field": label, "n": TEXT_LIMIT}


def upload_errors(uploads: Sequence[UploadedFile]) -> dict[str, str]:
    """The attachment rules (type, size), checked for every evidence file before anything is written."""
    allowed, limit = allowed_extensions(), max_attachment_bytes()
    for upload in uploads:
        extension = PurePath(upload.name or "").suffix.lower()
        if extension not in allowed:
            return {
                "evidence": _("不允许上传“%(ext)s”类型的文件；允许：%(allowed)s")
                % {"ext": extension or _("无扩展名"), "allowed": " ".join(allowed)}
            }
        if upload.size is None or upload.size > limit:
            return {
                "evidence": _("文件“%(name)s”超过上限 %(limit)d MB") % {"name": upload.name, "limit": limit // 1048576}
            }
        if (problem := content_problem(extension, upload)) is not None:
            return {"evidence": f"{upload.name}：{problem}"}
    return {}


def problem_validate(actor: Any, data: dict[str, Any]) -> dict[str, str]:
    """Field errors of a 问题提报表, in Chinese. Every field of the template is required."""
    errors: dict[str, str] = {}
    title = text(data.get("title"))
    if not title:
        errors["title"] = _("请填写问题主题")
    elif len(title) > 120:
        errors["title"] = _("问题主题不能超过 120 字")
    project: Project | None = data.get("project")
    if project is None:
        errors["project"] = _("请选择所属项目")
    elif not Project.objects.restrict(actor).filter(pk=project.pk).exists():
        errors["project"] = _("您不是该项目的成员，不能在其中提报问题")
    for field, label in (("background", _("问题背景")), ("current_state", _("现状")), ("impact", _("影响范围"))):
        check_text(errors, field, text(data.get(field)), label, required=True)
    if data.get("urgency") not in ProblemUrgency.values:
        errors["urgency"] = _("紧急程度只能是 高、中、低")
    expected = data.get("expected_date")
    if expected is None:
        errors["expected_date"] = _("请填写期望解决时间（年/月/日）")
    elif expected < clock.today():
        errors["expected_date"] = _("期望解决时间 %(date)s 已经过去") % {"date": expected.isoformat()}
    return errors


def _in_subtree(department: Department, person: Any) -> bool:
    return person.department_id is not None and person.department_id in DepartmentTree.load().with_descendants(
        [department.pk]
    )


def dispatch_values(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """问题分派通知: the lead department exists, the owner (its head unless named) belongs to it, helper
    departments exist and are not the lead one, a basis and a deadline not yet past."""
    errors: dict[str, str] = {}
    lead, owner, basis, deadline = data.get("lead_department"), data.get("owner"), text(data.get("basis")), None
    if lead is None:
        errors["lead_department"] = _("请选择主责部门")
    elif not Department.objects.filter(pk=lead.pk).exists():
        errors["lead_department"] = _("所选主责部门不存在（可能已被删除），请重新选择")
    elif owner is None:
        owner = lead.head
        if owner is None or not owner.is_active:
            errors["owner"] = _("主责部门“%(dept)s”未设部门负责人，请指定主责负责人") % {"dept": lead}
    elif not owner.is_active or not _in_subtree(lead, owner):
        errors["owner"] = _("%(person)s 不属于主责部门“%(dept)s”") % {"person": owner, "dept": lead}
    wanted = list(data.get("helper_departments") or ())
    helpers = list(Department.objects.filter(pk__in=[d.pk for d in wanted]).select_related("head"))
    if len(helpers) != len({d.pk for d in wanted}):
        errors["helper_departments"] = _("所选配合部门中有不存在的部门，请重新选择")
    elif lead is not None and any(d.pk == lead.pk for d in wanted):
        errors["helper_departments"] = _("主责部门不必再列为配合部门")
    check_text(errors, "basis", basis, _("分派依据"), required=True)
    deadline = data.get("deadline")
    if deadline is None:
        errors["deadline"] = _("请填写完成时限（年/月/日）")
    elif deadline < clock.today():
        errors["deadline"] = _("完成时限 %(date)s 已经过去") % {"date": deadline.isoformat()}
    values = {"lead_department": lead, "owner": owner, "helper_departments": helpers, "basis": basis}
    return {**values, "deadline": deadline}, errors


def progress_values(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A line of 问题处理进度表: the stage result, and the risk when it is a major one."""
    values: dict[str, Any] = {name: text(data.get(name)) for name in ("progress", "risk", "next_step")}
    values["major_risk"] = bool(data.get("major_risk"))
    errors: dict[str, str] = {}
    check_text(errors, "progress", values["progress"], _("阶段性成果"), required=True)
    check_text(errors, "risk", values["risk"], _("风险说明"), required=values["major_risk"])
    check_text(errors, "next_step", values["next_step"], _("下一步计划"), required=False)
    return values, errors


def solution_values(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """问题解决报告: the measures and the verified effect (the cause when known)."""
    values = {name: text(data.get(name)) for name in ("measures", "effect", "cause")}
    errors: dict[str, str] = {}
    check_text(errors, "measures", values["measures"], _("解决措施"), required=True)
    check_text(errors, "effect", values["effect"], _("效果验证"), required=True)
    check_text(errors, "cause", values["cause"], _("问题原因"), required=False)
    return values, errors


def filing_values(actor: Any, problem: Any, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The 问题提报表 as revised after a return: every field again, and the plain-wording rule."""
    from xietong.problems.models import Problem

    values: dict[str, Any] = {name: text(data.get(name)) for name in ("title", "background", "current_state", "impact")}
    values["urgency"] = data.get("urgency") or problem.urgency
    values["expected_date"] = data.get("expected_date")
    errors = problem_validate(actor, {**values, "project": problem.project})
    errors.pop("project", None)  # the project stays the one it was filed in
    if not errors:
        errors.update(vague_errors(Problem(**values)))
    return values, errors


PLAN_ROWS = 5


def plan_values(problem: Any, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """解决方案 (步骤3): at least one measure, each with its 责任人 (an active person) and a 计划完成时间 not
    yet past; the 协商情况 with the helper departments when there are any. Errors are keyed by row
    (measure_1, owner_1, due_date_1 …), as the page's rows and the API's list are numbered."""
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(list(data.get("measures") or ())[:20], start=1):
        measure, owner, due = text(row.get("measure")), row.get("owner"), row.get("due_date")
        if not measure and owner is None and due is None:
            continue  # an empty row of the form
        if not measure:
            errors[f"measure_{i}"] = _("请填写第 %(i)d 项的具体措施") % {"i": i}
        elif len(measure) > TEXT_LIMIT:
            errors[f"measure_{i}"] = _("具体措施不能超过 %(n)d 字") % {"n": TEXT_LIMIT}
        elif vague_text(measure):
            errors[f"measure_{i}"] = _("具体措施不能只写“%(text)s”：请直接写明关键信息") % {"text": bare(measure)}
        if owner is None:
            errors[f"owner_{i}"] = _("请为第 %(i)d 项指定责任人") % {"i": i}
        elif not isinstance(owner, Person) or not owner.is_active:
            errors[f"owner_{i}"] = _("所选责任人不存在或已停用，请重新选择")
        if due is None:
            errors[f"due_date_{i}"] = _("请填写第 %(i)d 项的计划完成时间（年/月/日）") % {"i": i}
        elif due < clock.today():
            errors[f"due_date_{i}"] = _("计划完成时间 %(date)s 已经过去") % {"date": due.isoformat()}
        rows.append({"measure": measure, "owner": owner, "due_date": due})
    if not rows and not errors:
        errors["measure_1"] = _("请至少填写一项具体措施，并写明责任人与计划完成时间")
    consultation = text(data.get("consultation"))
    helpers = problem.helper_departments.all() if problem.pk else []
    if not consultation and helpers:
        errors["consultation"] = _("有配合部门（%(names)s）时，请写明与配合部门的协商情况") % {
            "names": "、".join(d.name for d in helpers)
        }
    elif len(consultation) > TEXT_LIMIT:
        errors["consultation"] = _("协商情况不能超过 %(n)d 字") % {"n": TEXT_LIMIT}
    elif vague_text(consultation):
        errors["consultation"] = _("协商情况不能只写“%(text)s”：请直接写明关键信息") % {"text": bare(consultation)}
    return {"measures": rows, "consultation": consultation}, errors
