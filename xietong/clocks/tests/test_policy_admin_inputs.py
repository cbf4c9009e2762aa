"""The time-limit rule's admin page (issue 23): 流程 and 优先级 chosen by name, never typed or shown as codes, and
every duration typed as 数字 + 单位 instead of "2h / 1d"."""

import re

from xietong.clocks.models import ClockPolicy


def _selected(page: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.search(r"<option[^>]*selected[^>]*>.*?</option>", select, re.S).group(0))


def test_the_rule_form_offers_names_and_number_plus_unit(company, client_for):
    policy = ClockPolicy.objects.get(process="request", priority="high", kind="respond")
    admin = client_for("admin")
    page = admin.get(f"/admin/clocks/clockpolicy/{policy.pk}/change/").content.decode()
    assert (_selected(page, "process"), _selected(page, "priority")) == ("需求协作", "高优先级")
    assert 'name="process" value="request"' not in page and 'type="text" name="priority"' not in page
    assert re.search(r'<input type="number" name="duration_0" value="2"', page)
    assert _selected(page, "duration_1") == "小时"
    units = re.findall(
        r"<option[^>]*>(.*?)</option>", re.search(r'<select name="duration_1".*?</select>', page, re.S).group(0)
    )
    assert units == ["分钟", "小时", "天（按工作时间计为工作日）"]
    assert "例如 2h、1d、30m" not in page

    form = {
        "process": "request",
        "priority": "high",
        "kind": "respond",
        "duration_0": "3",
        "duration_1": "h",
        "mode": "working",
        "snap": "on",
        "remind_before_0": "30",
        "remind_before_1": "m",
        "escalate_after_0": "",
        "escalate_after_1": "h",
        "escalate_mode": "wall",
        "ladder": str(policy.ladder_id or ""),
        "when_late": policy.when_late,
        "is_active": "on",
        "source": policy.source,
        "clause": policy.clause,
        "clause_text": policy.clause_text,
        "also": policy.also,
        "description": policy.description,
    }
    saved = admin.post(f"/admin/clocks/clockpolicy/{policy.pk}/change/", form)
    assert saved.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", saved.content.decode(), re.S)
    policy.refresh_from_db()
    assert (policy.duration, policy.remind_before, policy.escalate_after) == ("3h", "30m", "")

    bad = admin.post(f"/admin/clocks/clockpolicy/{policy.pk}/change/", {**form, "remind_before_0": "-5"})
    page = bad.content.decode()
    assert bad.status_code == 200 and "请填写大于 0 的整数" in page
    assert 'name="remind_before_0" value="-5"' in page  # what was typed stays
    policy.refresh_from_db()
    assert policy.remind_before == "30m"
