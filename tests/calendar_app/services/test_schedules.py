"""Schedule services on the local backend: create, change, cancel with their events, restore."""

import pytest
from django.core.exceptions import PermissionDenied

from calendar_app import services
from calendar_app.errors import CalendarError, RevisionConflict
from calendar_app.models import ChangeRecord, Event, Schedule
from tests.factories import next_monday

pytestmark = pytest.mark.django_db


def occurrences(master):
    """The series' occurrences as the calendar shows them (soft-deleted ones left out)."""
    return Event.objects.filter(recurring_event_id=master.id, removed_date__isnull=True).order_by(
        "start"
    )


def test_cancelling_a_schedule_cancels_its_future_events_and_blocks_new_ones(
    series, schedule, owner_membership
):
    services.cancel_schedule(
        actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
    )

    assert not Event.objects.filter(schedule=schedule, status="CONFIRMED").exists()
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.CANCELLED
    with pytest.raises(CalendarError, match="cancelled"):
        services.create_event(
            actor=owner_membership,
            schedule=schedule,
            title="Late",
            start_local=next_monday(),
            end_local=next_monday(10),
        )

    services.restore_schedule(
        actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
    )
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.ACTIVE


def test_updating_a_schedule_checks_its_revision_and_keeps_app_id(schedule, owner_membership):
    updated = services.update_schedule(
        actor=owner_membership,
        schedule=schedule,
        expected_revision=schedule.revision,
        changes={"name": "Morning classes", "default_capacity": 14},
    )

    assert (updated.name, updated.default_capacity) == ("Morning classes", 14)
    assert updated.revision == schedule.revision + 1
    with pytest.raises(RevisionConflict):
        services.update_schedule(
            actor=owner_membership,
            schedule=schedule,
            expected_revision=schedule.revision,
            changes={"name": "Stale"},
        )
    with pytest.raises(CalendarError, match="cannot be edited"):
        services.update_schedule(
            actor=owner_membership,
            schedule=updated,
            expected_revision=updated.revision,
            changes={"app_id": "another-app"},
        )
    schedule.refresh_from_db()
    assert schedule.name == "Morning classes"


def test_staff_cannot_change_a_schedule(schedule, staff_membership):
    with pytest.raises(PermissionDenied):
        services.update_schedule(
            actor=staff_membership,
            schedule=schedule,
            expected_revision=schedule.revision,
            changes={"name": "Mine"},
        )


def test_cancelling_a_schedule_audits_each_event_it_cancels(series, schedule, owner_membership):
    future = occurrences(series).count() + 1  # the instances and the MASTER

    services.cancel_schedule(
        actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
    )

    records = ChangeRecord.objects.filter(
        action="cancel_with_schedule", actor=owner_membership.user
    )
    assert records.count() == future
    record = records.get(object_id=series.pk)
    assert (record.revision_before, record.revision_after) == (
        series.revision,
        series.revision + 1,
    )


def test_a_schedule_is_cancelled_or_restored_only_once(schedule, owner_membership):
    with pytest.raises(CalendarError, match="not cancelled"):
        services.restore_schedule(
            actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
        )
    cancelled = services.cancel_schedule(
        actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
    )

    with pytest.raises(CalendarError, match="already cancelled"):
        services.cancel_schedule(
            actor=owner_membership, schedule=cancelled, expected_revision=cancelled.revision
        )

    cancelled.refresh_from_db()
    assert cancelled.revision == schedule.revision + 1
