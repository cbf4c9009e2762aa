"""项目复盘 (《企业内部沟通指南与协作工具》二（一）步骤4「项目上线后3个工作日内,项目经理组织复盘会,总结经验教训……输出
《项目复盘报告》并归档至企业知识库」): recording the go-live starts a 3-working-day clock for the project manager,
reminded a working day ahead and escalated to their department head when missed; the filed report closes the item
and the archive keeps it as a 复盘报告 named 类型-项目名称-日期."""

import pytest
import time_machine
from django.db import transaction

from xietong.acceptance.models import Retrospective
from xietong.acceptance.retrospective import retrospective_file, retrospective_go_live
from xietong.acceptance.tests.test_result_confirmation import completed  # noqa: F401
from xietong.archive.indexing import subject_refresh
from xietong.archive.models import ArchiveRecord
from xietong.clocks.models import Clock, Escalation
from xietong.core.errors import ApplicationError, Forbidden, InvalidState
from xietong.notify.models import InboxMessage
from xietong.org.models import Project
from xietong.requests.tests.test_request_flow import at, fire

LESSONS = "需求变更流程需优化；跨部门沟通频次不足，改为每周三站会同步"


def whose(clock):
    if clock.kind != "escalate":
        return getattr(clock.owner, "username", None)
    escalation = Escalation.objects.filter(clock=clock).select_related("target").first()
    return getattr(getattr(escalation, "target", None), "username", None)


def clocks(item):
    """{(kind, level): (due_at, state, whose)} of the retrospective's clock and its reminder and escalations."""
    rows = Clock.objects.filter(subject_type="acceptance.retrospective", subject_id=item.pk, limit="retrospective")
    return {
        ("limit" if c.kind not in ("remind", "escalate") else c.kind, c.level): (
            c.due_at,
            c.state,
            whose(c),
        )
        for c in rows.select_related("owner")
    }


def test_three_working_days_from_go_live_across_national_day_then_filed_in_the_archive(company, completed):  # noqa: F811
    request = completed
    Project.objects.filter(code="smartwatch").update(lead=company.person("huangmin"))  # the project's manager
    with pytest.raises(Forbidden), transaction.atomic():
        retrospective_go_live(actor=company.person("gaofeng"), request=request)
    with time_machine.travel(at("2026-09-30 15:00"), tick=False), transaction.atomic():
        with pytest.raises(ApplicationError) as refused, transaction.atomic():
            retrospective_go_live(actor=company.person("lina"), request=request, went_live_at=at("2026-09-30 16:00"))
        assert refused.value.fields == {"went_live_at": "上线时间不能晚于现在"}
        item = retrospective_go_live(actor=company.person("lina"), request=request)
    with pytest.raises(InvalidState, match="这份需求已记录上线"), transaction.atomic():
        retrospective_go_live(actor=company.person("lina"), request=request)

    # Live Wednesday 9/30 15:00; 国庆 10/1–10/7; 10/8, 10/9 and the 调休 Saturday 10/10 are working days.
    assert (item.manager.username, item.state) == ("huangmin", "due")
    assert clocks(item)[("limit", 0)] == (at("2026-10-10 15:00"), "armed", "huangmin")
    assert clocks(item)[("remind", 0)] == (at("2026-10-09 15:00"), "armed", "huangmin")
    asked = InboxMessage.objects.get(notification__title__startswith="【待复盘】")
    assert asked.recipient.username == "huangmin"
    assert asked.notification.body == (
        "项目已于 2026-09-30 15:00 上线，请在 10月10日 15:00 前（3 个工作日内）组织复盘会，总结经验教训并提交《项目复盘报告》。"
    )

    fire("2026-10-09 15:00")  # a working day ahead
    fire("2026-10-10 15:00")  # missed: to the manager's department head, 赵磊
    fired = clocks(item)
    assert fired[("remind", 0)] == (at("2026-10-09 15:00"), "fired", "huangmin")
    assert fired[("limit", 0)][:2] == (at("2026-10-10 15:00"), "fired")
    assert fired[("escalate", 1)] == (at("2026-10-10 15:00"), "fired", "zhaolei")

    with pytest.raises(Forbidden, match="只有项目经理 黄敏 可以提交复盘报告"), transaction.atomic():
        retrospective_file(actor=company.person("guoxin"), retrospective=item, report=LESSONS)
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        retrospective_file(actor=company.person("huangmin"), retrospective=item, report=" ")
    assert refused.value.fields == {"reason": "请写明复盘总结的经验教训，如“需求变更流程需优化”"}
    with time_machine.travel(at("2026-10-12 10:00"), tick=False), transaction.atomic():
        retrospective_file(actor=company.person("huangmin"), retrospective=item, report=LESSONS)
    item = Retrospective.objects.get(pk=item.pk)
    assert (item.state, item.report, item.filed_at, item.closed_at) == (
        "filed",
        LESSONS,
        at("2026-10-12 10:00"),
        at("2026-10-12 10:00"),
    )
    with time_machine.travel(at("2026-10-12 10:01"), tick=False):
        assert subject_refresh("acceptance.retrospective", item.pk)
    record = ArchiveRecord.objects.get(subject_type="acceptance.retrospective", subject_id=item.pk)
    assert (record.type_label, record.name) == ("复盘报告", "复盘报告-智能手表项目-2026-10-12")
    assert ["经验教训", LESSONS] in record.manifest["form"]


def test_the_request_page_records_the_go_live_and_shows_the_clock_and_its_clause(company, completed, client_for):  # noqa: F811
    request = completed
    lina = client_for("lina")
    with time_machine.travel(at("2026-09-30 15:00"), tick=False):
        assert 'id="record-go-live"' in lina.get(f"/requests/{request.pk}/").content.decode()
        lina.post(f"/acceptance/requests/{request.pk}/go-live/", {"went_live_at": "2026-09-30T14:30"})
        page = lina.get(f"/requests/{request.pk}/").content.decode()
    assert Retrospective.objects.get(request=request).went_live_at == at("2026-09-30 14:30")
    assert "2026-10-10 14:30 前" in page
    assert "依据：《企业内部沟通指南与协作工具》二（一）步骤4「项目上线后3个工作日内,项目经理组织复盘会」" in page
