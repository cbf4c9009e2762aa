"""Two people submit applications for the same room and time at the same moment, on PostgreSQL with two
connections: the room row lock decides, exactly one holds the room and the other is told who does."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from xietong.clocks.defaults import ensure_default_policies
from xietong.core import clock
from xietong.core.errors import ApplicationError
from xietong.meetings.defaults import ensure_meeting_types
from xietong.meetings.models import Meeting, MeetingType
from xietong.meetings.services import meeting_create, meeting_transition
from xietong.meetings.tests.helpers import room

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_simultaneous_submissions_for_one_room_one_wins(company):
    ensure_default_policies()  # an earlier transactional test may have emptied the tables
    ensure_meeting_types()
    day = clock.today() + dt.timedelta(days=30)
    tz = clock.local().tzinfo
    drafts = []
    for username, project, invitee in (("guoxin", "smartwatch", "lina"), ("lina", "q4-iteration", "liuyang")):
        with transaction.atomic():
            drafts.append(
                meeting_create(
                    actor=company.person(username),
                    participants=[company.person(invitee)],
                    title=f"{username} 的评审会",
                    project=company.project(project),
                    meeting_type=MeetingType.objects.get(code="collaboration"),
                    start_at=dt.datetime.combine(day, dt.time(10), tzinfo=tz),
                    end_at=dt.datetime.combine(day, dt.time(11), tzinfo=tz),
                    mode="room",
                    room=room(),
                    goal="评审",
                    agenda=["方案评审"],
                ).meeting
            )
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def submit(meeting: Meeting, username: str) -> None:
        try:
            start.wait()
            with transaction.atomic():
                meeting_transition(actor=company.person(username), meeting=meeting, name="submit")
            outcomes[username] = "submitted"
        except ApplicationError as error:
            outcomes[username] = str(error.fields.get("room", error.message))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(m, m.organizer.username)) for m in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(Meeting.objects.values_list("state", flat=True)) == ["draft", "submitted"]
    winner = Meeting.objects.get(state="submitted")
    loser = next(u for u in outcomes if outcomes[u] != "submitted")
    assert f"已被 {winner.number}" in outcomes[loser] and "占用" in outcomes[loser]
