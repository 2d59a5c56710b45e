"""The Calendar V3 contract's models: the spec's payloads parse and dump back unchanged, open
enums and unknown fields are tolerated, and a violation names the wire field."""

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import ValidationError

from calendar_app.wix import contract
from tests.fakes import wix_signing as signing
from tests.fakes.wix_server import FakeWixServer

SPEC_SCHEDULE = {  # the docs' Cancel Schedule answer (§2.4)
    "id": "3470efd4-0000-4000-8000-000000000001",
    "externalId": "c84d2eb2-0000-4000-8000-000000000002",
    "name": "Zumba",
    "status": "CANCELLED",
    "timeZone": "Europe/Dublin",
    "businessTimeZoneEnabled": True,
    "defaultTitle": "Zumba",
    "defaultCapacity": 10,
    "appId": "13d21c63-b5ec-5912-8397-c3a5ddb27a97",
    "permissions": [],
    "revision": "2",
    "createdDate": "2024-10-07T09:14:54.796Z",
    "updatedDate": "2024-10-07T09:14:54.796Z",
}
SPEC_PARTICIPATION = {  # the docs' example (§2.5)
    "id": "b123e549-0000-4000-8000-000000000003",
    "externalId": "c7e4cd82-0000-4000-8000-000000000004",
    "participant": {
        "name": "Jane Doe",
        "phone": "55-555-5555",
        "email": "jane.doe@example.com",
        "contactId": "5f4a86c5-0000-4000-8000-000000000005",
    },
    "eventId": "130o4ncd",
    "partySize": 1,
    "status": "CONFIRMED",
    "appId": "13d21c63-b5ec-5912-8397-c3a5ddb27a97",
    "revision": "1",
    "createdDate": "2024-10-07T09:14:54.796Z",
    "updatedDate": "2024-10-07T09:14:54.796Z",
}


def dumped(model: contract.Shape) -> dict:
    return model.model_dump(mode="json", exclude_unset=True)


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        schedule = server.add_schedule(name="Yoga")
        room = server.add_resource(name="Room A", type="ROOM")
        start = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0)
        _master, instances = server.add_series(
            schedule_id=schedule["id"], start_local=start, duration=timedelta(hours=1), weeks=3
        )
        single = server.add_event(
            schedule_id=schedule["id"],
            start_local=start + timedelta(days=1),
            end_local=start + timedelta(days=1, hours=1),
            resources=[room],
            location={"type": "CUSTOM", "name": "Park", "address": "Main St 1"},
        )
        participation = server.add_participation(event_id=single["id"], party_size=2)
        server.update_event(instances[0]["id"], title="Moved yoga")
        server.cancel_event(instances[1]["id"])
        server.remove_event(instances[2]["id"])
        server.update_participation(participation["id"], partySize=3)
        server.delete_participation(participation["id"])
        server.cancel_schedule(schedule["id"])
        yield server


def test_the_spec_s_examples_parse_and_dump_back_unchanged():
    assert dumped(contract.Schedule.model_validate(SPEC_SCHEDULE)) == SPEC_SCHEDULE
    assert dumped(contract.Participation.model_validate(SPEC_PARTICIPATION)) == SPEC_PARTICIPATION


def test_every_object_the_fake_server_serves_is_the_contract_s_shape(fake):
    served = [
        *((contract.Event, event) for event in fake.events.values()),
        *((contract.Event, event) for event in fake.removed_events.values()),
        *((contract.Schedule, schedule) for schedule in fake.schedules.values()),
        *((contract.Resource, resource) for resource in fake.resources.values()),
    ]

    for shape, data in served:
        assert dumped(shape.model_validate(data)) == data  # no field the contract does not name


def test_every_webhook_the_fake_server_sends_parses_as_its_domain_event(fake):
    assert fake.changes
    for change in fake.changes:
        token = signing.sign(change.domain_event(), instance_id="instance-1")
        claims = jwt.decode(token, signing.PUBLIC_KEY_PEM, algorithms=["RS256"])

        envelope = contract.Envelope.model_validate_json(claims["data"])
        kind = (envelope.data["entityFqdn"], envelope.data["slug"])
        domain_event = contract.DOMAIN_EVENTS[kind].model_validate(envelope.data)

        assert envelope.instance_id == "instance-1"
        assert envelope.identity.identity_type == "APP"
        if kind == (contract.EVENTS_VIEW, "projection_updated"):
            body = domain_event.action_event.body
            event = (body.event_added_or_updated or body.event_removed).event
            assert (event.id, event.revision) == (change.entity["id"], change.revision)
        else:
            entity = (
                domain_event.created_event
                or domain_event.updated_event
                or domain_event.deleted_event
            )
            assert entity is not None


