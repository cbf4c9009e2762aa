"""Demo processes made in the designer: the administrator publishes the library's 费用报销 and 请假/外出, and
people use them through the same services the pages call — a claim approved end to end (胡军, then 冯静 and
何洋 会签), a claim waiting for 财务会签 and a leave request waiting for its manager — so 流程设计, 待我审批 and
the workbench have something to show. Idempotent: a definition already there is left as it is."""

from __future__ import annotations

import copy
import datetime as dt

from django.db import transaction

from xietong.clocks.demo import replay_clocks
from xietong.core import clock
from xietong.core.demo import at_instant
from xietong.designer.items import designed_item_create
from xietong.designer.library import library_documents
from xietong.designer.models import ApproverGroup, DesignedItem, ProcessDefinition
from xietong.designer.services import definition_publish
from xietong.items.runner import run_step
from xietong.org.models import Person, Project
from xietong.workcal.demo import working_day_before
from xietong.workcal.selectors import default_calendar, engine_for

GROUPS = {"finance": ("财务", ["fengjing", "heyang"]), "hr": ("人事", ["wuting"])}
TRIP = [
    {"date": "", "item": "深圳往返高铁", "amount": "1200"},
    {"date": "", "item": "住宿（2 晚）", "amount": "853.50"},
    {"date": "", "item": "客户招待", "amount": "680"},
]


def _lines(day: dt.date, lines: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**line, "date": day.isoformat()} for line in lines]


def _working_day_after(n: int) -> dt.date:
    engine = engine_for(default_calendar())
    day = clock.today()
    while n > 0:
        day += dt.timedelta(days=1)
        n -= engine.is_working_day(day)
    return day


def _start(definition: ProcessDefinition, who: Person, title: str, when: dt.datetime, raw: dict) -> DesignedItem:
    """An item of the 智能手表项目 started (and submitted) at `when`, after what the worker did until then."""
    replay_clocks(when)
    with at_instant(when):
        project = Project.objects.get(code="smartwatch")
        return designed_item_create(definition=definition, actor=who, title=title, project=project, raw=raw)


def _step(who: Person, item: DesignedItem, when: dt.datetime, step: str = "approve") -> DesignedItem:
    replay_clocks(when)
    with at_instant(when):
        return run_step(actor=who, item=item, step=step)


@transaction.atomic
def seed_demo_designed() -> dict[str, int]:
    people = {p.username: p for p in Person.objects.filter(username__in=["admin", "guoxin", "hujun", "wangqiang"])}
    if len(people) < 4 or ProcessDefinition.objects.filter(key__in=["expense", "leave"]).exists():
        return {"designed": DesignedItem.objects.count()}
    for code, (name, usernames) in GROUPS.items():
        group, _created = ApproverGroup.objects.get_or_create(code=code, defaults={"name": name})
        group.members.set(Person.objects.filter(username__in=usernames))
    finance = {p.username: p for p in ApproverGroup.objects.get(code="finance").members.all()}
    library = library_documents()

    published = working_day_before(5, "09:30")
    with at_instant(published):
        expense = definition_publish(actor=people["admin"], document=copy.deepcopy(library["expense"])).definition
        leave = definition_publish(actor=people["admin"], document=copy.deepcopy(library["leave"])).definition

    filed = working_day_before(4, "10:00")
    claim = _start(
        expense,
        people["guoxin"],
        "深圳客户拜访差旅报销",
        filed,
        {"reason": "拜访深圳渠道客户，确认智能手表首批备货", "kind": "差旅", "lines": _lines(filed.date(), TRIP)},
    )
    claim = _step(people["hujun"], claim, working_day_before(4, "14:20"))
    claim = _step(finance["fengjing"], claim, working_day_before(3, "10:05"))
    _step(finance["heyang"], claim, working_day_before(3, "11:40"))

    filed = working_day_before(1, "15:00")
    battery = [{"date": "", "item": "测试电池 20 块", "amount": "2360"}]
    waiting = _start(
        expense,
        people["guoxin"],
        "样机测试物料采购报销",
        filed,
        {"reason": "续航测试追加样机电池与充电底座", "kind": "办公", "lines": _lines(filed.date(), battery)},
    )
    _step(people["hujun"], waiting, working_day_before(1, "16:30"))

    start = _working_day_after(3)
    _start(
        leave,
        people["wangqiang"],
        "年假 2 天",
        working_day_before(1, "17:00"),
        {
            "kind": "年假",
            "period": {"start": start.isoformat(), "end": (start + dt.timedelta(days=1)).isoformat()},
            "reason": "家中有事，工作已交接给刘洋",
        },
    )
    return {"designed": DesignedItem.objects.count()}
