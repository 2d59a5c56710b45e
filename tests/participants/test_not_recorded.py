"""Not recorded: the system marks participants nobody marked within two hours of the end."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.models import ChangeRecord, Event
from participants import services
from participants.forms import AttendanceForm
from participants.models import Participation
from participants.services import ParticipationError
from participants.tasks import mark_not_recorded
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

Attendance = Participation.Attendance
START = datetime(2026, 6, 1, 9, 0)  # Europe/Berlin: ends 10:00 local, 08:00 UTC


@pytest.fixture
def event(schedule):
    return EventFactory(schedule=schedule, start_local=START)


def at(hours_after_end: float) -> datetime:
    return datetime(2026, 6, 1, 8, 0, tzinfo=timezone.UTC) + timedelta(hours=hours_after_end)


def test_only_unmarked_rows_become_not_recorded_and_never_a_no_show(event):
    unmarked = ParticipationFactory(event=event)
    checked_in = ParticipationFactory(event=event, attendance=Attendance.CHECKED_IN)
    no_show = ParticipationFactory(event=event, attendance=Attendance.NO_SHOW)
    cancelled = ParticipationFactory(event=event, cancelled_date=timezone.now())

    assert services.mark_not_recorded(now=at(2)) == 1

    unmarked.refresh_from_db()
    assert unmarked.attendance == Attendance.NOT_RECORDED
    assert unmarked.attendance_marked_by is None
    assert unmarked.attendance_marked_date is not None
    for row, kept in ((checked_in, "CHECKED_IN"), (no_show, "NO_SHOW"), (cancelled, "")):
        row.refresh_from_db()
        assert row.attendance == kept
    assert not Participation.objects.filter(attendance=Attendance.NO_SHOW).exclude(pk=no_show.pk)


def test_nothing_is_marked_before_two_hours_after_the_end(event):
    participation = ParticipationFactory(event=event)

    assert services.mark_not_recorded(now=at(2) - timedelta(seconds=1)) == 0

    participation.refresh_from_db()
    assert participation.attendance == ""
    assert not ChangeRecord.objects.filter(action="attendance").exists()


def test_it_is_audited_as_done_by_the_system(event):
    participation = ParticipationFactory(event=event)

    services.mark_not_recorded(now=at(3))

    record = ChangeRecord.objects.get(action="attendance")
    assert record.object_id == participation.pk
    assert record.object_type == "Participation"
    assert record.actor_kind == ChangeRecord.ActorKind.SYSTEM
    assert record.actor is None
    assert record.business_id == event.business_id
    assert record.changes == {"attendance": ["", "NOT_RECORDED"]}


def test_a_second_run_marks_nothing_again(event):
    ParticipationFactory(event=event)
    services.mark_not_recorded(now=at(3))

    assert services.mark_not_recorded(now=at(4)) == 0
    assert ChangeRecord.objects.filter(action="attendance").count() == 1


def test_cancelled_and_future_events_are_left_alone(schedule):
    cancelled_event = EventFactory(
        schedule=schedule, start_local=START, status=Event.Status.CANCELLED
    )
    later = EventFactory(schedule=schedule, start_local=START + timedelta(days=1))
    on_cancelled = ParticipationFactory(event=cancelled_event)
    on_later = ParticipationFactory(event=later)

    assert services.mark_not_recorded(now=at(3)) == 0

    on_cancelled.refresh_from_db()
    on_later.refresh_from_db()
    assert on_cancelled.attendance == on_later.attendance == ""


def test_the_query_count_does_not_grow_with_the_rows(schedule):
    def run(count: int) -> int:
        event = EventFactory(schedule=schedule, start_local=START)
        ParticipationFactory.create_batch(count, event=event)
        with CaptureQueriesContext(connection) as queries:
            assert services.mark_not_recorded(now=at(3)) == count
        return len(queries)

    assert run(2) == run(40)


def test_staff_cannot_mark_not_recorded_but_can_record_over_it(owner_membership, event):
    participation = ParticipationFactory(event=event, attendance=Attendance.NOT_RECORDED)

    assert not AttendanceForm({"attendance": "NOT_RECORDED"}).is_valid()
    with pytest.raises(ParticipationError):
        services.mark_attendance(
            actor=owner_membership, participation=participation, attendance="NOT_RECORDED"
        )
    marked = services.mark_attendance(
        actor=owner_membership, participation=participation, attendance=Attendance.CHECKED_IN
    )
    assert marked.attendance == Attendance.CHECKED_IN


def test_the_beat_task_runs_the_service(event, settings):
    ParticipationFactory(event=EventFactory(schedule=event.schedule, start_local=START))
    # The occurrences ended long ago (2026-06-01): the task marks them with the real clock.
    assert mark_not_recorded.apply().get() == 1  # the event fixture has nobody
    assert "participants.tasks.mark_not_recorded" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_dashboard_row_says_not_recorded(owner_client, event):
    ParticipationFactory(event=event, name="Ada Quiet", attendance=Attendance.NOT_RECORDED)

    response = owner_client.get(f"/participants/events/{event.pk}/")

    assert response.status_code == 200
    assert "Not recorded" in response.content.decode()
