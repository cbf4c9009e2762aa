"""The seed templates' time limits, as the default policy rows (an administrator edits them later).

Units as written: a limit the documents give in 工作小时/工作日 counts working time; one given in 小时/分钟
counts elapsed time ("24 小时" is 24h of wall-clock time, not one working day), and its deadline moves to the
start of the next working period when it falls outside working hours — except for emergencies. Each row's
document, clause and words are in clocks.sources.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.translation import gettext_noop

# code, name, description, [(level, target, after)]
LADDERS = [
    (
        "standard",
        "标准升级路径",
        "部门负责人 → 分管领导 → 总经理，每级间隔 1 个工作日",
        [(1, "department_head", "0m"), (2, "division_leader", "1d"), (3, "general_manager", "1d")],
    ),
    (
        "dispute",
        "部门分歧升级",
        "3 个工作日未达成一致：各自分管领导 → 总经理裁决",
        [(1, "division_leader", "0m"), (2, "general_manager", "1d")],
    ),
    (
        "division",
        "分管领导预警",
        "逾期未完成的决议事项预警至分管领导，再至总经理",
        [(1, "division_leader", "0m"), (2, "general_manager", "1d")],
    ),
    ("emergency", "紧急事项上报总经理", "2 小时内未控制风险，上报总经理", [(1, "general_manager", "0m")]),
    (
        "emergency-division",
        "紧急事项上报分管领导",
        "应急小组分工、应急方案超时：上报分管领导（分管领导牵头应急响应），不直接上报总经理",
        [(1, "division_leader", "0m")],
    ),
    ("department-head", "部门负责人", "逾期名单发送部门负责人", [(1, "department_head", "0m")]),
]

# Stored with archive records and search documents in Chinese; shown through gettext(label).
PROCESS_LABELS = {
    "request": gettext_noop("需求协作"),
    "task": gettext_noop("协作任务"),
    "exception": gettext_noop("异常问题"),
    "dispute": gettext_noop("部门分歧"),
    "delay": gettext_noop("延期申请"),
    "deliverable": gettext_noop("成果验收"),
    "meeting": gettext_noop("会议"),
    "action_item": gettext_noop("会议决议事项"),
    "problem": gettext_noop("问题提报"),
    "emergency": gettext_noop("紧急事项"),
    "notice": gettext_noop("通知确认"),
    "feedback": gettext_noop("协作反馈"),
    "probe": gettext_noop("测试事项"),
    "improvement": gettext_noop("复盘改进措施"),
    "onboarding": gettext_noop("新人入职"),
}

# process, priority, kind, duration, mode, remind_before, escalate_after, ladder code, what the product does.
# Units as written: 工作小时/工作日 are "working" time ("2h", "1d"); 小时/分钟 are "wall" (elapsed) time ("24h"),
# whose deadline moves to the next working period's start when it falls outside working hours (EXTRAS turns
# that off for emergencies). escalate_after counts from the missed deadline ("超时48小时自动升级": 48h, wall).
POLICIES = [
    (
        "request",
        "high",
        "respond",
        "2h",
        "working",
        "30m",
        "48h",
        "standard",
        "高优先级需求：接收方 2 个工作小时内响应；超时 48 小时升级至部门负责人",
    ),
    (
        "request",
        "*",
        "respond",
        "24h",
        "wall",
        "2h",
        "48h",
        "standard",
        "普通需求：24 小时内反馈；超时 48 小时自动升级至部门负责人",
    ),
    ("task", "*", "accept", "24h", "wall", "", "", "", "任务发布后 24 小时内未确认视为默认接受"),
    ("task", "*", "update_due", "0m", "working", "1h", "", "", "负责人每日 17:00 前更新任务进度"),
    ("task", "*", "due", "0m", "working", "1d", "", "standard", "任务到期未完成：提醒负责人，逾期升级"),
    ("exception", "normal", "resolve", "24h", "wall", "2h", "", "standard", "异常问题 24 小时内闭环，否则升级"),
    (
        "exception",
        "major",
        "resolve",
        "48h",
        "wall",
        "4h",
        "",
        "standard",
        "重大问题可延长至 48 小时，需同步更新预计解决时间",
    ),
    (
        "dispute",
        "*",
        "resolve",
        "3d",
        "working",
        "1d",
        "",
        "dispute",
        "部门间分歧 3 个工作日内未达成一致，上报各自分管领导，仍无法解决提请总经理裁决",
    ),
    ("delay", "*", "review", "1d", "working", "2h", "", "standard", "延期申请由项目负责人及发起部门负责人审批"),
    (
        "delay",
        "*",
        "notice",
        "2d",
        "working",
        "",
        "",
        "",
        "延期申请至少在原计划完成日前 2 个工作日提交；迟于此时的申请不予提交（可改为仅标记）",
    ),
    ("deliverable", "*", "review", "2d", "working", "4h", "", "standard", "验收人收到交付物后 2 个工作日内完成验收"),
    (
        "deliverable",
        "*",
        "rework",
        "1d",
        "working",
        "2h",
        "",
        "standard",
        "验收不通过：负责人 1 个工作日内启动整改并重新提交",
    ),
    ("meeting", "*", "minutes", "24h", "wall", "2h", "", "standard", "会议结束后 24 小时内完成会议纪要并分发"),
    # Sooner after some meetings (meetings.minutes_limits): the meeting type's code, or "online".
    (
        "meeting",
        "kickoff",
        "minutes",
        "2h",
        "wall",
        "30m",
        "",
        "standard",
        "召开项目启动会（线上/线下），逐项说明需求，保证各方理解一致，会议记录会后2小时内同步至群文件",
    ),
    (
        "meeting",
        "online",
        "minutes",
        "1h",
        "wall",
        "15m",
        "",
        "standard",
        "发起人需在平台“讨论区”组织线上会议，会议纪要需在会后1小时内至平台",
    ),
    ("meeting", "standup", "minutes", "1d", "working", "2h", "", "standard", "站会纪要次日同步至群文件"),
    (
        "meeting",
        "weekly-sync",
        "minutes",
        "1d",
        "working",
        "2h",
        "",
        "standard",
        "会议纪要需在会后1个工作日内分发至所有参会人员",
    ),
    ("action_item", "*", "due", "0m", "working", "1d", "", "division", "决议事项逾期未完成，预警至分管领导"),
    ("problem", "*", "dispatch", "1d", "working", "2h", "", "standard", "综合管理部 1 个工作日内审核并分派"),
    ("problem", "high", "update_due", "1d", "working", "2h", "", "standard", "紧急问题每日反馈进度"),
    ("problem", "*", "update_due", "2d", "working", "2h", "", "standard", "主责部门每 2 个工作日反馈进度"),
    (
        "emergency",
        "*",
        "assign_team",
        "10m",
        "wall",
        "",
        "",
        "emergency-division",
        "接到上报后 10 分钟内明确应急小组分工；超时上报分管领导",
    ),
    ("emergency", "*", "team_ready", "30m", "wall", "", "", "", "应急小组成员 30 分钟内到位并反馈准备情况"),
    ("emergency", "*", "status", "30m", "wall", "5m", "", "", "每 30 分钟更新一次处理状态"),
    ("emergency", "*", "control", "2h", "wall", "", "", "emergency", "2 小时内未控制风险，上报总经理"),
    ("emergency", "*", "review", "3d", "working", "1d", "", "standard", "问题解决后 3 个工作日内召开复盘会"),
    (
        "notice",
        "*",
        "confirm",
        "0m",
        "working",
        "4h",
        "",
        "department-head",
        "需确认的通知：截止时仍未确认的名单发送其部门负责人",
    ),
    ("feedback", "*", "respond", "2d", "working", "", "", "", "验收通过后填写协作反馈表"),
    (
        "problem",
        "*",
        "due",
        "0m",
        "working",
        "1d",
        "",
        "standard",
        "问题分派通知中的完成时限：到期前 1 个工作日提醒主责部门，逾期升级",
    ),
    (
        "improvement",
        "*",
        "due",
        "0m",
        "working",
        "1d",
        "",
        "standard",
        "复盘形成的改进措施：到期前 1 个工作日提醒负责人，逾期升级",
    ),
    (
        "onboarding",
        "*",
        "due",
        "0m",
        "working",
        "1d",
        "",
        "department-head",
        "新人入职事项：到期前提醒负责人，逾期告知新人所在部门负责人",
    ),
    ("meeting", "*", "notice", "0m", "working", "2h", "", "", "会议通知至少提前 2 个工作日发出"),
    ("meeting", "*", "respond", "0m", "working", "1d", "", "", "会前确认参加或请假；提前 1 个工作日提醒"),
]

# The policy fields beyond POLICIES' columns, for the rows that differ from the model's defaults.
EXTRAS: dict[tuple[str, str, str], dict[str, object]] = {
    ("request", "high", "respond"): {"escalate_mode": "wall"},
    ("request", "*", "respond"): {"escalate_mode": "wall"},
    # 负责人需提前2天提交《延期申请》: a late application is refused (an administrator may choose 仅标记).
    ("delay", "*", "notice"): {"when_late": "refuse"},
    # Emergencies count every minute: a deadline at 03:00 stays at 03:00.
    **{("emergency", "*", kind): {"snap": False} for kind in ("assign_team", "team_ready", "status", "control")},
}

# Default limits declared elsewhere (each registered process brings its own: items.policies), as rows of
# the POLICIES shape. Not used inside migrations, which see only the rows above.
PolicySource = Callable[[], Iterable[tuple[str, ...] | dict[str, object]]]
_policy_sources: list[PolicySource] = []


def register_policy_source(source: PolicySource) -> None:
    if source not in _policy_sources:
        _policy_sources.append(source)


def default_rows(apps=None) -> list[dict[str, object]]:
    """Every default limit as policy field → value: POLICIES with EXTRAS and their sources (clocks.sources),
    then (outside migrations) the limits the registered processes declare."""
    from xietong.clocks.sources import SOURCES

    rows: list[dict[str, object]] = []
    for row in POLICIES:
        fields: dict[str, object] = dict(zip(_COLUMNS, row, strict=True))
        key = (row[0], row[1], row[2])
        fields.update(EXTRAS.get(key, {}))
        fields.update(SOURCES[key].fields() if key in SOURCES else {})
        rows.append(fields)
    if apps is None:
        for source in _policy_sources:
            for declared in source():
                fields = dict(zip(_COLUMNS, declared, strict=True)) if isinstance(declared, tuple) else {**declared}
                key = (str(fields["process"]), str(fields["priority"]), str(fields["kind"]))
                if not fields.get("source") and key in SOURCES:
                    fields.update(SOURCES[key].fields())
                rows.append(fields)
    return rows


_COLUMNS = (
    "process",
    "priority",
    "kind",
    "duration",
    "mode",
    "remind_before",
    "escalate_after",
    "ladder",
    "description",
)


def ensure_default_policies(apps=None) -> int:
    """Create the default ladders and policies that do not exist yet; never overwrite an edited one."""
    rows = default_rows(apps)
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Ladder = apps.get_model("clocks", "EscalationLadder")
    Step = apps.get_model("clocks", "EscalationStep")
    Policy = apps.get_model("clocks", "ClockPolicy")
    # A migration's historical model may not have the newer fields yet (0002 runs before the sources exist).
    known = {f.name for f in Policy._meta.get_fields()}
    ladders = {}
    for code, name, description, steps in LADDERS:
        ladder, created = Ladder.objects.get_or_create(code=code, defaults={"name": name, "description": description})
        if created:
            for level, target, after in steps:
                Step.objects.create(ladder=ladder, level=level, target=target, after=after)
        ladders[code] = ladder
    created_count = 0
    for row in rows:
        values = dict(row)
        key = {"process": values.pop("process"), "priority": values.pop("priority"), "kind": values.pop("kind")}
        values["ladder"] = ladders.get(str(values.get("ladder") or ""))
        defaults = {name: value for name, value in values.items() if name in known}
        _policy, created = Policy.objects.get_or_create(**key, defaults=defaults)
        created_count += created
    return created_count
