"""`xietong policy list`: every default time limit with its process, priority, duration, unit, whether an
elapsed deadline moves into working hours, and the clause it comes from (`--configured`: the policies as the
database holds them now, edits included)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xietong.clocks.basis import policy_basis
from xietong.clocks.choices import TimeMode
from xietong.clocks.durations import duration_text
from xietong.clocks.models import PRIORITY_LABELS, ClockPolicy, limit_label
from xietong.clocks.scheduled import pending_words
from xietong.workcal.engine import Duration, parse_duration


def _row(policy: Any) -> list[str]:
    working = policy.mode == TimeMode.WORKING
    snap = "—" if working else ("顺延至工作时间" if policy.snap else "不顺延")
    escalate = ""
    if policy.escalate_after:
        escalate = f"超时 {duration_text(policy.escalate_after, policy.escalate_mode)}后升级"
    # "0m": the item names its own deadline (a task's end date, 17:00 today); the policy adds reminders.
    duration = (
        "按事项的截止时间"
        if parse_duration(policy.duration) == Duration()
        else duration_text(policy.duration, policy.mode)
    )
    return [
        policy.process_label(),
        str(PRIORITY_LABELS.get(policy.priority, policy.priority)),
        limit_label(policy.kind, policy.process),
        duration,
        "工作时间" if working else "自然时间",
        snap,
        escalate,
        policy_basis(policy) or "（未登记依据）",
    ]


HEADER = ["流程", "优先级", "时限", "时长", "计时", "非工作时间到期", "升级", "依据"]


class Command(BaseCommand):
    help = "时限规则：xietong policy list 列出每条默认时限（流程、优先级、时长、计时方式、是否顺延、条款依据）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list"], help="list：列出时限规则")
        parser.add_argument(
            "--configured", action="store_true", help="列出数据库中当前生效的规则（含管理员的修改），而非出厂默认值"
        )

    def handle(self, *args, action: str, configured: bool = False, **options):
        if not configured:
            self.stdout.write("\t".join(HEADER))
            for policy in _defaults():
                self.stdout.write("\t".join(_row(policy)))
            return
        policies = list(ClockPolicy.objects.filter(is_active=True).order_by("process", "kind", "priority"))
        self.stdout.write("\t".join([*HEADER, "待生效调整"]))
        for policy in policies:
            self.stdout.write("\t".join([*_row(policy), pending_words(policy)]))


def _defaults() -> list[ClockPolicy]:
    """The shipped defaults as unsaved policies (the first row for a limit wins, as when seeding)."""
    from xietong.clocks.defaults import default_rows

    seen: set[tuple[str, str, str]] = set()
    policies = []
    known = {f.name for f in ClockPolicy._meta.get_fields()}
    for row in default_rows():
        key = (str(row["process"]), str(row["priority"]), str(row["kind"]))
        if key in seen:
            continue
        seen.add(key)
        policies.append(ClockPolicy(**{k: v for k, v in row.items() if k in known and k != "ladder"}))
    return policies
