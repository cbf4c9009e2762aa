"""The request page's key nodes and 需求变更 over the API with the page's checks: a node is set (a relative one
on the N-th working day, 国庆 skipped and the 调休 Saturday counted) and reached; a change after acceptance sends
its diff to every participant, each of whom confirms 已阅 through the change's own steps."""

import time_machine

from xietong.requests.tests.test_milestones_and_changes import accepted_request, at


def call(client, method, url, when, body=None):
    with time_machine.travel(at(when), tick=False):
        if method == "get":
            return client.get(url)
        return client.post(url, body or {}, content_type="application/json")


def test_nodes_and_a_change_over_the_api(company, client_for):
    request = accepted_request(company)
    guoxin, gaofeng = client_for("guoxin"), client_for("gaofeng")
    base = f"/api/requests/{request.pk}"
    missing = call(guoxin, "post", f"{base}/milestones", "2026-09-28 10:00", {"title": "原型设计稿"})
    assert (missing.status_code, missing.json()["fields"]) == (
        400,
        {"owner": "请选择责任人", "due_date": "请填写节点日期，或填写第几个工作日及起算日"},
    )
    node = call(
        guoxin,
        "post",
        f"{base}/milestones",
        "2026-09-28 10:00",
        {"title": "原型设计稿", "owner_id": company.person("huangmin").pk, "workday": 10, "start_date": "2026-09-28"},
    )
    assert node.status_code == 201, node.content
    # 9/28, 9/29, 9/30, 10/8, 10/9, 10/10 (调休), 10/12 … the 10th working day is Thursday 10/15, due at 18:00.
    assert (node.json()["due_date"], node.json()["due_at"]) == ("2026-10-15", "2026-10-15T10:00:00Z")
    assert call(client_for("yuhai"), "get", f"{base}/milestones", "2026-09-28 10:05").status_code == 404

    refused = call(guoxin, "post", f"{base}/changes", "2026-10-09 16:00", {"priority": "high"})
    assert (refused.status_code, refused.json()["fields"]) == (400, {"reason": "请填写变更原因"})
    outsider = call(
        client_for("luoqian"), "post", f"{base}/changes", "2026-10-09 16:00", {"reason": "x", "priority": "high"}
    )
    assert outsider.status_code == 403
    sent = call(
        guoxin,
        "post",
        f"{base}/changes",
        "2026-10-09 16:00",
        {
            "reason": "客户要求提前上市",
            "expected_date": "2026-10-23",
            "criteria": ["待机续航≥5天", "功耗测试报告通过评审"],
            "milestones": {str(node.json()["id"]): "2026-09-30"},
        },
    )
    assert sent.status_code == 201, sent.content
    v2 = sent.json()
    assert (v2["number"], v2["state"], v2["sent_at"]) == (2, "awaiting", "2026-10-09T08:00:00Z")
    assert [(c["label"], c["old"], c["new"]) for c in v2["changes"]] == [
        ("期望完成时间", "2026-10-30", "2026-10-23"),
        ("验收标准", "1. 待机续航≥5天", "1. 待机续航≥5天\n2. 功耗测试报告通过评审"),
        ("节点“原型设计稿”起算日", "2026-09-28", "2026-09-30"),
    ]
    assert sorted(r["person_id"] for r in v2["receipts"]) == sorted(
        company.person(u).pk for u in ("hujun", "zhaolei", "gaofeng", "luoqian", "xieqiang")
    )
    actions = call(gaofeng, "get", f"/api/requests/changes/{v2['id']}/actions", "2026-10-10 09:00").json()
    assert [a["name"] for a in actions] == ["confirm"]
    read = call(gaofeng, "post", f"/api/requests/changes/{v2['id']}/transitions/confirm", "2026-10-10 09:00")
    assert read.status_code == 200, read.content
    mine = next(r for r in read.json()["receipts"] if r["person_id"] == company.person("gaofeng").pk)
    assert mine["confirmed_at"] == "2026-10-10T01:00:00Z"
    versions = call(guoxin, "get", f"{base}/versions", "2026-10-10 09:05").json()
    assert [(v["number"], v["state"]) for v in versions] == [(1, "original"), (2, "awaiting")]

    # The node's owner marks it reached through its steps.
    reached = call(
        client_for("huangmin"),
        "post",
        f"/api/requests/milestones/{node.json()['id']}/transitions/reach",
        "2026-10-14 17:00",
    )
    assert reached.status_code == 200, reached.content
    assert (reached.json()["state"], reached.json()["due_at"]) == ("reached", None)
