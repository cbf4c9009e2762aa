"""Route-wide permission matrix: an outsider gets a 404 on every page and API operation of every item.

冯静 (fengjing) heads 财务部 and is in no project. The module creates one item of every kind in projects and
between departments that are not hers (with the per-app test helpers), then walks *every* URL pattern of
the project and every operation of the OpenAPI schema, filling each path parameter with the matching
item. For her, GET and POST on an item's route are 404 (as for an id that does not exist; a 405 only where
the view refuses the method for everyone), nothing is audited and nothing changes; list, search and export
pages do not show the items; the admin sends her to its login. The quarterly review is for management, so
there the outsider is her 会计 何洋. A route whose parameter
has no mapping here fails the test, so a new route cannot escape the matrix. The positive control has
people who may see the items open the same routes, so a 404-for-everyone bug cannot pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils.regex_helper import normalize

from conftest import Company
from xietong.acceptance.retrospective import retrospective_go_live
from xietong.acceptance.tests.test_acceptance import judge, submit
from xietong.api import api
from xietong.archive.models import ArchiveRecord
from xietong.archive.tests.support import comment, drain, request_in, upload, withdraw
from xietong.core.models import AuditEvent
from xietong.core.tokens import api_token_create
from xietong.feedback.models import FeedbackInvitation
from xietong.incidents.services import ActionDraft, incident_review
from xietong.incidents.tests.test_incident_flow import assign as incident_assign
from xietong.incidents.tests.test_incident_flow import report as incident_report
from xietong.incidents.tests.test_incident_flow import resolve as incident_resolve
from xietong.items.models import WorkItem
from xietong.items.process import Process, processes
from xietong.lighter.services import customer_create
from xietong.lighter.tests.test_lighter import add_row, onboard
from xietong.meetings.ical import calendar_feed_reset
from xietong.meetings.models import ActionItem
from xietong.meetings.tests.helpers import apply as meeting_apply
from xietong.meetings.tests.helpers import noticed
from xietong.meetings.tests.test_minutes import sign as minutes_sign
from xietong.meetings.tests.test_minutes import write as minutes_write
from xietong.notices.tests.test_notices import publish
from xietong.notify.models import InboxMessage
from xietong.org.models import Person
from xietong.org.services import absence_set
from xietong.problems.tests.test_problem_flow import dispatch, file_problem
from xietong.progress.models import WeeklySummary
from xietong.progress.services import weekly_summary_due
from xietong.progress.tests.test_progress import post as progress_post
from xietong.progress.tests.test_progress import running_task
from xietong.reports.periods import Quarter
from xietong.reports.review import proposal_add, review_generate
from xietong.requests.changes import change_request
from xietong.requests.milestones import milestone_add
from xietong.requests.models import Request, RequestVersion
from xietong.requests.tests.test_request_flow import _published_task, at
from xietong.risks.services import delay_request, dispute_open
from xietong.risks.tests.test_risks import raise_exception

OUTSIDER = "fengjing"


@dataclass
class World:
    """Every item the matrix needs, by the name its routes use."""

    objects: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.objects[key]


def build_world(company) -> World:
    w = World()
    p = company.person
    # 智能手表项目 (产品部 → 软件开发部): a running task of 王强 with a progress update asking 李娜 for help,
    # an exception, a delay request and a dispute with 销售部.
    task = running_task(company)
    w.objects["task"] = task
    w.objects["request"] = Request.objects.get(pk=task.request_id)
    w.objects["participation"] = w["request"].participations.get()  # 参与部门及职责: the receiving department
    # A key node of the request, and a 需求变更 (V2) waiting for 已阅.
    with time_machine.travel(at("2026-10-09 10:30"), tick=False), transaction.atomic():
        request = Request.objects.get(pk=task.request_id)
        w.objects["milestone"] = milestone_add(
            actor=request.requester,
            request=request,
            title="推送SDK联调完成",
            owner=p("wangqiang"),
            due_date=dt.date(2026, 10, 20),
        )
        change_request(
            actor=request.requester,
            request=request,
            reason="客户要求补充保活方案",
            data={"goal": request.goal + "（含保活方案）"},
        )
    w.objects["request_change"] = RequestVersion.objects.get(request_id=task.request_id, number=2)
    w.objects["request"] = Request.objects.get(pk=task.request_id)
    w.objects["project"] = task.project
    w.objects["help_update"] = progress_post(
        company, task, "2026-10-09 11:00", text="推送SDK保活方案待定", needs_help=True, help_from=p("lina")
    )
    w.objects["exception"] = raise_exception(company, task, "2026-10-09 12:00")
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        w.objects["delay"] = delay_request(
            actor=p("wangqiang"), task=task, new_end_date=dt.date(2026, 10, 20), reason="需求变更", new_plan="顺延两天"
        )
    with time_machine.travel(at("2026-10-12 11:00"), tick=False), transaction.atomic():
        w.objects["dispute"] = dispute_open(
            actor=p("guoxin"),
            request=w["request"],
            department_b=company.department("sales"),
            title="续航指标是否写入销售承诺",
            position_a="未经验证的指标不得对外承诺",
        )
    with time_machine.travel(at("2026-10-09 15:00"), tick=False):
        weekly_summary_due()
    w.objects["weekly"] = WeeklySummary.objects.get(project=task.project)

    # A second request, delivered and accepted: its deliverable and the feedback invitations.
    accepted, _breakdown, _task = _published_task(company)
    accepted = Request.objects.get(pk=accepted.pk)
    deliverable = submit(company, accepted, when="2026-03-05 10:00")
    first, second = accepted.criteria.order_by("position")
    judge(company, deliverable, "pass", {first.pk: (True, ""), second.pk: (True, "")}, "2026-03-06 11:00")
    w.objects["deliverable"] = deliverable
    with time_machine.travel(at("2026-03-09 10:00"), tick=False), transaction.atomic():
        w.objects["retrospective"] = retrospective_go_live(actor=p("guoxin"), request=accepted)
    w.objects["invitation"] = FeedbackInvitation.objects.filter(request=accepted).exclude(person__username=OUTSIDER)[0]

    # A third one with a comment and an attachment, withdrawn and therefore archived. A picture: its page
    # shows it in place (the preview route), which outsiders must not reach either.
    closed = request_in(company, "smartwatch", "2026-05-18 09:00", title="智能手表项目-表带材料选型需求")
    comment(company, closed, "lina", "请补充过敏测试数据", "2026-05-18 10:00")
    w.objects["attachment"] = upload(
        company, closed, "guoxin", "spec.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "2026-05-18 11:00", topic="需求说明书"
    )
    withdraw(company, closed, "2026-05-20 10:00")

    # 会议: a noticed meeting of 智能手表项目 with signed minutes and an action item; a weekly series.
    meeting = noticed(company, invite=("lina", "zhaolei", "sunyu"))
    minutes_write(company, meeting, "2026-03-10 14:00", [("完成方案 B 的功耗验证", "wangqiang", dt.date(2026, 3, 20))])
    minutes_sign(company, meeting, "guoxin", "submit", "2026-03-10 14:10")
    minutes_sign(company, meeting, "guoxin", "approve", "2026-03-10 15:00")
    w.objects["meeting"] = meeting
    w.objects["action_item"] = ActionItem.objects.get(meeting=meeting)
    weekly_sync = meeting_apply(
        company,
        actor="lina",
        type_code="weekly-sync",
        project=company.project("q4-iteration"),
        invite=("liuyang",),
        start="2026-03-10 14:00",
        end="2026-03-10 14:30",
        repeat_until=dt.date(2026, 3, 24),
    ).meeting
    w.objects["series"] = weekly_sync.series
    with transaction.atomic():
        w.secrets["feed"] = calendar_feed_reset(person=p("lina"))

    # A notice to 研发中心 and 产品部 only; a problem of 售后服务响应流程优化 dispatched to 软件开发部.
    w.objects["notice"] = publish(company, departments=("rd", "product"), people=())
    problem = file_problem(company)
    dispatch(company, problem)
    w.objects["problem"] = problem

    # 紧急事项 reported by 王强 and led by 软件开发部 (no project), resolved and reviewed: one improvement action.
    incident = incident_report(
        company, when="2026-10-01 03:00", title="支付网关超时订单无法提交", description="支付网关超时，订单无法提交"
    )
    incident_assign(company, incident, "2026-10-01 03:05")
    incident_resolve(company, incident, "2026-10-01 05:00")
    with time_machine.travel(at("2026-10-09 10:00"), tick=False), transaction.atomic():
        (action,) = incident_review(
            actor=p("lina"),
            incident=incident,
            summary="发布前缺少连接池容量评估",
            actions=[ActionDraft("发布检查单增加连接池容量评估", p("chenjing"), dt.date(2026, 10, 16))],
        )
    w.objects["incident"] = incident
    w.objects["improvement"] = action

    # The lighter templates: a 销售部 customer requirement with a row, 杨帆's onboarding checklist.
    with time_machine.travel(at("2026-05-15 10:00"), tick=False), transaction.atomic():
        requirement = customer_create(
            actor=p("tangwen"), title="西南区渠道商-智能手表防水需求对接", customer="西南区渠道商（成都）"
        )
    add_row(company, requirement, "2026-05-15 17:00")
    w.objects["customer"] = requirement
    onboarding = onboard(company)
    w.objects["onboarding"] = onboarding
    w.objects["step"] = onboarding.steps.order_by("pk")[0]

    # 季度复盘 with a proposal (management only), someone else's inbox message and API token.
    with time_machine.travel(at("2026-10-10 10:00"), tick=False), transaction.atomic():
        review = review_generate(actor=p("liufang"), quarter=Quarter(2026, 3))
        w.objects["review"] = review
        w.objects["proposal"] = proposal_add(
            actor=p("liufang"), review=review, title="异常问题处理时限放宽", content="重大问题集中在节后"
        )
    w.objects["message"] = InboxMessage.objects.filter(recipient__username="lina").latest("pk")
    with transaction.atomic():
        w.objects["token"], _secret = api_token_create(person=p("wangqiang"), name="报表脚本")

    # The index sweep files the closed items in the archive and makes everything searchable.
    drain("2026-10-20 10:00")
    w.objects["archive"] = ArchiveRecord.objects.filter(subject_type="requests.request", subject_id=closed.pk).get()
    w.objects["person"] = p("caojing")  # 客户服务部: not hers
    with time_machine.travel(at("2026-10-10 10:00"), tick=False), transaction.atomic():
        w.objects["absence"] = absence_set(
            actor=p("lina"),
            person=p("lina"),
            stand_in=p("wangqiang"),
            starts_at=at("2026-10-12 09:00"),
            ends_at=at("2026-10-16 18:00"),
            reason="出差深圳",
        )
    # Every declared process with generic pages brings a sample item (<app>/tests/sample.py), none of hers.
    # A process designed as data: its items share one model; its sample publishes 费用报销 first.
    w.objects["expense"] = importlib.import_module("xietong.designer.tests.sample").sample(company)
    w.objects["designed_attachment"] = upload(  # its files over /api/processes/{key}/items/{id}/attachments/…
        company, w.objects["expense"], "guoxin", "发票.pdf", b"%PDF-1.4\n%%EOF\n", "2026-10-12 09:40", topic="发票"
    )
    for process in generic_processes():
        if process.key in w.objects:
            continue
        sample = importlib.import_module(f"{process.model.__module__.rsplit('.', 1)[0]}.tests.sample")
        w.objects[process.key] = sample.sample(company)
    # 流程设计: a definition the administrator made (the designer's pages are for designers only).
    from xietong.designer.models import ProcessDefinition
    from xietong.designer.tests.support import publish as definition_publish

    w.objects["definition"] = (
        ProcessDefinition.objects.filter(key="expense").first() or definition_publish(company).definition
    )
    return w


def generic_processes() -> list[Process]:
    """Declared processes with generic pages, and of the designed ones (registered by whatever tests ran
    before) the sample's 费用报销."""
    return [p for p in processes() if p.pages and (p.model._meta.app_label != "designer" or p.key == "expense")]


