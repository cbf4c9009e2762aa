"""模块负责人按截止时间交付成果，在群内@发起人及项目经理 (《企业内部沟通指南与协作工具》二（一）步骤4): the owner of a
task delivers, though their department is not the receiving one, and the request's initiator and the project's
manager are told of each version — the acceptor is asked to judge it."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xietong.acceptance.services import deliverable_submit
from xietong.core.errors import Forbidden
from xietong.notify.models import InboxMessage
from xietong.org.models import Project
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task, at


def test_the_task_owner_delivers_and_the_initiator_and_project_manager_are_told(company):
    request, _breakdown, task = _published_task(company)
    assert task.owner.username == "zhaolei" and not Request.objects.get(pk=request.pk).is_receiver_side(task.owner)
    Project.objects.filter(code="smartwatch").update(lead=company.person("huangmin"))  # the project's manager
    with pytest.raises(Forbidden, match="成果由接收方（负责执行的一方）或任务负责人提交"), transaction.atomic():
        deliverable_submit(actor=company.person("wangqiang"), request=request, name="续航测试报告")
    with time_machine.travel(at("2026-03-05 10:00"), tick=False), transaction.atomic():
        deliverable = deliverable_submit(
            actor=company.person("zhaolei"),
            request=Request.objects.get(pk=request.pk),
            name="硬件功耗测试报告",
            acceptor=company.person("lina"),
            upload=SimpleUploadedFile("report.pdf", b"%PDF v1", "application/pdf"),
            release="V1.0",
            features="功耗基线数据",
            test_report="功耗测试通过",
        )
    assert (deliverable.submitter.username, deliverable.department.code) == ("zhaolei", "rd-hardware")
    told = InboxMessage.objects.filter(notification__title__startswith="【成果已交付】")
    assert sorted(m.recipient.username for m in told) == ["guoxin", "huangmin"]
    assert told[0].notification.body == "赵磊 提交了交付成果 V1，验收人：李娜。"
    asked = InboxMessage.objects.filter(notification__title__startswith="【待验收】")
    assert [m.recipient.username for m in asked] == ["lina"]
