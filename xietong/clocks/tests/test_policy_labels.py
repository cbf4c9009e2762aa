"""Time-limit rules read in words, not codes (issue 23): the proposal form offered "request/high/响应：2h" and
the admin listed process and priority as request / high."""

import re

from xietong.clocks.models import ClockPolicy


def test_a_rule_is_named_by_its_process_priority_and_limit_in_words(db):
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    assert str(policy) == "需求协作 · 高优先级 · 响应：2 个工作小时"
    assert str(ClockPolicy.objects.get(process="exception", priority="major", kind="resolve")) == (
        "异常问题 · 重大 · 解决/闭环：48 小时"
    )


def test_a_declared_process_the_defaults_do_not_know_is_named_by_its_declaration(company):
    # 用印申请 (xietong/seals) showed its code: "seal · … · 用印：1 个工作日".
    policy = ClockPolicy.objects.get(process="seal", kind="stamp")
    assert policy.process_label() == "用印申请"
    assert str(policy).startswith("用印申请 · ") and str(policy).endswith("用印：1 个工作日")


def test_the_admin_lists_rules_in_words(company, client_for):
    page = client_for("admin").get("/admin/clocks/clockpolicy/").content.decode()
    cells = [
        (field, re.sub(r"<[^>]+>", "", value))
        for field, value in re.findall(r'<t[hd] class="field-(process_label|priority_label)"[^>]*>(.*?)</t[hd]>', page)
    ]
    assert ("process_label", "需求协作") in cells and ("priority_label", "高优先级") in cells
    assert not any(value in {"request", "high", "*"} for _field, value in cells)


def test_every_rule_names_its_priority_in_words(company):
    # The quarterly review's proposal form listed "异常问题 · urgent · 响应：2 小时": an urgent exception's two
    # rules had no word for their priority.
    assert str(ClockPolicy.objects.get(process="exception", priority="urgent", kind="respond")) == (
        "异常问题 · 紧急 · 响应：2 小时"
    )
    unnamed = {p.priority for p in ClockPolicy.objects.all() if p.priority_label() == p.priority}
    assert unnamed == set()
