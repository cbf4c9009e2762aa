"""The archive page reads like the form it files (issue 23): it showed Python's text — an agenda as
"['低功耗芯片方案介绍…', …]" and yes-or-no fields as "False"."""

import html
import re

from xietong.archive.models import ArchiveRecord
from xietong.archive.templatetags.archive_values import filed_value
from xietong.archive.tests.support import drain


def form_rows(page: str) -> dict[str, str]:
    """The 表单 card's label → value, as the reader sees them (line breaks as |)."""
    card = page[page.index("archive-form") :]
    card = card[: card.index("</dl>")]
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", card, flags=re.S)
    return {html.unescape(dt): html.unescape(re.sub(r"<br>", "|", dd)) for dt, dd in pairs}


def test_a_filed_meeting_shows_its_agenda_as_lines_and_yes_or_no_in_words(company, seeded_demo, client_for):
    seeded_demo()
    drain("2026-12-31 10:05")
    from xietong.meetings.models import Meeting

    review = Meeting.objects.get(title="智能手表项目-续航方案评审会")  # the demo also files a kickoff
    record = ArchiveRecord.objects.get(subject_type="meetings.meeting", subject_id=review.pk)
    page = client_for("admin").get(f"/archive/{record.pk}/").content.decode()
    rows = form_rows(page)
    assert rows["议程"] == "低功耗芯片方案介绍（赵磊，20 分钟）|功耗基线测试结果（孙宇，20 分钟）|讨论与决议（40 分钟）"
    assert rows["申请迟于规定"] == "否" and rows["通知迟于规定"] == "否"
    assert rows["记录人"] == "—"
    assert "[&#x27;" not in page and "False" not in page and "True" not in page


def test_records_filed_before_keep_reading_as_words():
    assert filed_value("['议程一', '议程二']") == "议程一\n议程二"
    assert filed_value(False) == "否" and filed_value(True) == "是"
    assert filed_value(None) == "—" and filed_value([]) == "—"
    assert filed_value("[需求] 续航") == "[需求] 续航"
    assert filed_value(3) == "3"