def test_a_removal_names_its_event_in_the_action_body():
    domain_event = contract.DOMAIN_EVENTS[contract.EVENTS_VIEW, "projection_updated"]
    removal = signing.projection_removed({"id": "ev-1", "revision": "4"})

    body = domain_event.model_validate(removal).action_event.body

    assert body.event_added_or_updated is None
    assert (body.event_removed.event.id, body.event_removed.event.revision) == ("ev-1", 4)


def test_a_view_extension_carries_its_new_end_as_an_instant():
    domain_event = contract.DOMAIN_EVENTS[contract.EVENTS_VIEW, "extended"]
    extension = signing.view_extended("2027-10-04T00:00:00Z")

    body = domain_event.model_validate(extension).action_event.body

    assert body.extended_end_date == datetime(2027, 10, 4, tzinfo=UTC)


def test_unknown_enum_values_and_unknown_fields_are_tolerated():
    event = contract.Event.model_validate(
        {
            "id": "ev-1",
            "revision": "1",
            "status": "SOMETHING_NEW",
            "recurrenceType": "UNKNOWN_RECURRENCE_TYPE",
            "conferencingDetails": {"type": "UNKNOWN_TYPE", "hostUrl": "https://h"},
            "brandNewField": {"x": 1},
        }
    )

    assert (event.status, event.recurrence_type) == ("SOMETHING_NEW", "UNKNOWN_RECURRENCE_TYPE")
    assert event.conferencing_details.type == "UNKNOWN_TYPE"
    assert "brandNewField" not in dumped(event)


def test_an_object_stored_whole_keeps_the_fields_it_does_not_know():
    location = {"type": "CUSTOM", "name": "Hall", "address": {"formatted": "Main St 1"}, "x": 2}

    event = contract.Event.model_validate({"id": "ev-1", "revision": "1", "location": location})

    assert dumped(event.location) == location


def test_an_absent_field_stays_unset_while_a_null_one_is_set():
    event = contract.Event.model_validate({"id": "ev-1", "revision": "1", "notes": None})

    assert "notes" in event.model_fields_set
    assert "conferencing_details" not in event.model_fields_set


def test_revisions_are_numbers_read_from_strings_and_written_as_strings():
    event = contract.Event.model_validate({"id": "ev-1", "revision": "10"})

    assert event.revision == 10 > 9
    assert contract.Event.model_validate({"id": "ev-1", "revision": 10}).revision == 10
    assert dumped(event)["revision"] == "10"


def test_instants_are_read_as_utc_and_written_in_the_spec_s_form():
    schedule = contract.Schedule.model_validate(
        {"id": "s", "revision": "1", "createdDate": "2026-01-01T11:00:00+01:00"}
    )

    assert schedule.created_date == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert dumped(schedule)["createdDate"] == "2026-01-01T10:00:00.000Z"


@pytest.mark.parametrize(
    ("payload", "location", "kind"),
    [
        ({"revision": "1"}, ("id",), "missing"),
        ({"id": "e", "revision": "abc"}, ("revision",), "revision"),
        ({"id": "e", "revision": True}, ("revision",), "revision"),
        ({"id": "e", "revision": "1", "timeZone": "Mars/Olympus"}, ("timeZone",), "time_zone"),
        (
            {"id": "e", "revision": "1", "start": {"localDate": "yesterday"}},
            ("start", "localDate"),
            "local_date",
        ),
        (
            {"id": "e", "revision": "1", "resources": [{"name": "Anna"}]},
            ("resources", 0, "id"),
            "missing",
        ),
        (
            {"id": "e", "revision": "1", "totalCapacity": -1},
            ("totalCapacity",),
            "greater_than_equal",
        ),
    ],
)
def test_a_violation_names_the_wire_field(payload, location, kind):
    with pytest.raises(ValidationError) as raised:
        contract.Event.model_validate(payload)

    [problem] = raised.value.errors()
    assert (problem["loc"], problem["type"]) == (location, kind)


@pytest.mark.parametrize("size", [0, 1001, "2", True])
def test_a_party_size_outside_the_spec_is_a_violation(size):
    with pytest.raises(ValidationError):
        contract.Participation.model_validate({**SPEC_PARTICIPATION, "partySize": size})


def test_the_envelope_accepts_its_domain_event_already_parsed():
    domain_event = signing.view_extended("2027-10-04T00:00:00Z")
    envelope = {**signing.envelope(domain_event, instance_id="i"), "data": domain_event}

    assert contract.Envelope.model_validate(envelope).data == domain_event
    with pytest.raises(ValidationError):
        contract.Envelope.model_validate({**envelope, "data": json.dumps(domain_event)[:-1]})
