"""The first pages as a person uses them: Chinese by default, English on request, clear errors."""

from xietong.core.models import AuditEvent


def test_workbench_lists_my_projects(client_for):
    html = client_for("wangqiang").get("/").content.decode()
    assert "我的工作台" in html and "王强，您好" in html
    assert "智能手表项目" in html and "2026年Q4产品迭代" not in html


def test_org_tree_shows_departments_and_only_visible_people(client_for):
    html = client_for("fengjing").get("/org/").content.decode()
    for name in ["星辰智能科技有限公司", "研发中心", "软件开发部", "综合管理部", "客户服务部"]:
        assert name in html
    assert "何洋" in html  # own department
    assert "王强" not in html  # another department, no shared project


def test_profile_shows_roles_and_escalation_chain(company, client_for):
    html = client_for("wangqiang").get(f"/org/people/{company.person('wangqiang').pk}/").content.decode()
    assert "上级链" in html and "李娜" in html and "王建国" in html and "陈志强" in html


def test_unknown_url_is_a_chinese_404(client_for):
    response = client_for("lina").get("/no/such/page/")
    assert response.status_code == 404
    assert "找不到这个页面" in response.content.decode()


def test_english_is_available(client_for):
    c = client_for("lina")
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get("/").content.decode()
    assert "My workbench" in html
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的工作台" in c.get("/").content.decode()


def test_contact_edit_with_bad_phone_shows_chinese_error_and_saves_nothing(company, client_for):
    lina = company.person("lina")
    response = client_for("lina").post(
        f"/org/people/{lina.pk}/contact/",
        {"email": "lina@example.com", "phone": "abc", "version": lina.version},
    )
    assert response.status_code == 200
    assert "请输入有效的电话号码" in response.content.decode()
    lina.refresh_from_db()
    assert lina.email != "lina@example.com"
    assert not AuditEvent.objects.filter(action="org.person.update_contact").exists()


def test_two_people_editing_at_once_the_second_gets_a_conflict(company, client_for):
    lina = company.person("lina")
    admin, herself = client_for("admin"), client_for("lina")
    loaded_version = lina.version
    first = herself.post(
        f"/org/people/{lina.pk}/contact/",
        {"email": "lina@xingchen.example.com", "phone": "13911110000", "version": loaded_version},
    )
    assert first.status_code == 302
    second = admin.post(
        f"/org/people/{lina.pk}/contact/",
        {"email": "lina@xingchen.example.com", "phone": "13922220000", "version": loaded_version},
    )
    assert second.status_code == 200
    assert "该记录已被他人修改" in second.content.decode()
    lina.refresh_from_db()
    assert lina.phone == "13911110000"
