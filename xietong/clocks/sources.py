"""Where each default limit is written: the company document, its clause and the clause's exact words.

Documents (../shared/seeds, copied into clocks/seed_documents for the tests that check every quotation):
000 《企业沟通与协作流程规范》, 001 《多部门协同作业标准沟通流程》, 002 《企业内部沟通指南与协作工具》,
003 《企业协作沟通标准化平台使用指南》, 004 《内部沟通与协调工作机制》. Clauses are numbered as the documents
number them (二（一） is part 二, section （一）; 步骤2 a step within it). Quotations keep the documents' own
punctuation; 001 and 003 are quoted in simplified characters.

Where two documents disagree, the default follows the more specific clause and `also` names the other.
"""

from __future__ import annotations

from dataclasses import dataclass

FLOW = "企业沟通与协作流程规范"  # 000
MULTI = "多部门协同作业标准沟通流程"  # 001
GUIDE = "企业内部沟通指南与协作工具"  # 002
PLATFORM = "企业协作沟通标准化平台使用指南"  # 003
MECHANISM = "内部沟通与协调工作机制"  # 004


@dataclass(frozen=True)
class Source:
    source: str
    clause: str
    clause_text: str
    also: str = ""

    def fields(self) -> dict[str, object]:
        return {"source": self.source, "clause": self.clause, "clause_text": self.clause_text, "also": self.also}


_ALL_REQUESTS = f"《{FLOW}》二（一）「需在收到需求后2个工作小时内响应」"
_ESCALATION = f"超时升级依《{PLATFORM}》五「超时48小时自动升级至部门负责人」，自时限到期起算"

