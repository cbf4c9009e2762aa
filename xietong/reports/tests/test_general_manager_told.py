"""What awaits the general manager reaches him: a 协作流程优化建议 puts a line in his inbox and an entry on his
workbench, which leaves when he has decided (issue 23: his workbench was empty, nobody told him)."""

from xietong.core.workbench import sections_for
from xietong.notify.models import InboxMessage
from xietong.reports.tests.test_review import decide, propose, review  # noqa: F401  (review: a fixture)


def section(person, key):
    return next((s for s in sections_for(person) if s.key == key), None)


def test_a_proposal_reaches_the_general_managers_inbox_and_workbench_until_he_decides(company, review):  # noqa: F811
    proposal = propose(company, review)
    gm = company.person("chenzhiqiang")

    told = InboxMessage.objects.filter(recipient=gm).select_related("notification").get()
    assert told.notification.title == "【待审批】协作流程优化建议：高优先级需求响应时限放宽至 3 小时"
    assert told.notification.body == (
        f"刘芳 在 {review.code} 季度复盘中提出，请批准或不批准：本季度响应超时集中在上午会议时段"
    )
    assert told.notification.url == f"/reports/reviews/{review.pk}/#proposal-{proposal.pk}"

    waiting = section(gm, "proposals")
    assert [(e.title, e.url, e.meta) for e in waiting.entries] == [
        (
            "高优先级需求响应时限放宽至 3 小时",
            f"/reports/reviews/{review.pk}/#proposal-{proposal.pk}",
            f"刘芳 提出 · {review.code}",
        )
    ]
    assert section(company.person("liufang"), "proposals") is None  # only the one who decides sees it

    decide(company, proposal)
    assert section(gm, "proposals").entries == []
