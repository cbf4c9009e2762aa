"""Who sees which people and projects: the rules of SPEC §1 applied to the demo company.

Members see their projects and their own department; department heads and division leaders see the
departments they lead (sub-departments included); the general manager and coordinators see all.
Anything out of reach is a 404 on the page and in the API — never a 403 that would reveal it exists.
"""

import pytest

from xietong.org.models import Person, Project

PROJECTS_VISIBLE = {
    "wangqiang": {"smartwatch"},  # member of 智能手表项目
    "lina": {"smartwatch", "q4-iteration"},  # member of one, leads the other (and heads its department)
    "zhangwei": {"q4-iteration"},  # heads 研发中心: projects owned by departments under it
    "wangjianguo": {"smartwatch", "q4-iteration"},  # division leader of 研发中心, 产品部, 生产部
    "lixiuying": {"service-response"},  # division leader of 市场部, 销售部, 客户服务部
    "chenzhiqiang": {"smartwatch", "q4-iteration", "service-response"},  # general manager
    "liufang": {"smartwatch", "q4-iteration", "service-response"},  # coordinator, 综合管理部
    "sunli": {"smartwatch", "q4-iteration", "service-response"},  # coordinator and member
    "fengjing": set(),  # 财务部: in no project
    "admin": {"smartwatch", "q4-iteration", "service-response"},  # administrator configures projects
}


@pytest.mark.parametrize(("username", "expected"), PROJECTS_VISIBLE.items())
def test_projects_visible_per_role(company, username, expected):
    person = company.person(username)
    assert set(Project.objects.restrict(person).values_list("code", flat=True)) == expected


def test_a_member_sees_own_department_and_project_colleagues_only(company):
    visible = set(Person.objects.restrict(company.person("wangqiang")).values_list("username", flat=True))
    assert visible == {
        # 软件开发部
        "lina",
        "wangqiang",
        "liuyang",
        "chenjing",
        "yangfan",
        # 智能手表项目
        "guoxin",
        "zhaolei",
        "huangmin",
        "sunyu",
        "maxiaoyan",
        "luoqian",
        "xieqiang",
        "heli",
    }


def test_a_department_head_outside_projects_sees_only_the_department(company):
    visible = set(Person.objects.restrict(company.person("fengjing")).values_list("username", flat=True))
    assert visible == {"fengjing", "heyang"}


def test_a_head_sees_sub_departments(company):
    visible = set(Person.objects.restrict(company.person("zhangwei")).values_list("username", flat=True))
    rd = {
        "zhangwei",
        "lina",
        "wangqiang",
        "liuyang",
        "chenjing",
        "yangfan",
        "zhaolei",
        "huangmin",
        "xuming",
        "sunyu",
        "maxiaoyan",
        "zhuhong",
    }
    q4 = {"lina", "liuyang", "chenjing", "yangfan", "linxue", "zhuhong", "heli"}
    assert visible == rd | q4


def test_division_leader_sees_all_led_departments(company):
    visible = set(Person.objects.restrict(company.person("lixiuying")).values_list("username", flat=True))
    assert {"gaofeng", "luoqian", "liangyu", "songtao", "tangwen", "hanlei", "dengli", "caojing", "pengbo"} <= visible
    assert "fengjing" not in visible and "xuming" not in visible


@pytest.mark.parametrize("username", ["chenzhiqiang", "liufang"])
def test_general_manager_and_coordinators_see_everyone(company, username):
    assert Person.objects.restrict(company.person(username)).count() == Person.objects.count() == 40


def test_inactive_and_anonymous_people_see_nothing(company):
    from django.contrib.auth.models import AnonymousUser

    assert not Project.objects.restrict(AnonymousUser()).exists()
    person = company.person("chenzhiqiang")
    person.is_active = False
    assert not Project.objects.restrict(person).exists()


def test_outsider_gets_404_on_project_page_and_api(company, client_for):
    smartwatch = company.project("smartwatch")
    outsider = client_for("fengjing")
    insider = client_for("wangqiang")

    assert insider.get(f"/org/projects/{smartwatch.pk}/").status_code == 200
    page = outsider.get(f"/org/projects/{smartwatch.pk}/")
    assert page.status_code == 404
    assert "找不到这个页面" in page.content.decode()

    assert insider.get(f"/api/org/projects/{smartwatch.pk}").status_code == 200
    api = outsider.get(f"/api/org/projects/{smartwatch.pk}")
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"
    # Same answer as for a project that does not exist at all: nothing leaks.
    assert outsider.get("/api/org/projects/999999").json() == api.json()
    assert outsider.get(f"/api/org/projects/{smartwatch.pk}/members").status_code == 404


def test_outsider_gets_404_on_person_page_and_api(company, client_for):
    caojing = company.person("caojing")  # 客户服务部
    outsider = client_for("fengjing")
    assert outsider.get(f"/org/people/{caojing.pk}/").status_code == 404
    assert outsider.get(f"/api/org/people/{caojing.pk}").status_code == 404
    assert client_for("dengli").get(f"/org/people/{caojing.pk}/").status_code == 200


def test_api_lists_are_filtered_the_same_way(company, client_for):
    body = client_for("fengjing").get("/api/org/people?limit=100").json()
    assert {p["username"] for p in body["items"]} == {"fengjing", "heyang"}
    assert body["count"] == 2
    assert client_for("fengjing").get("/api/org/projects").json() == {"items": [], "count": 0}


def test_nobody_but_the_person_or_an_admin_may_edit_contact_details(company, client_for):
    lina = company.person("lina")
    # 张伟 heads 李娜's parent department and can see her, but may not edit her details: 403, not 404.
    response = client_for("zhangwei").get(f"/org/people/{lina.pk}/contact/")
    assert response.status_code == 403
    assert client_for("fengjing").get(f"/org/people/{lina.pk}/contact/").status_code == 404
    assert client_for("lina").get(f"/org/people/{lina.pk}/contact/").status_code == 200
    assert client_for("admin").get(f"/org/people/{lina.pk}/contact/").status_code == 200
