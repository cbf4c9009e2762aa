"""One's own feedback invitation over JSON; someone else's does not exist."""

from xietong.feedback.tests.test_feedback import completed, invitation  # noqa: F401 (fixture)


def test_only_the_invitee_sees_the_invitation_and_its_step(company, completed, client_for):  # noqa: F811
    mine = invitation(completed, "lina")
    lina = client_for("lina")
    assert lina.get(f"/api/feedback/{mine.pk}").json() == {
        "id": mine.pk,
        "request_id": completed.pk,
        "person_id": company.person("lina").pk,
        "state": "pending",
    }
    assert [a["name"] for a in lina.get(f"/api/feedback/{mine.pk}/actions").json()] == ["submit"]
    unscored = lina.post(f"/api/feedback/{mine.pk}/transitions/submit", {"version": 1}, content_type="application/json")
    assert (unscored.status_code, unscored.json()["fields"]["communication"]) == (400, "沟通效率请打 1–5 分")
    for username in ("guoxin", "liufang"):  # the initiator and a coordinator: not theirs to see
        assert client_for(username).get(f"/api/feedback/{mine.pk}").status_code == 404
