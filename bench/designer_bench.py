"""A designed process against a built-in one, through the same services and runner: creating and approving
an item of the library's 费用报销 (郭鑫 submits; 胡军 approves; 财务 冯静 and 何洋 会签) against creating and
acknowledging a 需求协作 request (郭鑫 → 李娜). Wall-clock and CPU milliseconds per operation, each operation
in its own transaction and memo as a page would run it (audit, clocks, messages and the search queue included).

    python bench/designer_bench.py --db sqlite|postgres [--items 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, fresh_database, migrate, setup_django


def measure(samples: dict[str, list[tuple[float, float]]], name: str, call):
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    samples.setdefault(name, []).append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--items", type=int, default=200)
    args = parser.parse_args()
    fresh_database(args.db, "designer")
    setup_django(args.db, "designer")
    migrate()
    import copy

    from django.db import transaction

    from xietong.core.memo import memo_scope
    from xietong.designer.items import designed_item_create
    from xietong.designer.library import library_documents
    from xietong.designer.models import ApproverGroup
    from xietong.designer.services import definition_publish
    from xietong.items.runner import run_step
    from xietong.org.demo import seed_demo_org
    from xietong.org.models import Department, Person, Project
    from xietong.requests.services import request_create

    seed_demo_org()
    people = {p.username: p for p in Person.objects.all()}
    group, _ = ApproverGroup.objects.get_or_create(code="finance", defaults={"name": "财务"})
    group.members.set([people["fengjing"], people["heyang"]])
    with transaction.atomic():
        version = definition_publish(actor=people["admin"], document=copy.deepcopy(library_documents()["expense"]))
    project = Project.objects.get(code="smartwatch")
    software = Department.objects.get(code="rd-software")
    lines = [
        {"date": "2026-10-09", "item": "往返高铁", "amount": "1200"},
        {"date": "2026-10-09", "item": "住宿", "amount": "553.50"},
    ]

    def atomic(call):
        def run():  # as a web request runs it: one memo (MemoMiddleware) around one transaction
            with memo_scope(), transaction.atomic():
                return call()

        return run

    samples: dict[str, list[tuple[float, float]]] = {}
    for n in range(args.items + 10):  # the first 10 warm caches and are not counted
        item = measure(
            samples,
            "designed.create",
            atomic(
                lambda n=n: designed_item_create(
                    definition=version.definition,
                    actor=people["guoxin"],
                    title=f"出差报销-{n}",
                    project=project,
                    raw={"reason": "渠道拜访", "kind": "差旅", "lines": lines},
                )
            ),
        )
        for who in ("hujun", "fengjing", "heyang"):
            item = measure(
                samples,
                "designed.approve",
                atomic(lambda who=who, item=item: run_step(actor=people[who], item=item, step="approve")),
            )
        assert item.state == "approved", item.state
        request = measure(
            samples,
            "request.create",
            atomic(
                lambda n=n: request_create(
                    actor=people["guoxin"],
                    criteria=["响应≤1个工作日"],
                    submit=True,
                    title=f"压测需求-{n}",
                    project=project,
                    receiving_department=software,
                    receiver=people["lina"],
                    background="压测",
                    goal="接收确认",
                    content="请接收",
                    expected_date=dt.date(2027, 12, 31),
                )
            ),
        )
        measure(
            samples,
            "request.acknowledge",
            atomic(lambda r=request: run_step(actor=people["lina"], item=r, step="acknowledge")),
        )
        if n == 9:
            samples.clear()

    def mean(name: str, index: int) -> float:
        return statistics.mean(s[index] for s in samples[name])

    labels = {
        "designed.create": "费用报销（设计的流程）：发起并提交",
        "designed.approve": "费用报销（设计的流程）：同意（每一位审批人）",
        "request.create": "需求协作（内置流程）：创建并提交",
        "request.acknowledge": "需求协作（内置流程）：接收确认",
    }
    for name, label in labels.items():
        emit("designer", f"{label} 耗时", mean(name, 0), "ms/次", db=args.db)
        emit("designer", f"{label} CPU", mean(name, 1), "ms/次", db=args.db)
    designed = mean("designed.create", 0) + 3 * mean("designed.approve", 0)
    built_in = mean("request.create", 0) + mean("request.acknowledge", 0)
    emit("designer", "费用报销一件：发起 + 3 次同意 耗时", designed, "ms/件", db=args.db)
    emit("designer", "需求一件：创建 + 接收确认 耗时", built_in, "ms/件", db=args.db)
    emit(
        "designer",
        "每次操作平均：设计的流程 / 内置流程",
        (designed / 4) / (built_in / 2),
        "倍",
        goal="≤ 1（一样快）",
        db=args.db,
    )


if __name__ == "__main__":
    main()
