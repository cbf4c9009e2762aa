"""A quarter of clocks written out by hand (2026Q2, working day 09:00–12:00, 13:30–18:00), so that every
figure of the reports can be checked against arithmetic done in the comments.

软件开发部 (rd-software)
  c1 李娜  响应   start 04-14 09:00  due 04-14 11:00  met 04-14 10:00  → on time, 1 h of 2 h
  c2 李娜  响应   start 04-14 09:00  due 04-14 11:00  met 04-14 14:30  → late, 3 h + 1 h = 4 h of 2 h
  c3 李娜  响应   start 04-15 09:00  due 04-15 11:00  fired, never met → ran out unmet (open, overdue)
           escalated: level 1 on 04-17, level 2 on 04-20
  c4 王强  会议纪要 start 04-15 09:00 due 04-15 18:00 met 04-15 16:30 → on time, 3 h + 3 h = 6 h of 7.5 h
  c5 王强  响应   start 04-16 09:00  due 04-16 11:00  cancelled unmet   → not judged, closed
产品部 (product)
  c6 郭鑫  验收   start 04-14 09:00  due 04-15 12:00  met 04-15 12:00  → on time (at the due minute), 10.5 h of 10.5 h
  c7 郭鑫  响应   start 06-30 09:00  due 06-30 17:00  armed            → open, not yet due at "now" (06-30 10:00)
Outside the figures: a reminder clock of c1 (not a limit's own clock), c8 due 07-02 (next quarter),
an escalation on 03-31 (last quarter).
Feedback on the requests received by 软件开发部: 2026Q2 (5,4,3) and (3,4,5); 2026Q1 (2,2,2).
"""

from __future__ import annotations

from xietong.archive.tests.support import request_in
from xietong.clocks.models import Clock, Escalation
from xietong.feedback.models import Feedback, FeedbackInvitation
from xietong.requests.tests.test_request_flow import at

NOW = "2026-06-30 10:00"


def _clock(
    subject, owner, department, limit, start, due, *, met=None, state="cancelled", closed=None, kind=None, level=0
):
    return Clock.objects.create(
        subject_type="requests.request",
        subject_id=subject.pk,
        limit=limit,
        kind=kind or limit,
        level=level,
        state=state,
        mode="working",
        owner=owner,
        department=department,
        anchor_at=at(start),
        offset_us=0,
        due_at=at(due),
        limit_due_at=at(due),
        met_at=at(met) if met else None,
        closed_at=at(closed) if closed else (at(met) if met else None),
        created_at=at(start),
    )


def build(company) -> dict:
    r1 = request_in(company, "smartwatch", "2026-04-13 09:00", submit=False, title="续航优化需求评审")
    r2 = request_in(company, "q4-iteration", "2026-04-13 09:00", submit=False, title="登录故障修复需求")
    lina, wangqiang, guoxin = company.person("lina"), company.person("wangqiang"), company.person("guoxin")
    soft, product = company.department("rd-software"), company.department("product")
    c = {}
    c["c1"] = _clock(r1, lina, soft, "respond", "2026-04-14 09:00", "2026-04-14 11:00", met="2026-04-14 10:00")
    c["c2"] = _clock(r1, lina, soft, "respond", "2026-04-14 09:00", "2026-04-14 11:00", met="2026-04-14 14:30")
    c["c3"] = _clock(r2, lina, soft, "respond", "2026-04-15 09:00", "2026-04-15 11:00", state="fired")
    c["c4"] = _clock(r1, wangqiang, soft, "minutes", "2026-04-15 09:00", "2026-04-15 18:00", met="2026-04-15 16:30")
    c["c5"] = _clock(r2, wangqiang, soft, "respond", "2026-04-16 09:00", "2026-04-16 11:00", closed="2026-04-16 10:00")
    c["c6"] = _clock(r1, guoxin, product, "review", "2026-04-14 09:00", "2026-04-15 12:00", met="2026-04-15 12:00")
    c["c7"] = _clock(r1, guoxin, product, "respond", "2026-06-30 09:00", "2026-06-30 17:00", state="armed")
    _clock(r1, lina, soft, "respond", "2026-04-14 09:00", "2026-04-14 10:30", kind="remind", state="fired")
    _clock(r1, guoxin, product, "respond", "2026-07-01 09:00", "2026-07-02 11:00", met="2026-07-02 10:00")
    for level, when in ((1, "2026-04-17 09:00"), (2, "2026-04-20 09:00")):
        e = _clock(r2, lina, soft, "respond", "2026-04-15 09:00", when, kind="escalate", level=level, state="fired")
        Escalation.objects.create(
            clock=e, subject_type="requests.request", subject_id=r2.pk, limit="respond", level=level,
            target=company.person("zhangwei"), target_role="department_head", at=at(when),
        )  # fmt: skip
    old = _clock(
        r2, lina, soft, "respond", "2026-03-30 09:00", "2026-03-31 09:00", kind="escalate", level=1, state="fired"
    )
    Escalation.objects.create(
        clock=old, subject_type="requests.request", subject_id=r2.pk, limit="respond", level=1,
        target=company.person("zhangwei"), target_role="department_head", at=at("2026-03-31 09:00"),
    )  # fmt: skip
    for username, scores, when, suggestion in (
        ("guoxin", (5, 4, 3), "2026-05-10 10:00", "验收标准应在需求阶段量化"),
        ("zhaolei", (3, 4, 5), "2026-05-11 10:00", ""),
        ("huangmin", (2, 2, 2), "2026-03-10 10:00", "沟通太慢"),
    ):
        invitation = FeedbackInvitation.objects.create(request=r1, person=company.person(username), state="answered")
        Feedback.objects.create(
            invitation=invitation, communication=scores[0], division=scores[1], timeliness=scores[2],
            suggestion=suggestion, at=at(when),
        )  # fmt: skip
    return {"r1": r1, "r2": r2, **c}
