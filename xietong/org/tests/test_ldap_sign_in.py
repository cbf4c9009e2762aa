"""Sign-in with an LDAP password on the ordinary login form, against Debian's slapd started by the test
(tests/ldap_server.py): the account found by the entry's entryUUID, else work email, else mobile — never by
name —; an unknown person refused with a clear message; a just-in-time account where the department allows
it; the local password still a fallback the administrator can switch off per person."""

from __future__ import annotations

import pytest

from xietong.core.models import AuditEvent
from xietong.org.models import Person

pytestmark = pytest.mark.django_db


def post_login(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password, "next": "/org/"})


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return Person.objects.get(pk=user_id).username if user_id else None


def entry_uuid(slapd, dn: str) -> str:
    return slapd.conn.search_s(dn, 0, "(objectClass=*)", ["entryUUID"])[0][1]["entryUUID"][0].decode()


def test_directory_password_signs_in_the_person_with_that_work_email(client, company, slapd):
    slapd.add_ou("研发中心")
    dn = slapd.add_person("li.na", "李娜", "研发中心", password="dir-Pass-1", mail="lina@xingchen.example.com")
    response = post_login(client, "li.na", "dir-Pass-1")
    assert response.status_code == 302 and response["Location"] == "/org/"
    assert signed_in_as(client) == "lina"
    lina = company.person("lina")
    assert lina.ldap_id == entry_uuid(slapd, dn) and len(lina.ldap_id) == 36
    assert AuditEvent.objects.get(action="auth.login").actor == lina

    # Later the entryUUID alone finds her, whatever her email says now.
    client.logout()
    slapd.modify(dn, mail="li.na@new-domain.example.com")
    assert post_login(client, "li.na", "dir-Pass-1").status_code == 302
    assert signed_in_as(client) == "lina"


def test_matched_by_mobile(client, company, slapd):
    phone = company.person("wangqiang").phone
    slapd.add_person("wq", "王强", password="dir-Pass-2", mobile=f"+86 {phone}")
    assert post_login(client, "wq", "dir-Pass-2").status_code == 302
    assert signed_in_as(client) == "wangqiang"


def test_wrong_directory_password_is_refused_like_any_wrong_password(client, company, slapd):
    slapd.add_person("li.na", "李娜", password="dir-Pass-1", mail="lina@xingchen.example.com")
    response = post_login(client, "li.na", "not-it")
    assert response.status_code == 200
    assert "用户名或密码不正确（密码区分大小写）。" in response.content.decode()
    assert signed_in_as(client) is None and company.person("lina").ldap_id == ""


def test_unknown_person_is_refused_with_a_clear_message_not_matched_by_name(client, company, slapd):
    # Same display name as 李娜, another person: never a match.
    slapd.add_person("lina2", "李娜", password="dir-Pass-3", mail="lina2@elsewhere.example.com")
    response = post_login(client, "lina2", "dir-Pass-3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "您的LDAP账号（lina2）尚未关联协同账号，无法登录。请联系系统管理员添加或同步通讯录后再试。" in html
    assert signed_in_as(client) is None
    refused = AuditEvent.objects.get(action="auth.sso_refused")
    assert refused.after["platform"] == "ldap" and refused.after["reason"] == "unknown"
    assert company.person("lina").ldap_id == ""


def test_just_in_time_account_in_the_ou_of_a_department_that_allows_it(client, company, slapd):
    qa = company.department("rd-qa")
    qa.jit_sign_in = True
    qa.save()
    slapd.add_ou("测试部")
    dn = slapd.add_person(
        "chen.xin", "陈新", "测试部", password="dir-Pass-4", mail="chen.xin@xingchen.example.com", title="测试工程师"
    )
    assert post_login(client, "chen.xin", "dir-Pass-4").status_code == 302
    created = Person.objects.get(username="chen.xin")
    assert (created.name, created.email, created.title, created.department.code, created.ldap_id) == (
        "陈新",
        "chen.xin@xingchen.example.com",
        "测试工程师",
        "rd-qa",
        entry_uuid(slapd, dn),
    )
    assert signed_in_as(client) == "chen.xin"
    assert not created.has_usable_password()


def test_no_just_in_time_account_where_the_department_does_not_allow_it(client, company, slapd):
    slapd.add_ou("财务部")
    slapd.add_person("zhou", "周一", "财务部", password="dir-Pass-5", mail="zhou@xingchen.example.com")
    assert post_login(client, "zhou", "dir-Pass-5").status_code == 200
    assert not Person.objects.filter(username="zhou").exists()


def test_a_deactivated_person_is_refused(client, company, slapd):
    Person.objects.filter(username="lina").update(is_active=False)
    slapd.add_person("li.na", "李娜", password="dir-Pass-1", mail="lina@xingchen.example.com")
    response = post_login(client, "li.na", "dir-Pass-1")
    assert "该账号已停用，请联系管理员。" in response.content.decode()
    assert signed_in_as(client) is None


def test_local_password_stays_a_fallback_the_administrator_can_switch_off(client, company, slapd):
    slapd.add_person("li.na", "李娜", password="dir-Pass-1", mail="lina@xingchen.example.com")
    lina = company.person("lina")
    lina.set_password("local-Pass-9")
    lina.save()
    assert post_login(client, "lina", "local-Pass-9").status_code == 302
    assert signed_in_as(client) == "lina"
    client.logout()

    Person.objects.filter(pk=lina.pk).update(password_sign_in=False)
    response = post_login(client, "lina", "local-Pass-9")
    assert response.status_code == 200 and signed_in_as(client) is None
    # The directory's password still works.
    assert post_login(client, "li.na", "dir-Pass-1").status_code == 302
    assert signed_in_as(client) == "lina"


def test_nothing_is_asked_of_a_directory_that_is_not_configured(client, company, settings):
    settings.XIETONG_LDAP_SERVER_URI = ""
    response = post_login(client, "li.na", "dir-Pass-1")
    assert response.status_code == 200 and signed_in_as(client) is None
