"""`xietong policy list` prints every default limit: process, priority, limit, duration, unit, whether an
elapsed deadline moves into working hours, escalation, and the clause."""

from io import StringIO

from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from xietong.clocks.defaults import PROCESS_LABELS, default_rows

with translation.override("zh-hans"):
    PROCESS_NAMES = [gettext(label) for label in [*PROCESS_LABELS.values(), "用印申请"]]


def lines(*args: str) -> list[list[str]]:
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("policy", "list", *args, stdout=out)
    return [line.split("\t") for line in out.getvalue().splitlines()]


def test_every_default_limit_is_listed_with_its_unit_and_clause():
    header, *rows = lines()
    assert header == ["流程", "优先级", "时限", "时长", "计时", "非工作时间到期", "升级", "依据"]
    keys = {(str(r["process"]), str(r["priority"]), str(r["kind"])) for r in default_rows()}
    assert len(rows) == len(keys)
    by_limit = {tuple(row[:3]): row[3:] for row in rows}
    # Every shipped default names its clause (a process a test registers may not).
    shipped = [row for row in rows if row[0] in set(PROCESS_NAMES) - {"测试事项"}]
    assert len(shipped) >= 30 and all(row[7].startswith("依据：《") for row in shipped)
    assert by_limit["需求协作", "高优先级", "响应"][:3] == ["2 个工作小时", "工作时间", "—"]
    assert by_limit["需求协作", "高优先级", "响应"][3] == "超时 48 小时后升级"
    assert by_limit["需求协作", "所有优先级", "响应"] == [
        "24 小时",
        "自然时间",
        "顺延至工作时间",
        "超时 48 小时后升级",
        "依据：《企业协作沟通标准化平台使用指南》五「普通事项需在24小时内反馈」；"
        "另见：《企业沟通与协作流程规范》二（一）「需在收到需求后2个工作小时内响应」"
        "（针对全部需求；中、低优先级按本条这一更具体的规定）；"
        "超时升级依《企业协作沟通标准化平台使用指南》五「超时48小时自动升级至部门负责人」，自时限到期起算",
    ]
    assert by_limit["紧急事项", "所有优先级", "指定应急小组"][:3] == ["10 分钟", "自然时间", "不顺延"]
    assert by_limit["协作任务", "所有优先级", "截止"][0] == "按事项的截止时间"


def test_the_configured_policies_show_an_administrators_edit(db):
    from xietong.clocks.models import ClockPolicy

    ClockPolicy.objects.filter(process="task", kind="accept").update(
        duration="2d", mode="working", clause="二（一）步骤2"
    )
    rows = {tuple(row[:3]): row[3:] for row in lines("--configured")[1:]}
    assert rows["协作任务", "所有优先级", "确认接收"][:2] == ["2 个工作日", "工作时间"]
