"""A 无需确认 notice is not shown as 待我确认 (issue 23): the list's badge said 待我确认 for every unread notice."""

import re

from xietong.notices.models import Notice
from xietong.notices.tests.test_notices import confirm, publish


def badges(client) -> dict[str, str]:
    page = client.get("/notices/?scope=all").content.decode()
    rows = re.findall(r'<td><a href="/notices/\d+/">([^<]+)</a>(.*?)</td>', page, flags=re.S)
    rows = [(title, rest) for title, rest in rows if not title.startswith("TZ-")]
    return {title: re.sub(r"<[^>]+>", "", rest).strip() for title, rest in rows}


def test_only_a_notice_to_confirm_is_marked_to_confirm(company, client_for):
    publish(company, title="关于规范跨部门协作流程的通知")
    publish(company, title="关于食堂开放时间调整的通知", requires_confirmation=False, confirm_by=None)
    lina = client_for("lina")
    assert badges(lina) == {"关于食堂开放时间调整的通知": "未读", "关于规范跨部门协作流程的通知": "待我确认"}
    notices = {n.title: n for n in Notice.objects.all()}
    confirm(company, notices["关于食堂开放时间调整的通知"], ["lina"])
    assert badges(lina) == {"关于食堂开放时间调整的通知": "", "关于规范跨部门协作流程的通知": "待我确认"}
