"""Only web addresses with a host and paths of this site become links: never javascript:, never a protocol-
relative //evil.example (another site to the browser) — refused in onboarding process links and in
notice bodies."""

import pytest

from xietong.core.errors import ApplicationError
from xietong.core.links import link_is_safe
from xietong.lighter.tests.test_lighter import onboard
from xietong.notices.models import Notice
from xietong.notices.tests.test_notices import publish


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("/requests/new/", True),
        ("https://wiki.example.com/入职", True),
        ("http://10.0.0.5:8080/doc", True),
        ("//evil.example", False),
        ("//evil.example/login", False),
        ("/\\evil.example", False),
        ("https:evil.example", False),
        ("https://", False),
        ("javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("ftp://files.example.com/a", False),
        ("mailto:hr@example.com", False),
        (" https://ok.example/a ", True),
    ],
)
def test_which_addresses_may_be_links(url, safe):
    assert link_is_safe(url) is safe


def test_onboarding_refuses_a_protocol_relative_link_at_its_field(company):
    with pytest.raises(ApplicationError) as refused:
        onboard(company, process_links="发起需求 /requests/new/\n制度手册 //evil.example/handbook")
    assert refused.value.fields == {
        "process_links": "第 2 行的链接“//evil.example/handbook”不能使用："
        "只能是 http:// 或 https:// 开头的网址，或本站路径（以一个 / 开头）"
    }
    assert onboard(company, process_links="制度手册 https://wiki.example.com/handbook").links() == [
        ("制度手册", "https://wiki.example.com/handbook")
    ]


def test_a_notice_body_with_a_link_to_another_site_is_refused_at_the_body(company, client_for):
    # The editor's links are checked, not silently unlinked: the author sees which address was refused.
    with pytest.raises(ApplicationError) as refused:
        publish(
            company,
            body='<p>请看<a href="//evil.example/login">公司制度</a>和<a href="https://wiki.example.com/a">手册</a></p>',
        )
    assert "evil.example" in str(refused.value.fields["body"])
    assert not Notice.objects.filter(title="关于规范跨部门协作流程的通知").exists()
