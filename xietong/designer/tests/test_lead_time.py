"""最早：提交后 N 个工作日 / 工作小时 / 天 / 小时 on a date or date-time field (issue 21: 《会议申请表》「提前3个工作日」,
《延期申请》「提前2天」): counted from the submission on the requester's working calendar (2026: Saturday 10-10 is a
调休 workday, Sunday 10-11 is not), a value earlier than that instant is refused at its field with the earliest
instant and the clause — on the page (everything typed kept), over the API (400 at the field), and when a draft
is submitted later. The option itself is checked by the schema."""

import json

import pytest
import time_machine
from django.db import transaction

from xietong.core.errors import ApplicationError
from xietong.designer.items import designed_item_create, earliest_for
from xietong.designer.library import library_groups
from xietong.designer.models import DesignedItem
from xietong.designer.schema import DefinitionError, Earliest, parse
from xietong.designer.tests.support import act, publish
from xietong.requests.tests.test_request_flow import at

FRIDAY = "2026-10-09 16:00"
CLAUSE = "依据：《测试制度》第一条「开工须提前2个工作日申请」"


def lead(**earliest):
    rule = {
        "after": 2,
        "unit": "working_days",
        "source": "测试制度",
        "article": "第一条",
        "clause": "开工须提前2个工作日申请",
    }
    return {
        "key": "lead",
        "name": "开工申请",
        "prefix": "KG",
        "fields": [
            {
                "key": "start",
                "label": "开工时间",
                "type": "datetime",
                "required": True,
                "earliest": {**rule, **earliest},
            },
            {"key": "day", "label": "开工日期", "type": "date", "earliest": {**rule, **earliest}},
            {"key": "note", "label": "说明", "type": "text"},
        ],
        "steps": [
            {"key": "head", "name": "部门负责人审批", "kind": "approval", "approvers": {"type": "department_head"}}
        ],
    }


def create(company, version, values, *, when=FRIDAY, submit=True, who="guoxin"):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return designed_item_create(
            definition=version.definition,
            actor=company.person(who),
            title="开工",
            project=company.project("smartwatch"),
            raw=values,
            submit=submit,
        )


def refusal(company, version, values, **kwargs):
    with pytest.raises(ApplicationError) as caught:
        create(company, version, values, **kwargs)
    return caught.value.fields


@pytest.mark.parametrize(
    ("after", "unit", "earliest"),
    [
        (2, "working_days", "2026-10-12 16:00"),  # Friday 16:00 → 调休 Saturday 16:00 → (Sunday off) Monday 16:00
        (3, "working_days", "2026-10-13 16:00"),
        (4, "working_hours", "2026-10-10 11:00"),  # 2 h left on Friday (to 18:00), 2 on Saturday from 09:00
        (2, "days", "2026-10-11 16:00"),  # 天: elapsed, the Sunday counts
        (20, "hours", "2026-10-10 12:00"),
    ],
)
def test_the_earliest_instant_counts_the_working_calendar_from_now(company, after, unit, earliest):
    with time_machine.travel(at(FRIDAY), tick=False):
        assert earliest_for(company.person("guoxin"))(Earliest(after, unit)) == at(earliest)


def test_a_value_one_minute_before_the_earliest_instant_is_refused_at_its_field_with_the_clause(company):
    version = publish(company, lead())
    fields = refusal(company, version, {"start": "2026-10-12T15:59", "day": "2026-10-11"})
    assert fields == {
        "f_start": f"“开工时间”最早为 2026-10-12 16:00（提交后 2 个工作日）。{CLAUSE}",
        "f_day": f"“开工日期”最早为 2026-10-12（提交后 2 个工作日）。{CLAUSE}",
    }
    assert not DesignedItem.objects.exists()
    item = create(company, version, {"start": "2026-10-12T16:00", "day": "2026-10-12"})
    assert (item.state, item.values["start"], item.values["day"]) == ("running", "2026-10-12T16:00", "2026-10-12")


def test_a_draft_is_not_held_to_the_lead_time_but_its_submission_is(company):
    version = publish(company, lead())
    draft = create(company, version, {"start": "2026-10-12T16:00"}, when="2026-10-09 10:00", submit=False)
    assert draft.state == "draft"
    with pytest.raises(ApplicationError) as caught:
        act(company, "guoxin", draft, "submit", "2026-10-09 16:01")
    assert caught.value.fields == {"f_start": f"“开工时间”最早为 2026-10-12 16:01（提交后 2 个工作日）。{CLAUSE}"}
    act(company, "guoxin", DesignedItem.objects.get(pk=draft.pk), "submit", "2026-10-09 16:00")
    assert DesignedItem.objects.get(pk=draft.pk).state == "running"