# --- Every route, its parameters filled from the world ----------------------------------------------

MISSING = 987654321  # an id no row has: what the outsider gets must look exactly like this

# A path parameter names the same kind of item in every app.
OBJECT_PARAMS = {
    "person_id": "person",
    "project_id": "project",
    "message_id": "message",
    "token_id": "token",
    "attachment_id": "attachment",
    "request_id": "request",
    "participation_id": "participation",
    "milestone_id": "milestone",
    "request_change_id": "request_change",
    "task_id": "task",
    "update_id": "help_update",
    "summary_id": "weekly",
    "report_id": "exception",
    "delay_id": "delay",
    "dispute_id": "dispute",
    "deliverable_id": "deliverable",
    "retrospective_id": "retrospective",
    "invitation_id": "invitation",
    "problem_id": "problem",
    "incident_id": "incident",
    "action_id": "improvement",
    "step_id": "step",
    "meeting_id": "meeting",
    "series_id": "series",
    "item_id": "action_item",
    "notice_id": "notice",
    "record_id": "archive",
    "review_id": "review",
    "proposal_id": "proposal",
    "absence_id": "absence",
    "definition_id": "definition",
    "designed_id": "expense",  # /api/processes/{key}/items/{designed_id}: an item of a designed process
}
# lighter's customers/<pk>/ and onboarding/<pk>/: the route's name says which.
PK_BY_NAME_PREFIX = {"customer-": "customer", "onboarding-": "onboarding"}
# A real transition or sub-action of each route, so that the 404 is not an "unknown action".
ACTIONS = {
    "request-do": "withdraw",
    "participation-do": "confirm",
    "milestone-do": "reach",
    "request-change-do": "confirm",
    "task-do": "cancel",
    "exception-do": "resolve",
    "dispute-do": "decide",
    "deliverable-rework": "start",
    "meeting-do": "cancel",
    "meeting-minutes-do": "return",
    "action-item-do": "complete",
    "notice-do": "withdraw",
    "problem-do": "withdraw",
}
EXPORT_KINDS = {"reports-request-export": ("spec", "deliverables", "feedback")}
# items/<subject_type>/<subject_id>/…: comments and attachments on every kind of process item.
SUBJECT_TYPES = {
    "requests.request": "request",
    "tasks.task": "task",
    "risks.exceptionreport": "exception",
    "risks.delayrequest": "delay",
    "risks.dispute": "dispute",
    "acceptance.deliverable": "deliverable",
    "acceptance.retrospective": "retrospective",
    "meetings.meeting": "meeting",
    "meetings.actionitem": "action_item",
    "notices.notice": "notice",
    "problems.problem": "problem",
    "incidents.incident": "incident",
    "incidents.improvementaction": "improvement",
    "lighter.customerrequirement": "customer",
    "lighter.onboarding": "onboarding",
    **{p.model._meta.label_lower: p.key for p in processes() if p.pages},
    "designer.designeditem": "expense",  # a designed process (its sample publishes 费用报销)
}
# The quarterly review is management material (reports.review.may_propose: coordinators, department heads,
# division leaders, the general manager): 冯静 heads 财务部 and may read it, her 会计 何洋 is the outsider.
OUTSIDER_BY_NAME = {
    name: "heyang" for name in ("review-detail", "review-pick", "proposal-create", "review-pdf", "proposal-decide")
}
# The insider of the control: 刘芳 (coordinator, sees everything), unless only one person may open the route.
INSIDER_BY_OBJECT = {
    "invitation": None,
    "message": "lina",
    "token": "wangqiang",
    "absence": "lina",
}  # None: the invitee
INSIDER_BY_NAME = {
    "person-hand-over": "admin",  # only an administrator hands a leaving person's work over
    # 刘芳 reads the administrator's definition but may not change it: deleting it (or its draft) is a 404 for her.
    "designer-delete": "admin",
    "designer-discard": "admin",
    "designer-edit": "admin",  # her editor of his definition is a 404 too (she reads it under 版本)
}

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


