"""The demo company shows a multi-department request with its key nodes (第10/12/15个工作日 from the start) and
a 需求变更 that some participants have confirmed (已阅) and some have not."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from xietong.core.demo import seed_demo
from xietong.requests.demo_milestones import TITLE
from xietong.requests.models import Request

SH = ZoneInfo("Asia/Shanghai")
WEDNESDAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=SH)


def test_the_demo_request_with_milestones_and_a_half_read_change(db, seeded_demo, client_for):
    with time_machine.travel(WEDNESDAY, tick=False):
        seeded_demo()
        seed_demo()  # idempotent
    request = Request.objects.get(title=TITLE)
    assert request.state == "in_progress"
    assert sorted(request.participations.values_list("department__name", "state")) == [
        ("市场部", "confirmed"),
        ("生产部", "confirmed"),
        ("硬件研发部", "confirmed"),
    ]
    # Started Thursday 11-26 (第1个工作日); the change moved the prototype's start back to Wednesday 11-25.
    nodes = [(m.title, m.workday, m.start_date, m.due_date) for m in request.milestones.order_by("due_date")]
    assert nodes == [
        ("原型设计稿（V1）", 10, dt.date(2026, 11, 25), dt.date(2026, 12, 8)),
        ("联合评审原型方案", 12, dt.date(2026, 11, 26), dt.date(2026, 12, 11)),
        ("量产可行性评估报告", None, None, dt.date(2026, 12, 14)),
        ("出具验收结论", 15, dt.date(2026, 11, 26), dt.date(2026, 12, 16)),
    ]
    assert request.expected_date == dt.date(2026, 12, 23)  # brought forward from 12-30 by V2
    v1, v2 = request.versions.order_by("number")
    assert (v1.state, v2.state) == ("original", "awaiting")
    read = {r.person.username: r.confirmed_at is not None for r in v2.receipts.select_related("person")}
    assert read == {"hujun": False, "zhaolei": False, "gaofeng": True, "luoqian": True, "xieqiang": False}
    with time_machine.travel(WEDNESDAY, tick=True):
        page = client_for("zhaolei").get(f"/requests/{request.pk}/").content.decode()
        assert "关键时间节点" in page and "V2 需求变更待您确认“已阅”。" in page
