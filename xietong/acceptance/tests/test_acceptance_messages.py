"""The acceptor is told the limit an administrator set, with its due instant — never a literal."""

from xietong.acceptance.tests.test_acceptance import submit
from xietong.clocks.models import ClockPolicy
from xietong.notify.models import InboxMessage
from xietong.requests.models import Request
from xietong.requests.tests.test_request_flow import _published_task


def test_the_acceptor_is_told_the_limit_the_administrator_set(company):
    request, _breakdown, _task = _published_task(company)
    ClockPolicy.objects.filter(process="deliverable", kind="review").update(duration="3d")
    submit(company, Request.objects.get(pk=request.pk), when="2026-03-05 10:00")
    told = InboxMessage.objects.get(recipient__username="guoxin", notification__title__startswith="【待验收】")
    assert told.notification.title == "【待验收】续航测试报告 V1"
    assert told.notification.body == "李娜 提交了交付成果，请在 3月10日 10:00 前（3 个工作日内）按验收标准完成验收。"