@dataclass(frozen=True)
class Pattern:
    parts: tuple  # the RoutePattern / RegexPattern of every include level
    name: str | None
    callback: Any

    @property
    def template(self) -> str:
        return "".join(str(part) for part in self.parts)

    @property
    def params(self) -> list[str]:
        names: list[str] = []
        for part in self.parts:
            if isinstance(part, RoutePattern):
                names += [m["parameter"] for m in _PARAM.finditer(str(part))]
            else:
                names += list(part.regex.groupindex)
        return names

    def url(self, values: dict[str, Any]) -> str:
        out = "/"
        for part in self.parts:
            if isinstance(part, RoutePattern):
                out += _PARAM.sub(lambda m: str(values[m["parameter"]]), str(part))
            else:
                template, _names = normalize(part.regex.pattern)[0]
                out += template % {k: str(v) for k, v in values.items()}
        return out


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, includes followed (the admin and the API included)."""

    def walk(patterns, parts: tuple) -> Iterator[Pattern]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, (*parts, pattern.pattern))
            else:
                yield Pattern((*parts, pattern.pattern), pattern.name, pattern.callback)

    return list(walk(get_resolver().url_patterns, ()))


@dataclass
class Case:
    """One URL of an item route: the outsider must get what an id that does not exist gets."""

    template: str
    name: str | None
    url: str
    missing_url: str
    objects: list[Any]
    outsider: str = OUTSIDER
    insider: str = "liufang"


def item_cases(world: World) -> tuple[list[Case], list[Pattern], list[str]]:
    """(cases of the item routes, the routes without an item, routes whose parameters have no mapping)."""
    cases: list[Case] = []
    plain: list[Pattern] = []
    unmapped: list[str] = []
    for pattern in url_patterns():
        template, name, params = pattern.template, pattern.name or "", pattern.params
        if template.startswith(("api/", "admin/")):
            continue  # the API goes by its OpenAPI schema, the admin by its own test below
        if set(params) <= {"fmt", "token", "uidb64"}:
            plain.append(pattern)  # no item in the path: lists, exports of lists, the calendar feed, a reset link
            continue
        variants: list[tuple[dict[str, Any], dict[str, Any], list[Any]]] = [({}, {}, [])]
        if "key" in params:  # /p/<key>/…: the generic pages of every declared process
            variants = [
                ({"key": p.key, "pk": world[p.key].pk, "action": p.steps[0].name}, {"key": p.key, "pk": MISSING, "action": p.steps[0].name}, [world[p.key]])
                for p in generic_processes()
            ]  # fmt: skip
            if "pk" not in params:
                plain.append(pattern)
                continue
        for param in params:
            if param in ("key", "pk", "action") and "key" in params:
                continue
            if param == "subject_type" and "subject_id" in params:
                variants = [
                    ({**v, "subject_type": t, "subject_id": world[key].pk}, {**m, "subject_type": t, "subject_id": MISSING}, [*o, world[key]])
                    for v, m, o in variants
                    for t, key in SUBJECT_TYPES.items()
                ]  # fmt: skip
            elif param == "subject_id":
                continue
            elif param == "action" and name in ACTIONS:
                variants = [({**v, param: ACTIONS[name]}, {**m, param: ACTIONS[name]}, o) for v, m, o in variants]
            elif param == "kind" and name in EXPORT_KINDS:
                variants = [({**v, param: k}, {**m, param: k}, o) for v, m, o in variants for k in EXPORT_KINDS[name]]
            else:
                key = OBJECT_PARAMS.get(param)
                if param == "pk":
                    key = next((k for prefix, k in PK_BY_NAME_PREFIX.items() if name.startswith(prefix)), None)
                if key is None:
                    unmapped.append(f"{template} (name {name!r}): no item for <{param}>")
                    break
                obj = world[key]
                variants = [({**v, param: obj.pk}, {**m, param: MISSING}, [*o, obj]) for v, m, o in variants]
        else:
            for values, missing, objects in variants:
                keys = {k for k, v in world.objects.items() if any(v is o for o in objects)}
                insider = "liufang"
                for key in keys & INSIDER_BY_OBJECT.keys():
                    insider = INSIDER_BY_OBJECT[key] or world[key].person.username
                cases.append(
                    Case(
                        template=template,
                        name=name,
                        url=pattern.url(values),
                        missing_url=pattern.url(missing),
                        objects=objects,
                        outsider=OUTSIDER_BY_NAME.get(name, OUTSIDER),
                        insider=INSIDER_BY_NAME.get(name, insider),
                    )
                )
    return cases, plain, unmapped


# --- What the outsider may not change ------------------------------------------------------------------


def _count_all_tables() -> str:
    """One query counting the rows of every table but the sessions: creating anything shows."""
    tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True) if m is not Session})
    quote = connection.ops.quote_name
    return "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)}) AS {quote(t)}" for t in tables)


def snapshot(objects: list[Any], *, tables: bool = True) -> dict[str, Any]:
    """The stored fields of the named items and the audit trail's length; with `tables`, the row count of
    every table too (one query, but a slow one on PostgreSQL: the loops take it once per route)."""
    state: dict[str, Any] = {"audit events": AuditEvent.objects.count()}
    if tables:
        with connection.cursor() as cursor:
            cursor.execute(_count_all_tables())
            state.update(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    for obj in objects:
        state[f"{obj._meta.label}#{obj.pk}"] = type(obj)._base_manager.filter(pk=obj.pk).values().first()
    return state


def changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    diff = [f"{k}: {before[k]!r} → {after.get(k)!r}" for k in before if before[k] != after.get(k)]
    return "; ".join(diff)[:600]


def client_as(username: str) -> Client:
    client = Client()
    client.force_login(Person.objects.get(username=username))
    return client


def post_data(objects: list[Any]) -> dict[str, Any]:
    """What a form would send: the version it was loaded at, a reason, a body, a file …"""
    version = next((o.version for o in objects if hasattr(o, "version")), 1)
    return {
        "version": version,
        "expected_version": version,
        "reason": "越权操作测试",
        "body": "越权评论",
        "answer": "越权答复",
        "note": "越权备注",
        "title": "越权修改的标题",
        "name": "越权",
        "text": "越权进度",
        "percent": "50",
        "decision": "approve",
        "outcome": "pass",
        "response": "accepted",
        "resolution": "越权处理",
        "topic": "越权附件",
        "file": SimpleUploadedFile("x.txt", b"outsider"),
    }


def call(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> HttpResponse | str:
    """The response, or the exception a view raised (a 500), as text."""
    try:
        with transaction.atomic():  # a failing view must not break the test's transaction (PostgreSQL)
            return client.post(url, data or {}) if method == "POST" else client.get(url)
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"[:300]


def rolled_back(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> HttpResponse | str:
    """Like call(), but whatever the request writes is undone: the insiders' control changes nothing."""
    try:
        with transaction.atomic():
            response = client.post(url, data or {}) if method == "POST" else client.get(url)
            transaction.set_rollback(True)
            return response
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"[:300]


