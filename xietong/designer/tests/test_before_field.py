"""A step limit counted back from a date field of the form (issue 21: 《内部沟通与协调工作机制》三（二）步骤2 — after
approval the 发起部门对接人 sends the meeting notice 「提前2个工作日」): the 发送会议通知 clock is due 2 working days
before 建议会议时间, at the same time of day, counted back on the approver's working calendar (2026: 国庆 10-01 …
10-07 off, Saturday 10-10 a 调休 workday, Sunday 10-11 not). A date field's is due at the end of working hours of the
N-th working day before; a deadline already past when the approver gets the task is due at once (overdue). The
limit says so in words on the item page's clock panel and the 模板库; the schema refuses a field that cannot carry it."""

import copy
import re

import pytest
import time_machine
from django.db import transaction

from xietong.clocks.models import Clock
from xietong.clocks.services import clock_fire_due
from xietong.designer.approver_deadlines import before_due
from xietong.designer.items import designed_item_create
from xietong.designer.library import library_groups
from xietong.designer.models import ApprovalTask, TaskState
from xietong.designer.schema import DefinitionError, parse
from xietong.designer.tests.support import act, clock_rows, publish
from xietong.requests.tests.test_request_flow import at
from xietong.workcal.engine import WorkingCalendar


def meeting(**limit):
    document = copy.deepcopy(library_groups()["制度模板"]["meeting-apply"])
    notice = next(s for s in document["steps"] if s["key"] == "notice")
    notice["limit"].update(limit)
    return document


def apply(company, version, start, when):
    """hujun (a department head) applies for a meeting at `start`, guoxin being the 发起部门对接人."""
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return designed_item_create(
            definition=version.definition,
            actor=company.person("hujun"),
            title="渠道政策协调会",
            project=company.project("smartwatch"),
            raw={
                "goal": "统一渠道报价",
                "agenda": "报价口径",
                "attendees": [company.person("linxue").pk],
                "start": start,
                "minutes": "60",
                "form": "线下",
                "contact": company.person("guoxin").pk,
            },
            submit=True,
        )


def approved(company, item, when):
    task = ApprovalTask.objects.get(item=item, step="division", status=TaskState.OPEN)
    act(company, task.person.username, item, "approve", when)
    item.refresh_from_db()
    assert item.step == "notice"
    return item


def notice_clocks(item):
    return {c.kind: c for c in Clock.objects.filter(subject_id=item.pk, limit="notice").exclude(part="")}


def test_the_library_meeting_notice_is_due_two_working_days_before_the_meeting_over_the_adjusted_saturday(
    company, client_for
):
    version = publish(company, meeting(remind_before="2h"))
    item = approved(company, apply(company, version, "2026-10-13T10:00", "2026-10-08 09:00"), "2026-10-09 10:00")
    clocks = notice_clocks(item)
    # Tuesday 10-13 10:00 ← Monday 10-12 (1) ← Saturday 10-10, a 调休 workday (2): same time of day.
    assert (clocks["notice"].owner.username, clocks["notice"].due_at) == ("guoxin", at("2026-10-10 10:00"))
    # The reminder counts back from that instant in working time: 1 h on Saturday, 1 h on Friday before 18:00.
    assert clocks["remind"].due_at == at("2026-10-09 17:00")
    with time_machine.travel(at("2026-10-09 16:00"), tick=False):
        html = client_for("hujun").get(item.get_absolute_url()).content.decode()
    rows = [row for row in clock_rows(html) if row[0].startswith("发送会议通知")]
    assert [(row[0], row[1], row[2][:16]) for row in rows] == [
        (
            "发送会议通知 · 建议会议时间前 2 个工作日 "
            "依据：《内部沟通与协调工作机制》三（二）步骤2「提前2个工作日发送会议通知」",
            "郭鑫",
            "2026-10-10 10:00",
        )
    ]


def test_counted_back_over_the_national_day_holiday_and_due_at_once_when_already_past(company):
    """A meeting on Thursday 10-08 10:00: 10-01 … 10-07 are holidays, so 2 working days before is Tuesday 09-29
    10:00 (09-30 is the first). Approved at 09:30 it has half an hour (no reminder: it would be before the task);
    approved at 15:00 it is overdue from the start and fires at once."""
    version = publish(company, meeting(remind_before="2h"), when="2026-09-22 09:00")
    early = approved(company, apply(company, version, "2026-10-08T10:00", "2026-09-23 09:00"), "2026-09-29 09:30")
    clocks = notice_clocks(early)
    assert clocks["notice"].due_at == at("2026-09-29 10:00") and "remind" not in clocks
    late = approved(company, apply(company, version, "2026-10-08T10:00", "2026-09-23 09:00"), "2026-09-29 15:00")
    clock = notice_clocks(late)["notice"]
    assert (clock.anchor_at, clock.due_at, clock.offset_us) == (at("2026-09-29 15:00"), at("2026-09-29 10:00"), 0)
    with time_machine.travel(at("2026-09-29 15:01"), tick=False):
        clock_fire_due()
    clock.refresh_from_db()
    assert clock.fired_at == at("2026-09-29 15:01")


@pytest.mark.parametrize(
    ("kind", "value", "limit", "due"),
    [
        ("datetime", "2026-10-13T10:00", {"duration": "2d"}, "2026-10-10 10:00"),
        ("datetime", "2026-10-08T10:00", {"duration": "1d"}, "2026-09-30 10:00"),
        ("datetime", "2026-10-12T10:00", {"duration": "36h", "mode": "elapsed"}, "2026-10-10 22:00"),
        ("date", "2026-10-12", {"duration": "1d"}, "2026-10-10 18:00"),  # end of the 调休 Saturday's hours
        ("date", "2026-10-08", {"duration": "2d"}, "2026-09-29 18:00"),
        ("date", "2026-10-12", {"duration": "1d", "mode": "elapsed"}, "2026-10-11 00:00"),
    ],
)
def test_the_due_instant_of_a_date_or_date_time_field(kind, value, limit, due):
    definition = parse(document(kind, limit))
    due_at = before_due(definition, definition.step("do"), {"when": value}, WorkingCalendar())
    assert due_at == at(due)


