"""A 费用报销 of 郭鑫 in 智能手表项目, waiting for 胡军: the permission matrix's sample of a designed process."""

from xietong.designer.tests.support import publish, start


def sample(company):
    return start(company, publish(company), when="2026-10-12 09:30")
