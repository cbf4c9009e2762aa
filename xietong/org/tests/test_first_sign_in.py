"""A new person's first sign-in (issue 23): when an administrator chose the password, every page and the JSON API
with the session send the person to 修改密码 until they set their own (a personal token is unaffected); then the
short guide shows once, and stays in the user menu."""

from django.core.management import call_command
from django.test import Client

from xietong.core.audit import AuditEvent
from xietong.core.tokens import api_token_create
from xietong.org.management.commands import password as password_command
from xietong.org.models import Person

CHANGE = "/accounts/password/change/"


def sign_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_a_person_the_administrator_added_sets_their_own_password_then_sees_the_guide_once(company, client_for):
    admin = client_for("admin")
    added = admin.post(
        "/admin/org/person/add/",
        {
            "username": "wangxx",
            "name": "王小新",
            "department": company.department("rd-qa").pk,
            "email": "wangxx@xingchen.example.com",
            "password1": "Chushi#2026x",
            "password2": "Chushi#2026x",
            "usable_password": "true",
        },
    )
    import re

    assert added.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", added.content.decode(), re.S)
    person = Person.objects.get(username="wangxx")
    assert (person.must_change_password, person.guide_pending) == (True, True)

    wangxx = sign_in("wangxx", "Chushi#2026x")
    for page in ("/", "/requests/", "/org/", "/guide/", "/inbox/"):
        response = wangxx.get(page)
        assert (page, response.status_code, response["Location"]) == (page, 302, CHANGE)
    assert wangxx.post("/requests/new/", {}).status_code == 302  # a form elsewhere is no way round it
    refused = wangxx.get("/api/me")
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    assert "请先在“修改密码”页面设置您自己的密码" in refused.json()["message"]
    _token, secret = api_token_create(person=person, name="脚本")
    assert (
        Client().get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )  # tokens: as before

    form = wangxx.get(CHANGE).content.decode()
    assert "管理员为您设置了初始密码。请先设置您自己的密码，之后才能使用协同。" in form
    same = wangxx.post(
        CHANGE, {"old_password": "Chushi#2026x", "new_password1": "Chushi#2026x", "new_password2": "Chushi#2026x"}
    )
    assert same.status_code == 200 and "新密码不能与管理员设置的密码相同" in same.content.decode()
    assert 'value="Chushi#2026x"' not in same.content.decode()  # passwords are never echoed back
    done = wangxx.post(
        CHANGE, {"old_password": "Chushi#2026x", "new_password1": "Ziji#Mima58", "new_password2": "Ziji#Mima58"}
    )
    assert (done.status_code, done["Location"]) == (302, "/guide/")
    person.refresh_from_db()
    assert person.must_change_password is False and person.check_password("Ziji#Mima58")
    assert AuditEvent.objects.filter(action="org.person.own_password_set", object_id=str(person.pk)).count() == 1

    guide = wangxx.get("/guide/").content.decode()
    assert "欢迎使用协同，王小新" in guide
    assert 'href="/inbox/preferences/"' in guide or 'id="guide-notify-link"' in guide
    assert wangxx.get("/").status_code == 200  # not again
    assert wangxx.get("/api/me").status_code == 200
    later = wangxx.get("/guide/").content.decode()  # still reachable, without the welcome
    assert "入门指南" in later and "欢迎使用协同" not in later
    assert 'id="menu-guide"' in wangxx.get("/").content.decode()


def test_the_guide_comes_first_once_for_a_new_account_without_a_password_to_change(company):
    """Accounts from the directory sync or a first SSO sign-in have no password: they see the guide once."""
    Person.objects.filter(username="lina").update(guide_pending=True)
    lina = Client()
    lina.force_login(company.person("lina"))
    first = lina.get("/requests/?status=open")
    assert (first.status_code, first["Location"]) == (302, "/guide/?next=%2Frequests%2F%3Fstatus%3Dopen")
    page = lina.get(first["Location"]).content.decode()
    assert 'href="/requests/?status=open" id="guide-done"' in page
    assert lina.get("/requests/?status=open").status_code == 200
    assert 'href="/" id="guide-done"' in lina.get("/guide/?next=//evil.example/").content.decode()


def test_an_administrator_resetting_a_password_makes_the_person_change_it_unless_told_otherwise(company, client_for):
    admin = client_for("admin")
    heli = company.person("heli")
    url = f"/admin/org/person/{heli.pk}/password/"
    assert 'name="must_change_password"' in admin.get(url).content.decode()
    reset = admin.post(
        url,
        {
            "password1": "Chongzhi#77a",
            "password2": "Chongzhi#77a",
            "must_change_password": "on",
            "usable_password": "true",
        },
    )
    assert reset.status_code == 302, reset.content.decode()[:2000]
    heli.refresh_from_db()
    assert heli.must_change_password is True and heli.check_password("Chongzhi#77a")
    assert sign_in("heli", "Chongzhi#77a").get("/")["Location"] == CHANGE

    admin.post(url, {"password1": "Chongzhi#78b", "password2": "Chongzhi#78b", "usable_password": "true"})
    heli.refresh_from_db()
    assert heli.must_change_password is False and heli.check_password("Chongzhi#78b")


def test_the_command_line_password_is_the_administrators_too(company, monkeypatch):
    monkeypatch.setattr(password_command.Command, "_get_pass", lambda self, prompt="": "Mingling#9zx")
    call_command("password", "lina")
    lina = Person.objects.get(username="lina")
    assert lina.must_change_password is True and lina.check_password("Mingling#9zx")
    assert sign_in("lina", "Mingling#9zx").get("/tasks/")["Location"] == CHANGE