def test_a_rule_by_condition_counts_its_own_duration_back_from_the_same_field():
    rules = [{"when": {"field": "urgent", "op": "==", "value": "是"}, "duration": "1d", "clause": "紧急会议提前1天"}]
    definition = parse(document("datetime", {"duration": "2d", "rules": rules}))
    step = definition.step("do")
    calendar = WorkingCalendar()
    assert before_due(definition, step, {"when": "2026-10-13T10:00", "urgent": "是"}, calendar) == at(
        "2026-10-12 10:00"
    )
    assert before_due(definition, step, {"when": "2026-10-13T10:00", "urgent": "否"}, calendar) == at(
        "2026-10-10 10:00"
    )


def document(kind, limit, required=True):
    return {
        "key": "before",
        "name": "会前准备",
        "prefix": "HQ",
        "fields": [
            {"key": "when", "label": "会议时间", "type": kind, "required": required},
            {"key": "note", "label": "说明", "type": "text", "required": True},
            {"key": "urgent", "label": "紧急", "type": "choice", "options": ["是", "否"]},
        ],
        "steps": [
            {
                "key": "do",
                "name": "发送会议通知",
                "kind": "handle",
                "approvers": {"type": "manager"},
                "limit": {"mode": "working", "before_field": "when", **limit},
            }
        ],
    }


def problems(doc):
    with pytest.raises(DefinitionError) as caught:
        parse(doc)
    return caught.value.problems


def test_publishing_refuses_a_field_that_cannot_be_counted_back_from_with_its_reason_at_the_limit():
    where = "steps[0].limit.before_field"
    assert problems(document("datetime", {"duration": "2d", "before_field": "note"})) == [
        (where, "时限只能从日期或日期时间字段倒推，“说明”是单行文本字段")
    ]
    assert problems(document("datetime", {"duration": "2d", "before_field": "start"})) == [
        (where, "时限起算的字段“start”不存在")
    ]
    assert problems(document("date", {"duration": "2d"}, required=False)) == [
        (where, "时限从“会议时间”倒推时，该字段必须设为必填（否则事项可能没有这个时间）")
    ]
    hours = "从日期字段倒推的时限按工作日（如 2d）或自然时间计，不能用工作小时：“4h”"
    assert problems(document("datetime", {"duration": "4h"})) == [("steps[0].limit.duration", hours)]
    rule = {"when": {"field": "urgent", "op": "==", "value": "是"}, "duration": "4h"}
    assert problems(document("datetime", {"duration": "2d", "rules": [rule]})) == [
        ("steps[0].limit.rules[0].duration", hours)
    ]
    assert parse(document("datetime", {"duration": "36h", "mode": "elapsed"})).steps[0].limit.before_field == "when"


def test_the_library_page_says_the_limit_in_words(company, client_for):
    html = client_for("admin").get("/designer/library/").content.decode()
    assert "时限：建议会议时间前 2 个工作日" in html


def test_the_editor_shows_the_date_the_limit_counts_back_from_and_saves_it_again(company, client_for):
    from xietong.designer.editor_forms import definition_from_post
    from xietong.designer.tests.test_editor_rules import sent

    version = publish(company, library_groups()["制度模板"]["meeting-apply"])
    page = client_for("admin").get(f"/designer/{version.definition.pk}/").content.decode()
    chosen = re.search(r'<select name="s1_limit_from"[^>]*>(.*?)</select>', page, re.S)
    assert chosen is not None
    assert re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', chosen.group(1)) == [
        ("", "", "收到任务时"),
        ("start", " selected", "在“建议会议时间”之前"),
    ]
    again = definition_from_post(sent(page))
    file_limit = library_groups()["制度模板"]["meeting-apply"]["steps"][1]["limit"]
    assert again["steps"][1]["limit"] == {**file_limit, "ladder": "", "remind_before": ""}  # the editor's blanks
    assert "before_field" not in (again["steps"][0].get("limit") or {})  # 收到任务时: not written


def test_the_editor_refuses_a_field_that_is_not_a_date_at_the_select_and_keeps_the_choice(company, client_for):
    from xietong.designer.models import ProcessDefinition
    from xietong.designer.tests.test_editor import errors
    from xietong.designer.tests.test_editor_rules import sent

    version = publish(company, library_groups()["制度模板"]["meeting-apply"])
    admin = client_for("admin")
    form = sent(admin.get(f"/designer/{version.definition.pk}/").content.decode())
    form.setlist("s1_limit_from", ["goal"])  # 会议目标, a text field (a page sent before the field changed type)
    form.setlist("action", ["publish"])
    form.setlist("version", [str(version.definition.version)])
    response = admin.post(
        f"/designer/{version.definition.pk}/", form.urlencode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<fieldset class="d-row d-step has-error" data-row="1"', html)
    assert errors(response) == ["时限只能从日期或日期时间字段倒推，“会议目标”是多行文本字段"]
    assert re.search(r'<select name="s1_limit_from"[^>]* aria-invalid="true">', html)
    assert '<option value="goal" selected>在“goal”之前</option>' in html  # kept as sent
    assert ProcessDefinition.objects.get(pk=version.definition.pk).current.n == 1
