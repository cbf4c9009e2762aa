"""The people pickers' server search (/org/people/search/): by pinyin initials, full pinyin, a part of the
name, initials and department together — only people the asker may see, active ones."""

from xietong.org.models import Person


def found(client, q: str) -> list[str]:
    response = client.get("/org/people/search/", {"q": q})
    assert response.status_code == 200
    return [p["username"] for p in response.json()["people"]]


def test_people_are_found_by_pinyin_initials_by_name_and_by_department(client_for):
    admin = client_for("admin")
    assert found(admin, "fj") == ["fengjing"]
    assert found(admin, "fengjing") == ["fengjing"]
    assert found(admin, "何") == ["heyang", "heli"]
    assert found(admin, "hy cw") == ["heyang"]  # 何洋 of 财务部
    assert found(admin, "") == []
    row = admin.get("/org/people/search/", {"q": "fj"}).json()["people"][0]
    assert (row["name"], row["label"], row["department"], row["initials"]) == ("冯静", "冯静（财务部）", "财务部", "fj")
    assert "fengjing fj" in row["search"]


def test_the_search_offers_only_active_people_the_asker_may_see(client_for):
    # 王强 sees his own department and projects only: 冯静 (财务部, no project of his) is not found.
    assert found(client_for("wangqiang"), "fj") == []
    # Handing an approval over or adding an approver (转交/加签) reaches anyone in the company.
    everyone = client_for("wangqiang").get("/org/people/search/", {"q": "fj", "among": "everyone"}).json()
    assert [p["username"] for p in everyone["people"]] == ["fengjing"]
    Person.objects.filter(username="heli").update(is_active=False)
    assert found(client_for("admin"), "何") == ["heyang"]


def test_signed_out_the_search_sends_to_sign_in(client):
    response = client.get("/org/people/search/", {"q": "fj"})
    assert response.status_code == 302
