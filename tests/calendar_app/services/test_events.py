"""Event services on the local backend: one event created, edited, cancelled, restored;
revisions, resources, capacity and the audit record."""

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from calendar_app import services
from calendar_app.errors import CalendarError, CapacityError, RevisionConflict
from calendar_app.models import ChangeRecord, Event
from participants.services import add_participation
from tests.factories import EventFactory, ParticipationFactory, ResourceFactory, next_monday

pytestmark = pytest.mark.django_db


def occurrences(master):
    """The series' occurrences as the calendar shows them (soft-deleted ones left out)."""
    return Event.objects.filter(recurring_event_id=master.id, removed_date__isnull=True).order_by(
        "start"
    )


def test_it_refuses_an_event_that_ends_before_it_starts(schedule):
    with pytest.raises(CalendarError, match="end after"):
        services.create_event(
            actor=None,
            schedule=schedule,
            title="Backwards",
            start_local=next_monday(10),
            end_local=next_monday(9),
        )


def test_it_refuses_another_business_resource(schedule, other_business):
    foreign = ResourceFactory(business=other_business)
    with pytest.raises(CalendarError, match="does not exist"):
        services.create_event(
            actor=None,
            schedule=schedule,
            title="Sneaky",
            start_local=next_monday(),
            end_local=next_monday(10),
            resource_ids=[foreign.id],
        )


def test_editing_an_instance_turns_it_into_an_exception(series, owner_membership):
    instance = occurrences(series)[2]

    edited = services.update_event(
        actor=owner_membership,
        event=instance,
        expected_revision=instance.revision,
        changes={"title": "Yoga with a guest teacher"},
    )

    assert edited.recurrence_type == "EXCEPTION"
    assert edited.id == instance.id
    assert edited.revision == instance.revision + 1
    assert "TITLE" not in edited.inherited_fields
    assert "TIME" in edited.inherited_fields
    assert occurrences(series).filter(recurrence_type="INSTANCE").count() == (
        occurrences(series).count() - 1
    )


def test_a_stale_revision_is_a_conflict_that_changes_nothing(series, owner_membership):
    instance = occurrences(series)[1]
    services.update_event(
        actor=owner_membership,
        event=instance,
        expected_revision=instance.revision,
        changes={"title": "First edit"},
    )

    with pytest.raises(RevisionConflict) as conflict:
        services.update_event(
            actor=owner_membership,
            event=instance,
            expected_revision=instance.revision,
            changes={"title": "Second edit from a stale form"},
        )

    instance.refresh_from_db()
    assert instance.title == "First edit"
    assert conflict.value.current.title == "First edit"


def test_moving_an_instance_updates_its_utc_instant(series, owner_membership, business):
    instance = occurrences(series)[0]
    new_start = instance.start_local + timedelta(hours=2)

    moved = services.update_event(
        actor=owner_membership,
        event=instance,
        expected_revision=instance.revision,
        changes={"start_local_date": new_start, "end_local_date": new_start + timedelta(hours=1)},
    )

    assert moved.start.astimezone(business.zone).hour == 11
    assert "TIME" not in moved.inherited_fields


def test_cancelling_one_instance_leaves_the_rest(series, owner_membership):
    instance = occurrences(series)[1]

    cancelled = services.cancel_event(
        actor=owner_membership, event=instance, expected_revision=instance.revision
    )

    assert cancelled.status == "CANCELLED"
    assert occurrences(series).filter(status="CANCELLED").count() == 1
    series.refresh_from_db()
    assert series.status == "CONFIRMED"


def test_restoring_one_instance(series, staff_membership):
    instance = occurrences(series)[0]
    services.cancel_event(
        actor=staff_membership, event=instance, expected_revision=instance.revision
    )
    instance.refresh_from_db()

    restored = services.restore_event(
        actor=staff_membership, event=instance, expected_revision=instance.revision
    )

    assert restored.status == "CONFIRMED"


def test_a_cancelled_event_cannot_be_cancelled_again_or_edited(schedule):
    event = EventFactory(schedule=schedule, status="CANCELLED")

    with pytest.raises(CalendarError, match="already cancelled"):
        services.cancel_event(actor=None, event=event, expected_revision=event.revision)
    with pytest.raises(CalendarError, match="restore it first"):
        services.update_event(
            actor=None, event=event, expected_revision=event.revision, changes={"title": "x"}
        )


def test_every_write_is_audited_with_who_and_revisions(series, owner_membership):
    instance = occurrences(series)[0]
    services.update_event(
        actor=owner_membership,
        event=instance,
        expected_revision=instance.revision,
        changes={"notes": "Bring mats"},
    )

    record = ChangeRecord.objects.filter(object_id=instance.id, action="update").get()
    assert record.changes == {
        "notes": ["", "Bring mats"],
        "recurrence_type": ["INSTANCE", "EXCEPTION"],
    }
    assert record.actor == owner_membership.user
    assert record.actor_kind == "user"
    assert (record.action, record.revision_before, record.revision_after) == (
        "update",
        instance.revision,
        instance.revision + 1,
    )
    assert ChangeRecord.objects.filter(object_id=series.id, action="create").exists()


def test_the_capacity_cannot_go_below_the_places_booked(schedule, owner_membership):
    event = EventFactory(schedule=schedule, total_capacity=6, remaining_capacity=6)
    ParticipationFactory(event=event, party_size=3)
    ParticipationFactory(event=event, party_size=2, cancelled_date=timezone.now())

    with pytest.raises(CapacityError, match="3 places are already booked"):
        services.update_event(
            actor=owner_membership,
            event=event,
            expected_revision=event.revision,
            changes={"total_capacity": 2, "title": "Smaller"},
        )
    updated = services.update_event(
        actor=owner_membership,
        event=event,
        expected_revision=event.revision,
        changes={"total_capacity": 3},
    )

    assert (updated.total_capacity, updated.remaining_capacity, updated.title) == (
        3,
        0,
        event.title,
    )


@pytest.mark.django_db(transaction=True)
def test_a_capacity_edit_waits_for_a_booking_in_flight_and_counts_it(schedule, owner_membership):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    event = EventFactory(schedule=schedule, total_capacity=4, remaining_capacity=4)
    ParticipationFactory(event=event, party_size=2)
    outcome = []

    def lower_capacity():
        try:
            services.update_event(
                actor=owner_membership,
                event=event,
                expected_revision=event.revision,
                changes={"total_capacity": 3},
            )
            outcome.append("saved")
        except CapacityError as error:
            outcome.append(str(error))
        finally:
            connection.close()

    with transaction.atomic():
        add_participation(actor=owner_membership, event=event, name="Late pair", party_size=2)
        editor = threading.Thread(target=lower_capacity)
        editor.start()
        time.sleep(0.5)  # the edit is now waiting for the booking's row lock
        assert outcome == []

    editor.join()
    event.refresh_from_db()
    assert outcome == ["4 places are already booked; the capacity cannot be lower."]
    assert (event.total_capacity, event.remaining_capacity) == (4, 0)


def test_a_one_off_event_in_the_spring_forward_gap_moves_forward_whole(schedule, owner_membership):
    event = services.create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Early",
        start_local=datetime(2027, 3, 28, 2, 30),
        end_local=datetime(2027, 3, 28, 3, 30),
    )

    zone = ZoneInfo("Europe/Berlin")
    assert event.end - event.start == timedelta(hours=1)
    assert f"{event.start.astimezone(zone):%H:%M}" == "03:30"
