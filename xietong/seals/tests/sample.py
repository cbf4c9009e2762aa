"""A 用印申请 of 产品部 in 智能手表项目, submitted and waiting for 胡军: the permission matrix's sample."""

import time_machine
from django.db import transaction

from xietong.items.creation import item_create
from xietong.requests.tests.test_request_flow import at
from xietong.seals.process import SEAL


def sample(company):
    data = {
        "title": "智能手表项目-渠道合作协议用印",
        "project": company.project("smartwatch"),
        "department": company.department("product"),
        "seal_type": "contract",
        "document": "渠道合作协议（西南区）",
        "copies": 2,
        "purpose": "与西南区渠道商签署年度合作协议",
    }
    with time_machine.travel(at("2026-10-12 09:30"), tick=False), transaction.atomic():
        return item_create(process=SEAL, actor=company.person("guoxin"), data=data, submit=True)
