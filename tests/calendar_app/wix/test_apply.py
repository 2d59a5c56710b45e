"""The one apply path: revision rule, tombstones, stubs, audit, tenancy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import ChangeRecord, Event, EventResource, Resource, Schedule
from calendar_app.wix.apply import (
    EventChangeRefused,
    apply_remote_event,
    apply_remote_events,
    apply_remote_participation,
    apply_remote_resource,
    apply_remote_schedule,
)
from calendar_app.wix.mapping import MappingError
from participants.customers.directory import ANONYMISED_NAME
from participants.customers.models import Person
from participants.customers.services import sync_directory
from participants.models import Participation
from tests.factories import ScheduleFactory, WixConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection():
    return WixConnectionFactory(business__time_zone="Europe/Berlin")


def wire_event(event_id="ev-1", revision=1, **overrides):
    event = {
        "id": event_id,
        "scheduleId": "sch-1",
        "scheduleName": "Yoga",
        "type": "CLASS",
        "status": "CONFIRMED",
        "title": "Morning yoga",
        "start": {
            "localDate": "2026-06-01T09:00:00",
            "timeZone": "Europe/Berlin",
            "utcDate": "2026-06-01T07:00:00.000Z",
        },
        "end": {
            "localDate": "2026-06-01T10:00:00",
            "timeZone": "Europe/Berlin",
            "utcDate": "2026-06-01T08:00:00.000Z",
        },
        "timeZone": "Europe/Berlin",
        "recurrenceType": "NONE",
        "transparency": "OPAQUE",
        "resources": [{"id": "res-1", "name": "Anna", "type": "STAFF"}],
        "totalCapacity": 10,
        "remainingCapacity": 10,
        "inheritedFields": [],
        "appId": "cc552162-24a4-45e0-9695-230c4931ef40",
        "revision": str(revision),
    }
    event.update(overrides)
    return event


def apply(connection, data, removed=False):
    return apply_remote_event(connection=connection, data=data, removed=removed, source="webhook")


def test_it_creates_an_unseen_event_with_stub_schedule_and_resource(connection):
    result = apply(connection, wire_event())

    assert result.outcome == "created"
    event = Event.objects.get(pk="ev-1")
    assert (event.business, event.title, event.revision) == (connection.business, "Morning yoga", 1)
    assert event.start.isoformat() == "2026-06-01T07:00:00+00:00"
    schedule = Schedule.objects.get(pk="sch-1")
    assert (schedule.business, schedule.name, schedule.revision) == (connection.business, "Yoga", 0)
    assert list(event.resources.values_list("pk", "name")) == [("res-1", "Anna")]


def test_it_applies_a_higher_revision_compared_as_integers(connection):
    apply(connection, wire_event(revision=9))

    result = apply(connection, wire_event(revision=10, title="Evening yoga"))

    assert result.outcome == "updated"
    assert Event.objects.values_list("title", "revision").get() == ("Evening yoga", 10)


@pytest.mark.parametrize("revision", [3, 2])
def test_it_ignores_an_equal_or_lower_revision(connection, revision):
    apply(connection, wire_event(revision=3))

    result = apply(connection, wire_event(revision=revision, title="Stale"))

    assert result.outcome == "stale"
    assert Event.objects.values_list("title", "revision").get() == ("Morning yoga", 3)


def test_a_removal_with_the_same_revision_soft_deletes_and_keeps_the_row(connection):
    apply(connection, wire_event(revision=4))

    result = apply(connection, wire_event(revision=4), removed=True)

    assert result.outcome == "removed"
    event = Event.objects.get(pk="ev-1")
    assert event.removed_date is not None
    assert event.revision == 4


def test_a_late_stale_update_cannot_resurrect_a_removed_event(connection):
    apply(connection, wire_event(revision=4))
    apply(connection, wire_event(revision=5), removed=True)

    result = apply(connection, wire_event(revision=4, title="Late copy"))

    assert result.outcome == "stale"
    assert Event.objects.get(pk="ev-1").removed_date is not None


def test_a_newer_update_revives_a_removed_event(connection):
    apply(connection, wire_event(revision=4), removed=True)

    result = apply(connection, wire_event(revision=6, title="Back in view"))

    assert result.outcome == "updated"
    event = Event.objects.get(pk="ev-1")
    assert (event.removed_date, event.title) == (None, "Back in view")


def test_a_removal_of_an_id_never_seen_leaves_a_tombstone(connection):
    result = apply(connection, {"id": "ghost", "revision": "7"}, removed=True)

    assert result.outcome == "removed"
    tombstone = Event.objects.get(pk="ghost")
    assert (tombstone.revision, tombstone.removed_date is not None) == (7, True)
    assert apply(connection, wire_event("ghost", revision=7)).outcome == "stale"
    assert apply(connection, wire_event("ghost", revision=8)).outcome == "updated"


def test_a_lower_revision_removal_is_ignored(connection):
    apply(connection, wire_event(revision=5))

    assert apply(connection, wire_event(revision=4), removed=True).outcome == "stale"
    assert Event.objects.get(pk="ev-1").removed_date is None


def test_a_cancellation_is_an_update_with_status_cancelled(connection):
    apply(connection, wire_event(revision=1))

    apply(connection, wire_event(revision=2, status="CANCELLED"))

    assert Event.objects.get(pk="ev-1").status == "CANCELLED"


def test_unknown_enum_strings_and_fields_are_accepted(connection):
    apply(
        connection,
        wire_event(
            recurrenceType="UNKNOWN_RECURRENCE_TYPE", status="SOMETHING_NEW", brandNew={"x": 1}
        ),
    )

    event = Event.objects.get(pk="ev-1")
    assert (event.recurrence_type, event.status) == ("UNKNOWN_RECURRENCE_TYPE", "SOMETHING_NEW")


def test_absent_pi_fields_keep_the_stored_values(connection):
    details = {"type": "CUSTOM", "guestUrl": "https://meet.example/1"}
    apply(connection, wire_event(revision=1, conferencingDetails=details, notes="Bring a mat"))

    apply(connection, wire_event(revision=2, title="Renamed"))

    event = Event.objects.get(pk="ev-1")
    assert (event.conferencing_details, event.notes) == (details, "Bring a mat")


def test_resources_follow_the_payload(connection):
    apply(connection, wire_event(revision=1))

    apply(connection, wire_event(revision=2, resources=[{"id": "res-2", "name": "Room A"}]))

    assert list(EventResource.objects.values_list("resource_id", flat=True)) == ["res-2"]
    assert Resource.objects.count() == 2


def test_every_applied_change_is_audited_as_upstream(connection):
    apply(connection, wire_event(revision=1))
    apply(connection, wire_event(revision=1))  # duplicate: nothing written, nothing audited
    apply(connection, wire_event(revision=2), removed=True)

    records = ChangeRecord.objects.filter(object_type="Event").order_by("created_date", "id")
    assert [(r.action, r.revision_before, r.revision_after) for r in records] == [
        ("create", None, 1),
        ("remove", 1, 2),
    ]
    assert {(r.actor_kind, r.upstream_connection_id, r.source) for r in records} == {
        ("upstream", connection.pk, "webhook")
    }


def test_an_event_of_an_unmirrored_app_is_ignored(connection):
    connection.app_ids = ["13d21c63-b5ec-5912-8397-c3a5ddb27a97"]

    assert apply(connection, wire_event()).outcome == "ignored"
    assert not Event.objects.exists()


def test_another_business_id_is_not_touched(connection, other_business):
    ScheduleFactory(business=other_business, pk="sch-1")

    result = apply(connection, wire_event())

    assert result.outcome == "ignored"
    assert not Event.objects.exists()


def test_a_malformed_payload_raises_and_writes_nothing(connection):
    with pytest.raises(MappingError):
        apply(connection, wire_event(revision="abc"))
    with pytest.raises(MappingError):
        apply(connection, wire_event(timeZone="Mars/Olympus"))
    assert not Event.objects.exists()


def test_a_schedule_is_replaced_by_a_newer_revision(connection):
    apply(connection, wire_event())  # stub schedule, revision 0
    data = {"id": "sch-1", "name": "Yoga classes", "status": "ACTIVE", "revision": "3"}

    assert apply_remote_schedule(connection=connection, data=data, source="backfill").applied
    assert not apply_remote_schedule(connection=connection, data=data, source="backfill").applied
    assert Schedule.objects.values_list("name", "revision").get() == ("Yoga classes", 3)


def test_a_resource_removal_soft_deletes_it(connection):
    data = {"id": "res-9", "name": "Reformer", "revision": "2"}
    apply_remote_resource(connection=connection, data=data, source="backfill")

    result = apply_remote_resource(connection=connection, data=data, removed=True, source="webhook")

    assert result.outcome == "removed"
    assert Resource.objects.get(pk="res-9").removed_date is not None


def wire_participation(revision=1, **overrides):
    data = {
        "id": "p-1",
        "participant": {"name": "Jane Doe", "email": "jane@example.com"},
        "eventId": "ev-1",
        "partySize": 2,
        "status": "CONFIRMED",
        "revision": str(revision),
    }
    data.update(overrides)
    return data


def test_a_participation_follows_the_revision_rule(connection):
    apply(connection, wire_event())
    kwargs = {"connection": connection, "source": "webhook"}

    assert apply_remote_participation(data=wire_participation(1), **kwargs).outcome == "created"
    assert apply_remote_participation(data=wire_participation(1), **kwargs).outcome == "stale"
    assert (
        apply_remote_participation(data=wire_participation(2), removed=True, **kwargs).outcome
        == "removed"
    )
    assert apply_remote_participation(data=wire_participation(1), **kwargs).outcome == "stale"
    participation = Participation.objects.get(pk="p-1")
    assert (participation.name, participation.party_size) == ("Jane Doe", 2)
    assert participation.cancelled_date is not None


def test_a_participation_of_an_unknown_event_is_ignored_without_a_client(connection):
    result = apply_remote_participation(
        connection=connection, data=wire_participation(), source="webhook"
    )

    assert (result.outcome, result.reason) == ("ignored", "its event ev-1 is not stored here")
    assert not Participation.objects.exists()


def test_an_authoritative_listing_revives_only_a_tombstone_older_than_itself(connection):
    """Reconciliation passes the instant its run started: a tombstone from before is revived
    at the same revision, one written while the listing was read (newer news) is kept."""
    apply(connection, wire_event(revision=3))
    apply(connection, wire_event(revision=3), removed=True)
    removed_at = Event.objects.get(pk="ev-1").removed_date

    assert apply(connection, wire_event(revision=3)).outcome == "stale"  # a duplicate, kept
    kept = apply_remote_event(
        connection=connection,
        data=wire_event(revision=3),
        source="reconcile",
        revive_tombstones_before=removed_at - timedelta(seconds=1),
    )
    assert kept.outcome == "stale"
    assert Event.objects.get(pk="ev-1").removed_date == removed_at

    revived = apply_remote_event(
        connection=connection,
        data=wire_event(revision=3),
        source="reconcile",
        revive_tombstones_before=timezone.now(),
    )
    assert (revived.outcome, revived.revision_after) == ("updated", 3)
    assert Event.objects.get(pk="ev-1").removed_date is None
    stale = apply_remote_event(
        connection=connection,
        data=wire_event(revision=2),
        source="reconcile",
        revive_tombstones_before=timezone.now(),
    )
    assert stale.outcome == "stale"  # never a lower revision


# Many changes at once (the worker's backlog drain)


def test_a_batch_applies_each_event_s_changes_in_revision_order(connection):
    changes = [
        (wire_event("ev-1", 3, title="Third"), False),
        (wire_event("ev-2", 1), False),
        (wire_event("ev-1", 1, title="First"), False),
        (wire_event("ev-2", 2), True),
        (wire_event("ev-1", 2, title="Second"), False),
        (wire_event("ev-2", 1, title="Stale copy"), False),
    ]

    results = apply_remote_events(connection=connection, changes=changes, source="webhook")

    assert [r.outcome for r in results] == [
        "updated",
        "created",
        "created",
        "removed",
        "updated",
        "stale",
    ]
    first, second = Event.objects.order_by("pk")
    assert (first.title, first.revision, first.removed_date) == ("Third", 3, None)
    assert (second.title, second.revision) == ("Morning yoga", 2)
    assert second.removed_date is not None
    audited = ChangeRecord.objects.filter(actor_kind="upstream").order_by("revision_after", "pk")
    assert sorted(audited.values_list("object_id", "action", "revision_before")) == [
        ("ev-1", "create", None),
        ("ev-1", "update", 1),
        ("ev-1", "update", 2),
        ("ev-2", "create", None),
        ("ev-2", "remove", 1),
    ]


def test_a_batch_ends_as_the_same_changes_applied_one_by_one(connection):
    changes = [
        (wire_event("ev-1", 2, resources=[{"id": "res-2", "name": "Ben", "type": "STAFF"}]), False),
        (wire_event("ev-1", 1), False),
        (wire_event("ev-3", 5, scheduleId="sch-2"), False),
        (wire_event("ev-3", 5), True),
    ]
    apply_remote_events(connection=connection, changes=changes, source="webhook")
    batched = list(Event.objects.order_by("pk").values("pk", "revision", "title", "schedule_id"))
    links = list(EventResource.objects.order_by("event_id").values_list("event_id", "resource_id"))
    Event.objects.all().delete()

    for data, removed in changes:
        apply(connection, data, removed)

    assert list(Event.objects.order_by("pk").values("pk", "revision", "title", "schedule_id")) == (
        batched
    )
    assert links == [("ev-1", "res-2"), ("ev-3", "res-1")]
    assert (
        list(EventResource.objects.order_by("event_id").values_list("event_id", "resource_id"))
        == links
    )


def test_a_batch_takes_a_constant_number_of_queries(connection, django_assert_max_num_queries):
    apply(connection, wire_event("ev-0"))  # the schedule and the resource exist

    with django_assert_max_num_queries(12):
        apply_remote_events(
            connection=connection,
            changes=[(wire_event(f"ev-{n}", 1), False) for n in range(1, 60)],
            source="webhook",
        )
    with django_assert_max_num_queries(8):
        apply_remote_events(
            connection=connection,
            changes=[(wire_event(f"ev-{n}", 2, title="Later"), False) for n in range(60)],
            source="webhook",
        )

    assert Event.objects.filter(revision=2, title="Later").count() == 60
    assert ChangeRecord.objects.count() == 60 + 59 + 1


def test_a_malformed_change_in_a_batch_is_named_and_nothing_is_written(connection):
    with pytest.raises(EventChangeRefused) as refused:
        apply_remote_events(
            connection=connection,
            changes=[(wire_event("ev-1"), False), ({"revision": "1"}, False)],
            source="webhook",
        )

    assert refused.value.index == 1
    assert str(refused.value) == "The event has no id."
    assert not Event.objects.exists()


def test_a_participant_added_upstream_is_in_the_customer_directory_at_once(connection):
    apply(connection, wire_event())

    apply_remote_participation(data=wire_participation(1), connection=connection, source="webhook")

    person = Person.objects.get(business=connection.business)
    assert person.links.get().participation_id == "p-1"
    assert person.email == Participation.objects.get(pk="p-1").email


def test_a_participant_renamed_upstream_is_renamed_in_the_customer_directory(connection):
    apply(connection, wire_event())
    kwargs = {"connection": connection, "source": "webhook"}
    apply_remote_participation(data=wire_participation(1), **kwargs)

    renamed = {"name": "Jane Smith", "email": "jane@example.com", "phone": "+49 151 22"}
    apply_remote_participation(data=wire_participation(2, participant=renamed), **kwargs)

    person = Person.objects.get(business=connection.business)
    assert (person.name, person.phone) == ("Jane Smith", "+49 151 22")
    assert "jane smith" in person.search and "4915122" in person.search


def test_a_participant_anonymised_upstream_leaves_the_customer_directory(connection):
    apply(connection, wire_event())
    kwargs = {"connection": connection, "source": "webhook"}
    apply_remote_participation(data=wire_participation(1), **kwargs)
    sync_directory(business=connection.business)

    anonymous = {"name": ANONYMISED_NAME, "email": "", "phone": ""}
    apply_remote_participation(data=wire_participation(2, participant=anonymous), **kwargs)

    assert not Person.objects.exists()
    assert Participation.objects.get(pk="p-1").name == ANONYMISED_NAME
