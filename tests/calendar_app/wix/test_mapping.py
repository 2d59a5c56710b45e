"""Spec JSON ⇄ model: REST names, revisions as numeric strings, ZonedDates, tolerance."""

from datetime import UTC, datetime

import pytest

from calendar_app.models import Schedule
from calendar_app.wix.mapping import (
    MappingError,
    event_changes_to_wire,
    event_from_wire,
    event_to_wire,
    participation_from_wire,
    participation_to_wire,
    resource_from_wire,
    schedule_from_wire,
    schedule_to_wire,
)
from tests.factories import (
    EventFactory,
    EventResourceFactory,
    ParticipationFactory,
    ScheduleFactory,
)

pytestmark = pytest.mark.django_db

SPEC_EVENT = {
    "id": "130o4ncd_20260601T0900",
    "scheduleId": "3470efd4-0000-4000-8000-000000000001",
    "externalScheduleId": "c84d2eb2-0000-4000-8000-000000000002",
    "type": "CLASS",
    "status": "CONFIRMED",
    "title": "Zumba",
    "start": {"localDate": "2026-03-29T01:30:00", "timeZone": "Europe/Berlin"},
    "end": {
        "localDate": "2026-03-29T03:30:00",
        "timeZone": "Europe/Berlin",
        "utcDate": "2026-03-29T01:30:00.000Z",
    },
    "adjustedStart": {"localDate": "2026-03-29T01:30:00"},
    "timeZone": "Europe/Berlin",
    "recurrenceType": "INSTANCE",
    "recurringEventId": "130o4ncd",
    "transparency": "OPAQUE",
    "resources": [{"id": "r1", "name": "Anna", "type": "STAFF", "scheduleId": "s-r1"}],
    "totalCapacity": 10,
    "remainingCapacity": 7,
    "inheritedFields": ["TITLE", "TIME"],
    "appId": "13d21c63-b5ec-5912-8397-c3a5ddb27a97",
    "permissions": [{"identity": {"wixUserId": "u"}, "role": "WRITER"}],
    "revision": "12",
    "createdDate": "2026-01-01T10:00:00.000Z",
    "updatedDate": "2026-01-02T10:00:00.000Z",
}


def test_an_event_from_the_wire_gets_model_names_and_an_integer_revision():
    fields = event_from_wire(SPEC_EVENT)

    assert fields["revision"] == 12
    assert fields["recurring_event_id"] == "130o4ncd"
    assert fields["start_local_date"] == "2026-03-29T01:30:00"
    assert fields["start"] == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # from localDate + zone
    assert fields["end"] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # utcDate wins when given
    assert fields["resources"][0] == {
        "id": "r1",
        "name": "Anna",
        "type": "STAFF",
        "schedule_id": "s-r1",
        "transparency": "OPAQUE",
    }
    assert "permissions" not in fields and "adjustedStart" not in fields


def test_absent_fields_stay_absent():
    fields = event_from_wire({"id": "e", "revision": "1"})

    assert set(fields) == {"id", "revision"}


@pytest.mark.parametrize(
    "change",
    [
        {"revision": "x"},
        {"revision": None},
        {"timeZone": "Not/AZone"},
        {"start": {"localDate": "yesterday"}},
        {"id": ""},
    ],
)
def test_malformed_events_raise_a_mapping_error(change):
    with pytest.raises(MappingError):
        event_from_wire({**SPEC_EVENT, **change})


def test_a_malformed_event_s_error_names_the_wire_field():
    with pytest.raises(MappingError, match=r"The event's start\.localDate is not valid"):
        event_from_wire({**SPEC_EVENT, "start": {"localDate": "yesterday"}})
    with pytest.raises(MappingError, match=r"^The event has no id\.$"):
        event_from_wire({"revision": "1"})
    with pytest.raises(MappingError, match=r"The event has no resources\.0\.id\."):
        event_from_wire({**SPEC_EVENT, "resources": [{"name": "Anna"}]})


def test_objects_stored_whole_keep_what_the_upstream_sent():
    location = {"type": "CUSTOM", "address": {"formatted": "Main St 1"}, "floor": 2}
    rule = {
        "frequency": "WEEKLY",
        "days": ["MONDAY"],
        "until": {"localDate": "2026-12-07T00:00:00"},
    }

    fields = event_from_wire({**SPEC_EVENT, "location": location, "recurrenceRule": rule})

    assert (fields["location"], fields["recurrence_rule"]) == (location, rule)


def test_an_event_round_trips_through_the_wire(business):
    event = EventFactory(
        schedule=ScheduleFactory(business=business, name="Yoga"),
        conferencing_details={"type": "CUSTOM", "guestUrl": "https://meet.example/1"},
        recurrence_rule={"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY"]},
        recurrence_type="MASTER",
    )
    EventResourceFactory(event=event)

    wire = event_to_wire(event)
    back = event_from_wire(wire)

    assert wire["revision"] == "1"
    assert wire["scheduleName"] == "Yoga"
    assert wire["recurrenceRule"]["days"] == ["MONDAY"]
    assert "recurringEventId" not in wire and "removedDate" not in wire
    for attribute in ("title", "start", "end", "start_local_date", "total_capacity", "type"):
        assert back[attribute] == getattr(event, attribute)
    assert back["conferencing_details"] == event.conferencing_details


def test_dashboard_changes_become_an_update_patch():
    patch = event_changes_to_wire(
        {
            "title": "New",
            "start_local_date": datetime(2026, 6, 1, 9, 30),
            "total_capacity": 5,
            "resource_ids": ["r1"],
        }
    )

    assert patch == {
        "title": "New",
        "start": {"localDate": "2026-06-01T09:30:00"},
        "totalCapacity": 5,
        "resources": [{"id": "r1"}],
    }


def test_a_schedule_round_trips(business):
    schedule = ScheduleFactory(business=business, name="Zumba", time_zone="Europe/Dublin")

    back = schedule_from_wire(schedule_to_wire(schedule))

    assert (back["name"], back["time_zone"], back["revision"]) == ("Zumba", "Europe/Dublin", 1)


def test_a_new_schedule_is_sent_with_only_what_create_schedule_takes(business):
    schedule = Schedule(
        business=business,
        name="Zumba",
        default_title="Zumba",
        default_capacity=12,
        time_zone="Europe/Dublin",
    )

    assert schedule_to_wire(schedule, for_create=True) == {
        "name": "Zumba",
        "defaultTitle": "Zumba",
        "defaultCapacity": 12,
        "timeZone": "Europe/Dublin",
    }


def test_a_participation_round_trips_with_exactly_one_owner(business):
    participation = ParticipationFactory(event__schedule__business=business, party_size=3)

    wire = participation_to_wire(participation)
    back = participation_from_wire(wire)

    assert "scheduleId" not in wire
    assert wire["participant"]["name"] == participation.name
    assert (back["event_id"], back["party_size"], back["revision"]) == (
        participation.event_id,
        3,
        1,
    )


@pytest.mark.parametrize("size", [0, 1001, "2", True])
def test_a_party_size_outside_the_spec_is_refused(size):
    with pytest.raises(MappingError):
        participation_from_wire({"id": "p", "revision": "1", "partySize": size})


def test_a_resource_v2_keeps_its_events_schedule():
    fields = resource_from_wire(
        {"id": "r", "revision": "4", "name": "Room", "typeId": "t", "eventsSchedule": {"id": "s"}}
    )

    assert fields == {"id": "r", "revision": 4, "name": "Room", "schedule_id": "s"}
