"""Attendance: check-in, no-show, undo and check in everyone, each audited."""

import pytest
from django.utils import timezone

from calendar_app.models import ChangeRecord
from participants import services
from participants.models import Participation
from participants.services import ParticipationError
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

Attendance = Participation.Attendance


@pytest.fixture
def event(schedule):
    return EventFactory(schedule=schedule, total_capacity=5, remaining_capacity=3)


def test_checking_someone_in_records_who_and_when(owner_membership, event):
    participation = ParticipationFactory(event=event)

    marked = services.mark_attendance(
        actor=owner_membership, participation=participation, attendance=Attendance.CHECKED_IN
    )

    marked.refresh_from_db()
    assert marked.attendance == Attendance.CHECKED_IN
    assert marked.attendance_marked_by == owner_membership
    assert marked.attendance_marked_date is not None
    record = ChangeRecord.objects.get(action="attendance")
    assert record.changes == {"attendance": ["", "CHECKED_IN"]}
    assert record.actor == owner_membership.user


def test_a_no_show_can_be_undone(owner_membership, event):
    participation = ParticipationFactory(event=event)
    services.mark_attendance(
        actor=owner_membership, participation=participation, attendance=Attendance.NO_SHOW
    )

    undone = services.mark_attendance(
        actor=owner_membership, participation=participation, attendance=""
    )

    undone.refresh_from_db()
    assert undone.attendance == ""
    assert undone.attendance_marked_by is None
    assert ChangeRecord.objects.filter(action="attendance").count() == 2


def test_a_cancelled_participation_has_no_attendance(owner_membership, event):
    participation = ParticipationFactory(event=event, cancelled_date=timezone.now())

    with pytest.raises(ParticipationError, match="cancelled"):
        services.mark_attendance(
            actor=owner_membership, participation=participation, attendance=Attendance.CHECKED_IN
        )


def test_check_in_everyone_marks_only_those_not_marked_yet(owner_membership, event):
    no_show = ParticipationFactory(event=event, attendance=Attendance.NO_SHOW)
    others = [ParticipationFactory(event=event) for _ in range(2)]

    assert services.check_in_everyone(actor=owner_membership, event=event) == 2

    no_show.refresh_from_db()
    assert no_show.attendance == Attendance.NO_SHOW
    for participation in others:
        participation.refresh_from_db()
        assert participation.attendance == Attendance.CHECKED_IN
    assert ChangeRecord.objects.filter(action="attendance").count() == 2
