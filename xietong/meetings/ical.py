"""Meetings as iCalendar: one .ics per meeting, and a private per-person feed that Outlook, 钉钉 and
飞书 calendars subscribe to. Times are written in UTC, which every calendar converts to local time."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.meetings.choices import MeetingState, ParticipantRole, Response
from xietong.meetings.models import CalendarFeed, Meeting, Participation
from xietong.org.models import Person

FEED_PREFIX = "cal_"
FEED_PAST_DAYS = 90
PARTSTAT: dict[str, str] = {
    Response.PENDING.value: "NEEDS-ACTION",
    Response.ACCEPTED.value: "ACCEPTED",
    Response.DECLINED.value: "DECLINED",
}


def _host() -> str:
    return urlparse(settings.XIETONG_BASE_URL).hostname or "xietong.local"


def _absolute(url: str) -> str:
    return settings.XIETONG_BASE_URL.rstrip("/") + url


def _address(person: Person, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email or person.username + '@' + _host()}")
    address.params["CN"] = vText(person.display_name)
    if role is not None:
        address.params["ROLE"] = vText(role)
    return address


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Xietong//协同 会议//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _one_line(text: str) -> str:
    """A summary or a place on one line: a line break typed into a title made the invitation a 500
    (icalendar refuses an unescaped CR in a content line)."""
    return " ".join((text or "").split())


def meeting_event(meeting: Meeting, *, now: dt.datetime) -> Event:
    """One VEVENT: UID stable per meeting, SEQUENCE its version, STATUS follows the meeting."""
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{_host()}")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", meeting.start_at.astimezone(dt.UTC))
    event.add("dtend", meeting.end_at.astimezone(dt.UTC))
    event.add("sequence", meeting.version)
    event.add("summary", _one_line(meeting.title))
    event.add("location", _one_line(meeting.place))
    lines = [_("会议编号：%(n)s") % {"n": meeting.number}, _("会议目标：%(g)s") % {"g": meeting.goal}, _("议程：")]
    lines += [f"{i}. {item}" for i, item in enumerate(meeting.agenda, start=1)]
    lines.append(_("需提前准备的材料：%(m)s") % {"m": meeting.materials or _("无")})
    if meeting.online_link:
        lines.append(_("线上会议：%(link)s") % {"link": meeting.online_link})
    lines.append(_("详情：%(url)s") % {"url": _absolute(meeting.get_absolute_url())})
    event.add("description", "\n".join(lines).replace("\r\n", "\n").replace("\r", "\n"))
    event.add("url", _absolute(meeting.get_absolute_url()))
    if meeting.state == MeetingState.CANCELLED:
        event.add("status", "CANCELLED")
    elif meeting.state in (MeetingState.NOTIFIED, MeetingState.CLOSED):
        event.add("status", "CONFIRMED")
    else:
        event.add("status", "TENTATIVE")
    event.add("organizer", _address(meeting.organizer))
    for row in meeting.participations.all():
        attendee = _address(row.person, "CHAIR" if row.role == ParticipantRole.CHAIR else "REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText(PARTSTAT.get(row.response, "NEEDS-ACTION"))
        event.add("attendee", attendee)
    if meeting.state != MeetingState.CANCELLED:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _one_line(meeting.title))
        alarm.add("trigger", dt.timedelta(minutes=-15))
        event.add_component(alarm)
    return event


def meeting_ics(meeting: Meeting) -> bytes:
    cal = _calendar(_one_line(meeting.title))
    cal.add_component(meeting_event(meeting, now=clock.now()))
    return cal.to_ical()


def feed_meetings(person: Person):
    """What a person's calendar shows: meetings they organise or are invited to (not those they
    declined) whose notice went out, from 90 days ago on; cancelled ones stay, marked cancelled, so
    that subscribed calendars remove them."""
    since = clock.now() - dt.timedelta(days=FEED_PAST_DAYS)
    return (
        Meeting.objects.restrict(person)
        .filter(participations__person=person, start_at__gte=since, notice_sent_at__isnull=False)
        # A subquery: exclude() across a relation would also drop meetings where someone else declined.
        .exclude(pk__in=Participation.objects.filter(person=person, response=Response.DECLINED).values("meeting"))
        .select_related("organizer", "room")
        .prefetch_related("participations__person")
        .distinct()
        .order_by("start_at")
    )


def feed_ics(person: Person) -> bytes:
    cal = _calendar(_("协同会议 · %(who)s") % {"who": person.display_name})
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    now = clock.now()
    for meeting in feed_meetings(person):
        cal.add_component(meeting_event(meeting, now=now))
    return cal.to_ical()


# --- Feed tokens ----------------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_reset(*, person: Person) -> str:
    """A new subscription token for `person` (the old address stops working). Returned once; only its
    digest is stored."""
    token = FEED_PREFIX + secrets.token_urlsafe(24)
    existing = CalendarFeed.objects.select_for_update().filter(person=person).first()
    if existing is None:
        CalendarFeed.objects.create(person=person, digest=_digest(token), prefix=token[:8])
    else:
        existing.digest = _digest(token)
        existing.prefix = token[:8]
        existing.created_at = clock.now()
        existing.last_used_at = None
        existing.save()
    audit_record(
        actor=person,
        action="meeting.feed.reset",
        obj=person,
        before={"feed": existing.prefix if existing else None},
        after={"feed": token[:8]},
    )
    return token


def calendar_feed_person(token: str) -> Person | None:
    """The active person a feed token belongs to, or None (the view answers 404)."""
    if not token or not token.startswith(FEED_PREFIX) or len(token) > 100:
        return None
    feed = CalendarFeed.objects.select_related("person").filter(digest=_digest(token)).first()
    if feed is None or not feed.person.is_active:
        return None
    now = clock.now()
    if feed.last_used_at is None or (now - feed.last_used_at) > dt.timedelta(minutes=10):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.person
