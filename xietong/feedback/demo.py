"""Demo collaboration feedback (协作反馈表) on the completed 续航优化 request: three participants have
answered, the others still have it on their workbench. Idempotent: answered invitations stay."""

from __future__ import annotations

from django.db import transaction

from xietong.clocks.demo import replay_clocks
from xietong.core.demo import at_instant
from xietong.feedback.models import Feedback, FeedbackInvitation
from xietong.feedback.services import feedback_submit
from xietong.requests.demo import BATTERY
from xietong.workcal.demo import working_day_before

ANSWERS = [
    # who, hour (1 working day ago), communication, division, timeliness, suggestion
    ("guoxin", "14:00", 5, 4, 5, "响应及时；建议芯片选型阶段提前邀请生产部评估供货"),
    ("zhaolei", "15:30", 4, 4, 3, "测试资源紧张，样机续航测试排队 1 天，建议提前预约测试设备"),
    ("sunyu", "16:10", 4, 5, 4, ""),
]


@transaction.atomic
def seed_demo_feedback() -> dict[str, int]:
    pending = {
        i.person.username: i
        for i in FeedbackInvitation.objects.filter(request__title=BATTERY, state="pending").select_related("person")
    }
    for username, hour, communication, division, timeliness, suggestion in ANSWERS:
        invitation = pending.get(username)
        if invitation is None:
            continue
        when = working_day_before(1, hour)
        replay_clocks(when)
        with at_instant(when):
            feedback_submit(
                actor=invitation.person,
                invitation_id=invitation.pk,
                communication=communication,
                division=division,
                timeliness=timeliness,
                suggestion=suggestion,
            )
    return {"feedback": Feedback.objects.count()}
