"""A published 费用报销 (the library's) with 财务 = 冯静 and 何洋, and items of it started by 郭鑫 (产品部)."""

import copy

import time_machine
from django.db import transaction

from xietong.designer.items import designed_item_create
from xietong.designer.library import library_documents
from xietong.designer.models import ApproverGroup
from xietong.designer.services import definition_publish
from xietong.items.runner import run_step
from xietong.requests.tests.test_request_flow import at


def finance_group(company):
    group, _ = ApproverGroup.objects.get_or_create(code="finance", defaults={"name": "财务"})
    group.members.set([company.person("fengjing"), company.person("heyang")])
    return group


def publish(company, document=None, when="2026-10-09 09:00"):
    finance_group(company)
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return definition_publish(actor=company.person("admin"), document=document or expense())


def expense():
    return copy.deepcopy(library_documents()["expense"])


def lines(*amounts):
    return [{"date": "2026-10-09", "item": f"费用{n + 1}", "amount": str(a)} for n, a in enumerate(amounts)]


def start(company, version, amounts=(1200, 553.5), who="guoxin", when="2026-10-09 15:00", submit=True):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return designed_item_create(
            definition=version.definition,
            actor=company.person(who),
            title="10月上海出差报销",
            project=company.project("smartwatch"),
            raw={"reason": "智能手表渠道拜访", "kind": "差旅", "lines": lines(*amounts)},
            submit=submit,
        )


def act(company, username, item, step, when, reason="", **inputs):
    with time_machine.travel(at(when), tick=False), transaction.atomic():
        return run_step(actor=company.person(username), item=item, step=step, reason=reason, inputs=inputs)


def clock_rows(html):
    """The item page's clock panel as text: one list of cells per row (limit, owner, due, state)."""
    import re

    panel = html.split('id="clocks"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr class="tone-[^"]*">(.*?)</tr>', panel, re.S)

    def text(cell):
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()

    return [[text(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]