def test_the_page_refuses_a_late_meeting_at_its_field_and_keeps_everything_typed(company, client_for):
    """《会议申请表》: 提前3个工作日 (004 三（二）步骤1), from Friday 16:00 the earliest is Tuesday 10-13 16:00."""
    version = publish(company, library_groups()["制度模板"]["meeting-apply"])
    data = {
        "title": "渠道政策协调会",
        "project": company.project("smartwatch").pk,
        "f_goal": "统一渠道报价",
        "f_agenda": "报价口径",
        "f_attendees": [company.person("linxue").pk],
        "f_start": "2026-10-13T15:30",
        "f_minutes": "60",
        "f_form": "线下",
        "f_contact": company.person("guoxin").pk,
    }
    form = client_for("hujun").get("/p/meeting-apply/new/").content.decode()
    assert "最早：提交后 3 个工作日「提前3个工作日通过OA系统提交《会议申请表》」" in form  # said before it is sent
    with time_machine.travel(at(FRIDAY), tick=False):
        page = client_for("hujun").post("/p/meeting-apply/new/", data)
    assert page.status_code == 400
    html = page.content.decode()
    message = (
        "“建议会议时间”最早为 2026-10-13 16:00（提交后 3 个工作日）。"
        "依据：《内部沟通与协调工作机制》三（二）步骤1「提前3个工作日通过OA系统提交《会议申请表》」"
    )
    assert message in html
    assert 'value="2026-10-13T15:30"' in html and 'value="渠道政策协调会"' in html and "统一渠道报价" in html
    with time_machine.travel(at(FRIDAY), tick=False):
        done = client_for("hujun").post("/p/meeting-apply/new/", {**data, "f_start": "2026-10-13T16:00"})
    assert done.status_code == 302
    assert DesignedItem.objects.get(definition_version=version).values["start"] == "2026-10-13T16:00"


def test_the_api_refuses_a_late_delay_application_with_a_400_naming_the_field(company, client_for):
    """《延期申请》「负责人需提前2天提交」 counted as 2 working days (as the built-in 延期申请): from Friday 16:00
    the 原计划完成日 may be Monday 10-12 at the earliest."""
    publish(company, library_groups()["制度模板"]["delay-apply"])
    values = {
        "project": company.project("smartwatch").pk,
        "task": "原型设计",
        "original_due": "2026-10-11",
        "new_due": "2026-10-20",
        "reason": "需求变更导致工作量增加",
        "plan": "10-20 前完成",
        "manager": company.person("hujun").pk,
    }
    body = {"title": "原型设计延期", "project_id": company.project("smartwatch").pk, "values": values}
    guoxin = client_for("guoxin")
    with time_machine.travel(at(FRIDAY), tick=False):
        refused = guoxin.post("/api/processes/delay-apply/items", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400, refused.content
    assert refused.json()["fields"] == {
        "f_original_due": "“原计划完成日”最早为 2026-10-12（提交后 2 个工作日）。"
        "依据：《企业内部沟通指南与协作工具》二（一）步骤3「负责人需提前2天提交《延期申请》」；"
        "另见：“2天”按原计划完成日之前的 2 个工作日计：最晚在其前第 2 个工作日下班前提交"
    }
    body["values"]["original_due"] = "2026-10-12"
    with time_machine.travel(at(FRIDAY), tick=False):
        created = guoxin.post("/api/processes/delay-apply/items", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content


def problems(document):
    with pytest.raises(DefinitionError) as caught:
        parse(document)
    return caught.value.problems


def test_the_option_itself_is_checked_where_it_stands():
    document = lead()
    document["fields"][2]["earliest"] = {"after": 1, "unit": "days"}  # on a text field
    document["fields"][0]["earliest"] = {"after": 0, "unit": "weeks"}
    document["fields"][1]["earliest"] = {"after": 366, "unit": "hours", "clause": "长" * 201}
    assert problems(document) == [
        ("fields[0].earliest.after", "“最早：提交后”的数量应为 1–365 的整数，现为“0”"),
        (
            "fields[0].earliest.unit",
            "“最早：提交后”的单位“weeks”未知，可选：working_days（个工作日）、working_hours（个工作小时）、days（天）、hours（小时）",
        ),
        ("fields[1].earliest.after", "“最早：提交后”的数量应为 1–365 的整数，现为“366”"),
        ("fields[1].earliest.clause", "依据不能超过 200 字"),
        ("fields[2].earliest", "只有日期或日期时间字段可以设置“最早：提交后 N 个工作日/天/小时”"),
    ]
    document = lead(after="3")
    assert problems(document)[0] == ("fields[0].earliest.after", "“最早：提交后”的数量应为 1–365 的整数，现为“3”")
