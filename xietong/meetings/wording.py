"""What meeting messages say: the notice as the template requires it, and a message about a meeting."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from xietong.core.i18n import month_day_padded
from xietong.meetings.models import Meeting, SeriesFrequency
from xietong.meetings.rules import WEEKDAYS, local, when_text
from xietong.notify.models import MessageKind
from xietong.notify.services import notify
from xietong.org.models import Person


def notice_body(meeting: Meeting, *, intro: str = "", series: list[Meeting] | None = None) -> str:
    """The notice as the template requires it: 时间、地点/线上、议程、需提前准备的材料."""
    lines = [intro] if intro else []
    if series and len(series) > 1:
        first, last = series[0], series[-1]
        month_end = first.series is not None and first.series.frequency == SeriesFrequency.MONTH_END
        lines.append(
            (
                _("时间：每月末（最后一个工作日）%(s)s–%(e)s，共 %(n)d 次（%(first)s 至 %(last)s）")
                if month_end
                else _("时间：每周%(wd)s %(s)s–%(e)s，共 %(n)d 次（%(first)s 至 %(last)s）")
            )
            % {
                "wd": WEEKDAYS[local(first.start_at).weekday()],
                "s": f"{local(first.start_at):%H:%M}",
                "e": f"{local(first.end_at):%H:%M}",
                "n": len(series),
                "first": month_day_padded(local(first.start_at)),
                "last": month_day_padded(local(last.start_at)),
            }
        )
    else:
        lines.append(_("时间：%(when)s") % {"when": when_text(meeting.start_at, meeting.end_at)})
    lines.append(_("地点/线上：%(place)s") % {"place": meeting.place})
    lines.append(_("会议目标：%(goal)s") % {"goal": meeting.goal})
    lines.append(_("议程："))
    lines += [f"{i}. {item}" for i, item in enumerate(meeting.agenda, start=1)]
    lines.append(_("需提前准备的材料：%(m)s") % {"m": meeting.materials or _("无")})
    lines.append(
        _("组织者：%(o)s　主持人：%(c)s") % {"o": meeting.organizer.display_name, "c": meeting.chair.display_name}
    )
    if meeting.late_notice:
        lines.append(_("（本通知晚于规定的提前 %(n)d 个工作日）") % {"n": meeting.meeting_type.notice_working_days})
    lines.append(_("请在会议开始前确认参加，或请假并说明原因。"))
    return "\n".join(lines)


def tell(
    meeting: Meeting, people: Sequence[Person | None], title: str, body: str, *, kind: str = MessageKind.INFO
) -> None:
    """A message about `meeting` that is not a step's (an answer, a reminder, a change of the application)."""
    recipients = [p for p in people if p is not None]
    if recipients:
        notify(
            recipients=recipients, kind=kind, title=title, body=body, url=meeting.get_absolute_url(), subject=meeting
        )