def status(response: HttpResponse | str) -> int | str:
    return response if isinstance(response, str) else response.status_code


def markers() -> dict[str, str]:
    """Number and title of every process item in the database → what it is. None of them is hers."""
    found: dict[str, str] = {}
    for model in apps.get_models():
        if issubclass(model, WorkItem):
            for number, title in model._base_manager.values_list("number", "title"):
                found[number] = found[title] = f"{model._meta.label_lower} {number}"
    return found


def text_of(response: HttpResponse) -> str | None:
    """What a person would read in a response; None for a format this test cannot read (PDF)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if content[:2] == b"PK":  # xlsx, zip: the text of every part
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if "pdf" in kind:
        return None
    return content.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module, in a transaction rolled back at its end; each test runs in a savepoint
    inside it (pytest-django's `db`), so the tests cannot change what the next one sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        company = Company()
        w = build_world(company)
        outsider = company.person(OUTSIDER)
        for model in apps.get_models():
            if issubclass(model, WorkItem):
                seen = list(model.objects.restrict(outsider).values_list("number", flat=True))
                assert not seen, f"the matrix needs items she cannot see, but 冯静 sees {model.__name__} {seen}"
        yield w
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _in_a_savepoint(db):
    """Every test of this module runs in pytest-django's transaction, nested in the world's."""


def test_every_item_route_has_its_item_and_every_item_kind_is_covered(world):
    cases, _plain, unmapped = item_cases(world)
    assert not unmapped, "routes with a parameter this matrix cannot fill — map them above:\n" + "\n".join(unmapped)
    kinds = {m._meta.label_lower for m in apps.get_models() if issubclass(m, WorkItem) and m._meta.app_label != "probe"}
    assert kinds == set(SUBJECT_TYPES), "a process item kind is missing from SUBJECT_TYPES (and from the world)"
    assert len(cases) >= 110


def test_outsider_gets_404_on_every_item_route_and_changes_nothing(world):
    cases, _plain, _unmapped = item_cases(world)
    clients = {username: client_as(username) for username in {case.outsider for case in cases}}  # logins are audited
    failures: list[str] = []
    tables = snapshot([])
    for case in cases:
        client = clients[case.outsider]
        answered_404 = False
        for method in ("GET", "POST"):
            data = post_data(case.objects) if method == "POST" else None
            before = snapshot(case.objects, tables=False)
            response = call(client, method, case.url, data)
            after = snapshot(case.objects, tables=False)
            code = status(response)
            where = f"{method} {case.url} [{case.template}] as {case.outsider}"
            if code == 404:
                answered_404 = True
            elif code == 405:  # the view refuses the method before looking anything up: same for a missing id
                missing = status(call(client, method, case.missing_url, post_data([]) if data else None))
                if missing != 405:
                    failures.append(f"{where}: 405, but {missing} for an id that does not exist")
            else:
                failures.append(f"{where}: {code}, expected 404")
            if delta := changes(before, after):
                failures.append(f"{where} changed something: {delta}")
        if not answered_404:
            failures.append(f"{case.url} [{case.template}]: neither GET nor POST answered 404")
        if delta := changes(tables, tables := snapshot([])):
            failures.append(f"GET or POST {case.url} [{case.template}] wrote rows: {delta}")
    assert not failures, f"{len(failures)} problems on {len(cases)} item URLs:\n" + "\n".join(failures)


def test_admin_sends_a_non_staff_outsider_to_its_login_for_every_object(world):
    from django.contrib.contenttypes.models import ContentType

    client = client_as(OUTSIDER)
    failures: list[str] = []
    covered = 0
    tables = snapshot([])
    for pattern in url_patterns():
        if not pattern.template.startswith("admin/") or not pattern.params:
            continue  # the admin's pages without an object are read with the lists below
        model_admin = getattr(pattern.callback, "model_admin", None)
        model = model_admin.model if model_admin else Request
        row = model._base_manager.order_by("pk").first()
        values = {
            "object_id": row.pk if row else 1,
            "app_label": "requests",
            "content_type_id": ContentType.objects.get_for_model(Request).pk,
            "url": "no-such-page/",
            "id": world["person"].pk,
        }
        if set(pattern.params) - values.keys():
            failures.append(f"{pattern.template}: no value for {set(pattern.params) - values.keys()}")
            continue
        if "content_type_id" in pattern.params:
            values["object_id"] = world["request"].pk
        url = pattern.url(values)
        covered += 1
        for method in ("GET", "POST"):
            before = snapshot([row] if row else [], tables=False)
            response = call(client, method, url, post_data([row] if row else []) if method == "POST" else None)
            code, location = status(response), getattr(response, "get", lambda _k, _d="": "")("Location", "")
            if code != 302 or not location.startswith("/admin/login/"):
                failures.append(f"{method} {url}: {code} {location}, expected the admin login")
            if delta := changes(before, snapshot([row] if row else [], tables=False)):
                failures.append(f"{method} {url} changed something: {delta}")
    if delta := changes(tables, snapshot([])):
        failures.append(f"the admin's URLs wrote rows: {delta}")
    assert covered > 100
    assert not failures, "\n".join(failures)


# --- The API: every operation of the OpenAPI schema ---------------------------------------------------

API_PK = {"/api/lighter/customers/": "customer", "/api/lighter/onboarding/": "onboarding"}
API_TRANSITIONS = {  # the longest prefix wins
    "/api/meetings/action-items/": "complete",
    "/api/meetings/": "cancel",
    "/api/requests/": "withdraw",
    "/api/tasks/": "cancel",
    "/api/problems/": "withdraw",
    "/api/notices/": "withdraw",
    "/api/incidents/": "control",
    "/api/incidents/actions/": "done",
    "/api/lighter/customers/": "close",
    "/api/lighter/onboarding/": "step_done",
    "/api/risks/exceptions/": "resolve",
    "/api/risks/delays/": "refuse",
    "/api/processes/": "withdraw",
    "/api/risks/disputes/": "agree",
    "/api/deliverables/": "start_rework",
    "/api/retrospectives/": "file",
    "/api/feedback/": "submit",
}
_API_PARAM = re.compile(r"\{(\w+)\}")


def _prefixed(table: dict[str, str], path: str) -> str | None:
    matches = [prefix for prefix in table if path.startswith(prefix)]
    return table[max(matches, key=len)] if matches else None


@functools.cache
def openapi_schema() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/")


def api_fill(path: str, world: World) -> tuple[str, str, list[Any]] | str:
    """(url, url with a missing id, items) for an OpenAPI path, or why it cannot be filled."""
    values: dict[str, Any] = {}
    missing: dict[str, Any] = {}
    objects: list[Any] = []
    for param in _API_PARAM.findall(path):
        if param == "name" and (name := _prefixed(API_TRANSITIONS, path)):
            values[param] = missing[param] = name
            continue
        if param == "key" and path.startswith("/api/processes/"):
            values[param] = missing[param] = "expense"  # the designed process of the sample
            continue
        key = _prefixed(API_PK, path) if param == "pk" else OBJECT_PARAMS.get(param)
        if param == "attachment_id" and path.startswith("/api/processes/"):
            key = "designed_attachment"  # a file of the designed item, not of the request
        if key is None:
            return f"{path}: no item for {{{param}}}"
        values[param], missing[param] = world[key].pk, MISSING
        objects.append(world[key])
    return path.format(**values), path.format(**missing), objects


def example(schema: dict, components: dict, version: int) -> Any:
    """A small instance the schema accepts: required fields only, and the item's version."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[1]], components, version)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [s for s in schema[combinator] if s.get("type") != "null"]
            return example(options[0], components, version)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", ()))
        return {
            name: version if name in ("version", "expected_version") else example(sub, components, version)
            for name, sub in schema.get("properties", {}).items()
            if name in required or name in ("version", "expected_version")
        }
    if kind == "array":
        return [example(schema["items"], components, version) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return {"date": "2026-12-01", "date-time": "2026-12-01T10:00:00+08:00"}.get(schema.get("format", ""), "越权")
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    return None


@dataclass
class ApiCase:
    method: str
    path: str
    url: str
    missing_url: str
    objects: list[Any]
    body: Any
    insider: str = "liufang"


def api_cases(world: World) -> tuple[list[ApiCase], list[str], list[str]]:
    """(operations with an item in the path, the list operations' paths, paths that cannot be filled)."""
    schema = openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    cases: list[ApiCase] = []
    lists: list[str] = []
    unmapped: list[str] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if _API_PARAM.findall(path) == ["key"] and path.startswith("/api/processes/"):
                if method == "get":  # a designed process's list: what she may see of the sample's 费用报销
                    lists.append(path.format(key="expense"))
                continue  # starting an item names no item
            if "{" not in path:
                if method == "get":
                    lists.append(path)
                continue
            filled = api_fill(path, world)
            if isinstance(filled, str):
                unmapped.append(filled)
                continue
            url, missing_url, objects = filled
            version = next((o.version for o in objects if hasattr(o, "version")), 1)
            body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body = example(body_schema, components, version) if body_schema else None
            insider = "liufang"
            for key, username in INSIDER_BY_OBJECT.items():
                if any(o is world.objects[key] for o in objects):
                    insider = username or world[key].person.username
            cases.append(ApiCase(method.upper(), path, url, missing_url, objects, body, insider))
    return cases, lists, unmapped


def api_call(token: str, case: ApiCase, url: str, *, rollback: bool = False) -> HttpResponse | str:
    client = Client()
    kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if case.body is not None:
        kwargs.update(data=json.dumps(case.body, ensure_ascii=False), content_type="application/json")
    try:
        with transaction.atomic():
            response = client.generic(case.method, url, **kwargs)
            transaction.set_rollback(rollback)
            return response
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"[:300]


def token_of(username: str) -> str:
    with transaction.atomic():
        return api_token_create(person=Person.objects.get(username=username), name="权限矩阵")[1]


def test_every_api_route_is_in_the_schema_and_has_its_item(world):
    documented = {path.lstrip("/") for path in openapi_schema()["paths"]}
    routed = {
        re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", p.template) for p in url_patterns() if p.template.startswith("api/")
    }
    assert not {r for r in routed if "{" in r} - documented, "API routes with a parameter missing from the schema"
    cases, _lists, unmapped = api_cases(world)
    assert not unmapped, "API paths with a parameter this matrix cannot fill:\n" + "\n".join(unmapped)
    assert len(cases) >= 45


def test_outsider_gets_404_from_every_api_operation_and_changes_nothing(world):
    token = token_of(OUTSIDER)
    cases, _lists, _unmapped = api_cases(world)
    failures: list[str] = []
    for case in cases:
        before = snapshot(case.objects)
        response = api_call(token, case, case.url)
        delta = changes(before, snapshot(case.objects))
        where = f"{case.method} {case.url} [{case.path}] as {OUTSIDER}"
        code = status(response)
        if isinstance(response, str) or code != 404:
            failures.append(f"{where}: {code}, expected 404 {getattr(response, 'content', b'')[:200]!r}")
        elif response.json().get("code") != "not_found":
            failures.append(f"{where}: 404 with {response.json()}")
        else:
            missing = api_call(token, case, case.missing_url)
            if isinstance(missing, str) or missing.json() != response.json():
                failures.append(
                    f"{where}: answers {response.json()}, a missing id {getattr(missing, 'content', missing)!r}"
                )
        if delta:
            failures.append(f"{where} changed something: {delta}")
    assert not failures, f"{len(failures)} problems on {len(cases)} API operations:\n" + "\n".join(failures)


# --- Pages without an item in the path: lists, search, dashboards, exports, the calendar feed ------------


def plain_urls(world: World, plain: list[Pattern], *, filtered: bool = True) -> list[str]:
    """Each page as it opens and (`filtered`) with filters naming a project and a department not hers, for
    the quarters the items fall in (the reports); then the search for every item's number and title."""
    filters = urlencode(
        {
            "q": "智能手表",
            "scope": "all",
            "state": "open",
            "period": "2026Q4",
            "project": world["project"].pk,
            "department": world["task"].department_id,
            "filter": "all",
        }
    )
    urls: list[str] = []
    for pattern in plain:
        if "fmt" in pattern.params:
            bases = [pattern.url({"fmt": fmt}) for fmt in ("xlsx", "pdf")]
        elif "token" in pattern.params:
            continue  # the calendar feed: its own test
        elif "key" in pattern.params:
            bases = [pattern.url({"key": p.key}) for p in generic_processes()]
        else:
            bases = [pattern.url({})]
        for base in bases:
            urls.append(base)
            if filtered and not pattern.template.startswith("admin/"):
                urls.append(f"{base}?{filters}")
                if pattern.template.startswith("reports/"):
                    urls += [f"{base}?{filters.replace('2026Q4', quarter)}" for quarter in ("2026Q1", "2026Q2")]
    for text in sorted(set(markers())):
        urls.append(f"/search/?{urlencode({'q': text})}")
    return urls


def test_lists_search_and_exports_do_not_show_her_the_items(world):
    _cases, plain, _unmapped = item_cases(world)
    plain += [p for p in url_patterns() if p.template.startswith("admin/") and not p.params]
    secret = markers()
    client = client_as(OUTSIDER)
    failures: list[str] = []
    unread: list[str] = []
    tables = snapshot([])
    for url in plain_urls(world, plain):
        before = snapshot([], tables=False)
        response = call(client, "GET", url)
        if delta := changes(before, snapshot([], tables=False)):
            failures.append(f"GET {url} changed something: {delta}")
        if isinstance(response, str) or response.status_code >= 500:
            failures.append(f"GET {url}: {status(response)}")
            continue
        if response.status_code != 200:
            continue
        text = text_of(response)
        if text is None:
            unread.append(url)
            continue
        if url.startswith("/search/") and (typed := parse_qs(urlsplit(url).query).get("q")):
            text = text.replace(typed[0], "")  # the search box repeats what she typed: that is not a result
        shown = sorted({what for marker, what in secret.items() if marker in text})
        if shown:
            failures.append(f"GET {url} shows {OUTSIDER} {', '.join(shown)}")
    if delta := changes(tables, snapshot([])):
        failures.append(f"reading the lists wrote rows: {delta}")
    api_lists = api_cases(world)[1]
    token = token_of(OUTSIDER)
    for path in api_lists:
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            failures.append(f"GET {path} (API): {response.status_code}")
        elif shown := sorted({what for marker, what in secret.items() if marker in response.content.decode()}):
            failures.append(f"GET {path} (API) shows {OUTSIDER} {', '.join(shown)}")
    # The calendar feed is reached by its secret token, not a login: her own feed has none of the meetings
    # (read the week before the meeting, while it is in every invitee's feed), a made-up token is a 404.
    with transaction.atomic():
        own_feed = calendar_feed_reset(person=Person.objects.get(username=OUTSIDER))
    with time_machine.travel(at("2026-03-09 12:00"), tick=False):
        feed = Client().get(reverse("meeting-feed", args=[own_feed]))
    assert feed.status_code == 200
    if shown := sorted({what for marker, what in secret.items() if marker in feed.content.decode()}):
        failures.append(f"her calendar feed shows {', '.join(shown)}")
    assert Client().get(reverse("meeting-feed", args=["cal_" + "0" * 32])).status_code == 404
    assert all(".pdf" in url for url in unread), f"responses this test cannot read: {unread}"
    assert not failures, "\n".join(failures)


# --- Positive control: the same routes open for the people who may see the items -------------------------

# A member of the item's project or department (no special role) opens its page with a 200.
MEMBERS = {
    "request-detail": "guoxin",
    "breakdown": "guoxin",
    "task-detail": "wangqiang",
    "tracking": "wangqiang",
    "weekly-summary": "wangqiang",
    "exception-detail": "wangqiang",
    "delay-detail": "wangqiang",
    "dispute-detail": "guoxin",
    "deliverable-detail": "lina",
    "feedback-summary": "guoxin",
    "meeting-detail": "zhaolei",
    "meeting-series": "liuyang",
    "action-item-detail": "wangqiang",
    "notice-detail": "xuming",
    "problem-detail": "caojing",
    "incident-detail": "chenjing",
    "improvement-detail": "chenjing",
    "customer-detail": "tangwen",
    "onboarding-detail": "yangfan",
    "archive-detail": "guoxin",
    "project-detail": "wangqiang",
    "person-detail": "dengli",
}


def test_control_insiders_open_the_same_routes(world):
    cases, _plain, _unmapped = item_cases(world)
    clients: dict[str, Client] = {}

    def client(username: str) -> Client:
        return clients.get(username) or clients.setdefault(username, client_as(username))

    failures: list[str] = []
    members_checked = set()
    for case in cases:
        for method in ("GET", "POST"):
            data = post_data(case.objects) if method == "POST" else None
            code = status(rolled_back(client(case.insider), method, case.url, data))
            if code == 404 or not isinstance(code, int) or code >= 500:
                failures.append(f"{method} {case.url} [{case.template}] as {case.insider}: {code}")
        if case.name in MEMBERS:
            member = MEMBERS[case.name]
            code = status(rolled_back(client(member), "GET", case.url))
            members_checked.add(case.name)
            if code != 200:
                failures.append(f"GET {case.url} as the member {member}: {code}, expected 200")
    assert members_checked == set(MEMBERS)

    # The lists and the search are not empty for everyone: between them, 刘芳 sees every item of the world.
    secret = markers()
    liufang = client("liufang")
    _cases, plain, _unmapped = item_cases(world)
    seen: set[str] = set()
    for url in plain_urls(world, plain, filtered=False):
        response = rolled_back(liufang, "GET", url)
        if not isinstance(response, str) and response.status_code == 200 and (text := text_of(response)):
            if url.startswith("/search/") and (typed := parse_qs(urlsplit(url).query).get("q")):
                text = text.replace(typed[0], "")
            seen |= {what for marker, what in secret.items() if marker in text}
    assert not set(secret.values()) - seen, f"no list or search shows 刘芳 {set(secret.values()) - seen}"
    request = world["request"]
    assert request.number in liufang.get("/requests/?scope=all").content.decode()
    found = liufang.get(f"/search/?{urlencode({'q': request.number})}").content.decode()
    assert request.title in found, "the search finds the items for someone who may see them"
    with time_machine.travel(at("2026-03-09 12:00"), tick=False):
        feed = Client().get(reverse("meeting-feed", args=[world.secrets["feed"]])).content.decode()
    assert world["meeting"].title in feed, "李娜's feed shows the meeting she is invited to"

    tokens: dict[str, str] = {}
    member_token = token_of("wangqiang")
    api, _lists, _unmapped = api_cases(world)
    for case in api:
        token = tokens.get(case.insider) or tokens.setdefault(case.insider, token_of(case.insider))
        code = status(api_call(token, case, case.url, rollback=True))
        if code == 404 or not isinstance(code, int) or code >= 500:
            failures.append(f"{case.method} {case.url} [{case.path}] as {case.insider}: {code}")
    for url in (
        f"/api/tasks/{world['task'].pk}",
        f"/api/requests/{request.pk}",
        f"/api/meetings/{world['meeting'].pk}",
    ):
        response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {member_token}")
        if response.status_code != 200:
            failures.append(f"GET {url} as the member wangqiang: {response.status_code}")
    assert not failures, "\n".join(failures)
