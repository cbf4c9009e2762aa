"""The manager chain escalation climbs: department head → division leader → general manager."""

import pytest

from xietong.org.models import Department
from xietong.org.roles import Role, manager_chain, roles_of


def names(chain):
    return [(rung.level, rung.person.username if rung.person else None, rung.note) for rung in chain]


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        # an engineer: own head, the division leader over 研发中心 (inherited), the GM
        ("wangqiang", [(1, "lina", ""), (2, "wangjianguo", ""), (3, "chenzhiqiang", "")]),
        # a department head: the head of the department above, then as before
        ("lina", [(1, "zhangwei", ""), (2, "wangjianguo", ""), (3, "chenzhiqiang", "")]),
        # 客服: division leader 李秀英
        ("caojing", [(1, "dengli", ""), (2, "lixiuying", ""), (3, "chenzhiqiang", "")]),
        # 财务部 has no division leader: the rung is empty and says why
        ("heyang", [(1, "fengjing", ""), (2, None, "未设分管领导"), (3, "chenzhiqiang", "")]),
        # the general manager has nobody above
        ("chenzhiqiang", [(1, "zhaomin", ""), (2, None, "未设分管领导"), (3, None, "本人即总经理")]),
    ],
)
def test_manager_chain(company, username, expected):
    assert names(manager_chain(company.person(username))) == expected


def test_a_department_without_head_leaves_the_first_rung_empty_and_says_so(company):
    Department.objects.filter(code="rd-qa").update(head=None)
    chain = manager_chain(company.person("maxiaoyan"))
    assert names(chain) == [(1, None, "测试部未设部门负责人"), (2, "wangjianguo", ""), (3, "chenzhiqiang", "")]


def test_roles_are_derived(company):
    assert roles_of(company.person("wangqiang")) == [Role.MEMBER]
    assert roles_of(company.person("liufang")) == [Role.MEMBER, Role.DEPARTMENT_HEAD, Role.COORDINATOR]
    assert roles_of(company.person("wangjianguo")) == [Role.MEMBER, Role.DIVISION_LEADER]
    assert roles_of(company.person("chenzhiqiang")) == [Role.MEMBER, Role.GENERAL_MANAGER]
    assert Role.ADMINISTRATOR in roles_of(company.person("admin"))