SOURCES: dict[tuple[str, str, str], Source] = {
    ("request", "high", "respond"): Source(
        FLOW,
        "二（一）",
        "需在收到需求后2个工作小时内响应",
        f"《{PLATFORM}》五「优先级为“高”的事项,接收人需在2小时内响应」；{_ESCALATION}",
    ),
    ("request", "*", "respond"): Source(
        PLATFORM,
        "五",
        "普通事项需在24小时内反馈",
        f"{_ALL_REQUESTS}（针对全部需求；中、低优先级按本条这一更具体的规定）；{_ESCALATION}",
    ),
    ("task", "*", "accept"): Source(GUIDE, "二（一）步骤2", "24小时内未确认视为默认接受"),
    ("task", "*", "update_due"): Source(
        FLOW,
        "二（三）",
        "每日17:00前在企业协作平台更新任务进度",
        f"《{GUIDE}》二（一）步骤3「成员每日17:00前更新任务进度」",
    ),
    ("task", "*", "due"): Source(GUIDE, "二（一）步骤2", "明确截止时间"),
    ("exception", "normal", "resolve"): Source(FLOW, "二（三）", "保证问题在24小时内闭环"),
    ("exception", "major", "resolve"): Source(FLOW, "二（三）", "重大问题可延长至48小时,需同步更新预计解决时间"),
    ("dispute", "*", "resolve"): Source(MULTI, "三", "若3个工作日内未达成一致,上报至各自分管领导"),
    ("delay", "*", "review"): Source(
        GUIDE,
        "二（一）步骤3",
        "经项目经理及发起部门负责人审批后更新任务清单",
        "文件未规定审批时限，1 个工作日为本产品默认",
    ),
    ("delay", "*", "notice"): Source(
        GUIDE,
        "二（一）步骤3",
        "负责人需提前2天提交《延期申请》",
        "“2天”按原计划完成日之前的 2 个工作日计：最晚在其前第 2 个工作日下班前提交",
    ),
    ("deliverable", "*", "review"): Source(
        FLOW,
        "二（四）",
        "验收人需在收到交付物后2个工作日内完成验收",
        f"《{GUIDE}》二（一）步骤4「24小时内反馈验收意见」",
    ),
    ("deliverable", "*", "rework"): Source(FLOW, "二（四）", "负责人需在1个工作日内启动整改并重新提交"),
    ("meeting", "*", "minutes"): Source(
        MECHANISM,
        "三（二）步骤4",
        "会议结束后24小时内完成《会议纪要》审核(主持人签字)",
        "启动会、线上会议、站会、进度同步会的纪要按各自条款（见各自的时限规则）",
    ),
    ("meeting", "kickoff", "minutes"): Source(GUIDE, "二（一）步骤1", "会议记录会后2小时内同步至群文件"),
    ("meeting", "online", "minutes"): Source(PLATFORM, "三 步骤3", "会议纪要需在会后1小时内至平台"),
    ("meeting", "standup", "minutes"): Source(GUIDE, "二（一）步骤3", "站会纪要次日同步至群文件"),
    ("meeting", "weekly-sync", "minutes"): Source(
        FLOW,
        "二（三）",
        "会议纪要需在会后1个工作日内分发至所有参会人员",
        f"《{MECHANISM}》三（二）步骤4「会议结束后24小时内」",
    ),
    ("meeting", "*", "notice"): Source(MECHANISM, "三（二）步骤2", "提前2个工作日发送会议通知"),
    ("meeting", "*", "respond"): Source(
        MECHANISM, "三（二）步骤2", "同步收集参会人员反馈", "文件未规定回复时限，会前 1 个工作日提醒为本产品默认"
    ),
    ("action_item", "*", "due"): Source(MECHANISM, "三（二）步骤4", "逾期未完成的预警至分管领导"),
    ("problem", "*", "dispatch"): Source(MECHANISM, "三（一）步骤2", "综合管理部在1个工作日内审核"),
    ("problem", "high", "update_due"): Source(MECHANISM, "三（一）步骤3", "紧急问题每日反馈"),
    ("problem", "*", "update_due"): Source(MECHANISM, "三（一）步骤3", "每2个工作日通过OA系统反馈进度"),
    ("problem", "*", "due"): Source(MECHANISM, "三（一）步骤2", "《问题分派通知》(含分派依据、责任部门、完成时限)"),
    ("emergency", "*", "assign_team"): Source(GUIDE, "二（二）步骤2", "接到上报后10分钟内,在群内明确应急小组分工"),
    ("emergency", "*", "team_ready"): Source(GUIDE, "二（二）步骤2", "要求成员30分钟内到位并反馈准备情况"),
    ("emergency", "*", "status"): Source(
        GUIDE, "二（二）步骤2", "每30分钟更新一次处理状态", f"《{MECHANISM}》三（三）步骤3「每4小时向分管领导汇报进展」"
    ),
    ("emergency", "*", "control"): Source(MECHANISM, "三（三）步骤3", "若2小时内未控制风险,上报至总经理办公会"),
    ("emergency", "*", "review"): Source(MECHANISM, "三（三）步骤4", "问题解决后3个工作日内召开复"),
    ("notice", "*", "confirm"): Source(MECHANISM, "二（一）", "明确“已阅”确认要求"),
    ("feedback", "*", "respond"): Source(
        FLOW,
        "二（四）",
        "验收通过后,发起方组织所有参与方填写《协作反馈表》(附件5)",
        "文件未规定填写时限，2 个工作日为本产品默认",
    ),
    ("improvement", "*", "due"): Source(MECHANISM, "二（二）", "协调事项需明确“责任部门、完成时间、验收标准”"),
    ("onboarding", "*", "due"): Source(GUIDE, "一", "新人融入引导:如新员工入职对接,需明确岗位职责、对接人及工作流程"),
    # "工作时间内…不超过2小时": the document itself says the 2 hours are working time.
    ("message", "*", "reply"): Source(MECHANISM, "二（一）", "要求工作时间内消息响应不超过2小时(紧急情况除外)"),
    ("seal", "*", "approve"): Source(
        MECHANISM, "二（二）", "配合方需在1个工作日内反馈意见", "文件未单列用印时限，按跨部门配合的这一条"
    ),
    ("seal", "*", "stamp"): Source(
        MECHANISM, "二（二）", "配合方需在1个工作日内反馈意见", "文件未单列用印时限，按跨部门配合的这一条"
    ),
}
