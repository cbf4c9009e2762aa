"""One resolved and reviewed incident for the demo company, with a realistic timeline. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xietong.core.demo import at_instant
from xietong.incidents.models import Incident
from xietong.incidents.services import (
    ActionDraft,
    incident_acknowledge,
    incident_assign_team,
    incident_control,
    incident_notice_save,
    incident_plan,
    incident_post_update,
    incident_report,
    incident_resolve,
    incident_review,
    incident_written_report,
)
from xietong.org.models import Department, Person
from xietong.workcal.demo import working_day_before

TITLE = "App 登录失败，客服电话激增"


@transaction.atomic
def seed_demo_incidents() -> dict[str, int]:
    people = {
        p.username: p
        for p in Person.objects.filter(username__in=["pengbo", "lina", "wangqiang", "chenjing", "caojing", "sunyu"])
    }
    if len(people) < 6 or Incident.objects.filter(title=TITLE).exists():
        return {"incidents": Incident.objects.count()}
    start = working_day_before(6, "20:10")

    def at(minutes: int):
        return at_instant(start + dt.timedelta(minutes=minutes))

    with at(0):
        incident = incident_report(
            actor=people["pengbo"],
            title=TITLE,
            description="App 登录失败，提示“网络异常”；客服热线 10 分钟内来电 200+",
            scope="全国 App 用户，约 1000+ 次登录失败/分钟",
            measures_taken="客服已启用统一答复口径；重启登录服务无效",
            responsible_department=Department.objects.get(code="rd-software"),
        )
    with at(6):
        incident_assign_team(
            actor=people["lina"],
            incident=incident,
            members=[
                (people["wangqiang"], "排查登录服务与网关日志"),
                (people["chenjing"], "检查数据库连接池，联系云服务商"),
                (people["caojing"], "同步客服口径，收集用户反馈"),
            ],
        )
    for minutes, who, note in (
        (15, "wangqiang", "已在排查网关日志"),
        (21, "chenjing", "已准备回滚方案"),
        (24, "caojing", "客服口径已同步到热线"),
    ):
        with at(minutes):
            incident_acknowledge(actor=people[who], incident=incident, ready_note=note)
    with at(25):
        incident_written_report(
            actor=people["pengbo"],
            incident=incident,
            report="登录服务 20:00 起大面积失败；全国 App 用户受影响，热线来电激增；已启用统一答复口径，重启无效",
        )
    with at(28):
        incident_plan(
            actor=people["lina"],
            incident=incident,
            plan="技术组（王强、陈静）排查并准备回滚；客服组（曹静）统一口径、收集反馈；需云服务商值班支持",
        )
    with at(30):
        incident_post_update(
            actor=people["wangqiang"], incident=incident, body="网关大量超时，初步判断为数据库连接池溢出"
        )
    with at(35):
        incident_post_update(
            actor=people["lina"], incident=incident, kind="decision", body="回滚当日 19:30 的发布，同时扩容连接池"
        )
    with at(58):
        incident_post_update(
            actor=people["chenjing"], incident=incident, body="已回滚，连接池扩容到 200，登录成功率恢复到 97%"
        )
    with at(80):
        incident_control(actor=people["lina"], incident=incident, note="登录成功率稳定在 99% 以上，影响不再扩大")
    with at(120):
        incident_resolve(
            actor=people["lina"],
            incident=incident,
            cause="当日发布的会话模块未释放数据库连接，连接池溢出",
            measures="回滚发布并扩容连接池；修复连接释放问题后重新发布",
        )
    with at(150):
        notice = Incident.objects.get(pk=incident.pk).customer_notice
        incident_notice_save(
            actor=people["caojing"],
            incident=incident,
            text=notice.replace("如仍有问题，请联系我们的客服。", "如仍有问题，请联系我们的客服（400-800-2026）。"),
            publish=True,
            recipients=["app-users@example.com"],
        )
    review_at = working_day_before(4, "10:00")
    with at_instant(review_at):
        incident_review(
            actor=people["lina"],
            incident=incident,
            summary="发布前缺少连接池容量评估；连接数告警阈值过高（90%），未能提前预警",
            actions=[
                ActionDraft(
                    "发布检查单增加连接池容量评估", people["chenjing"], (review_at + dt.timedelta(days=7)).date()
                ),
                ActionDraft(
                    "数据库连接数告警阈值下调到 70%", people["sunyu"], (review_at + dt.timedelta(days=10)).date()
                ),
            ],
        )
    return {"incidents": Incident.objects.count()}
