"""The contract's wire forms: zoned date-times both ways, ids, instructor numbers, bodies parsed
into their shapes with a sentence naming a wrong field, envelopes."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from bookings.contract import BookingAnswer
from bookings.errors import ContractError
from bookings.mapping import (
    format_date_time,
    instructor,
    instructor_number,
    parse_answer,
    parse_customer_search,
    parse_date,
    parse_date_time,
    parse_slot_request,
    parse_webhook_envelope,
    staff_resource_ids,
    webhook_envelope,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_a_summer_instant_is_written_with_milliseconds_offset_and_zone():
    instant = datetime(2022, 6, 22, 6, 0, tzinfo=UTC)

    assert format_date_time(instant, BERLIN) == "2022-06-22T08:00:00.000+02:00[Europe/Berlin]"


def test_a_winter_instant_carries_the_winter_offset():
    instant = datetime(2024, 1, 15, 14, 30, 5, 123456, tzinfo=UTC)

    assert format_date_time(instant, NEW_YORK) == "2024-01-15T09:30:05.123-05:00[America/New_York]"


def test_what_is_written_parses_back_to_the_same_instant_and_zone():
    text = "2022-06-22T08:00:00.000+02:00[Europe/Berlin]"

    parsed = parse_date_time(text, reference="startDateTime")

    assert parsed == datetime(2022, 6, 22, 6, 0, tzinfo=UTC)
    assert parsed.tzinfo.key == "Europe/Berlin"
    assert format_date_time(parsed, BERLIN) == text


@pytest.mark.parametrize(
    "text",
    [
        "2022-06-22T08:00:00+02:00",
        "2022-06-22T06:00:00Z",
        "2022-06-22T06:00Z[UTC]",
        "2022-06-22T08:00:00.000000001+02:00[Europe/Berlin]",
    ],
)
def test_the_zone_and_seconds_are_optional(text):
    assert parse_date_time(text, reference="x") == datetime(2022, 6, 22, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2022-06-22T08:00:00.000", "not a date-time with an offset"),
        ("2022-06-22", "not a date-time with an offset"),
        ("yesterday", "not a date-time with an offset"),
        ("2022-06-22T08:00:00.000+02:00[Europe/Berlin]\x00", "not a date-time"),
        ("2022-02-30T08:00:00.000+01:00[Europe/Berlin]", "does not exist"),
        ("2022-06-22T08:00:00.000+02:00[Mars/Olympus]", "unknown time zone"),
        ("2022-06-22T08:00:00.000+02:00[../../etc/passwd]", "not a date-time"),
        ("2022-06-22T08:00:00.000+01:00[Europe/Berlin]", "is not the offset of Europe/Berlin"),
    ],
)
def test_a_bad_date_time_says_what_is_wrong(text, why):
    with pytest.raises(ContractError, match=why) as raised:
        parse_date_time(text, reference="startDateTime")

    assert raised.value.reference == "startDateTime"


@pytest.mark.parametrize("value", [20220622, None, ["2022-06-22T08:00:00Z"]])
def test_a_date_time_must_be_a_string(value):
    with pytest.raises(ContractError, match="must be a date-time string"):
        parse_date_time(value, reference="endDateTime")


def test_dates_are_year_month_day():
    assert parse_date("2024-03-31", reference="d").isoformat() == "2024-03-31"
    for bad in ("2024-3-31", "31.03.2024", "2024-02-30"):
        with pytest.raises(ContractError):
            parse_date(bad, reference="d")


SLOT_BODY = {
    "customerId": 203,
    "bookableAppointmentId": 20334,
    "startDateTime": "2022-06-22T08:00:00.000+02:00[Europe/Berlin]",
    "endDateTime": "2022-06-22T10:00:00.000+02:00[Europe/Berlin]",
}


@pytest.mark.parametrize("value", [True, "12", 1.5, 0, -3, 2**63])
def test_an_id_is_a_positive_64_bit_json_integer(value):
    with pytest.raises(ContractError) as raised:
        parse_slot_request(SLOT_BODY | {"customerId": value})

    assert raised.value.reference == "customerId"
    assert str(raised.value).startswith("customerId ")


def test_a_slot_request_parses_into_instants_and_instructor_numbers():
    parsed = parse_slot_request(SLOT_BODY | {"instructorIds": [101], "somethingNew": 1})

    assert parsed.start == datetime(2022, 6, 22, 6, 0, tzinfo=UTC)
    assert parsed.end - parsed.start == timedelta(hours=2)
    assert parsed.instructor_numbers == [101]


@pytest.mark.parametrize(
    ("body", "message", "reference"),
    [
        ([1, 2], "The request body must be a JSON object.", None),
        (SLOT_BODY | {"customerId": "203"}, "customerId must be a whole number.", "customerId"),
        (
            SLOT_BODY | {"instructorIds": [101, "x"]},
            "instructorIds[1] must be a whole number.",
            "instructorIds",
        ),
        (SLOT_BODY | {"instructorIds": 101}, "instructorIds must be a list.", "instructorIds"),
        (
            SLOT_BODY | {"bookableAppointmentId": 0},
            "bookableAppointmentId is out of range: it must be at least 1.",
            "bookableAppointmentId",
        ),
    ],
)
def test_a_wrong_field_is_named_in_a_sentence(body, message, reference):
    with pytest.raises(ContractError) as raised:
        parse_slot_request(body)

    assert str(raised.value) == message
    assert raised.value.reference == reference


def test_a_search_names_the_card_number_formats_it_takes():
    with pytest.raises(ContractError) as raised:
        parse_customer_search({"cardNumberFormat": "OCTAL"})

    assert str(raised.value) == (
        "cardNumberFormat must be one of 'DECIMAL', 'HEX_MSB' or 'HEX_LSB'."
    )


def test_a_webhook_envelope_names_the_event_that_lacks_a_type():
    with pytest.raises(ContractError, match=r"payload\[1\]\.type is required"):
        parse_webhook_envelope(
            {
                "entityId": 1,
                "uuid": "u",
                "payload": [{"timestamp": 1, "type": "X"}, {"timestamp": 2}],
            }
        )


def test_a_guid_staff_id_gets_a_stable_javascript_safe_number_that_maps_back():
    guid = "5c1f3a4e-9b1d-4a8e-bf0a-2d3c4e5f6a7b"

    number = instructor_number(guid)

    assert number == instructor_number(guid)
    assert 0 <= number < 2**53
    assert staff_resource_ids([number], staff_ids=["other", guid]) == [guid]


def test_a_numeric_staff_id_is_its_own_number():
    assert instructor_number("1238735970") == 1238735970


def test_an_unknown_instructor_number_matches_no_staff_member():
    assert staff_resource_ids([42], staff_ids=["a-guid"]) == ["unknown-instructor-42"]


def test_an_instructor_is_split_into_first_and_last_name():
    assert instructor("101", "Anna Maria Chodakowska").to_json() == {
        "id": 101,
        "firstName": "Anna",
        "lastName": "Maria Chodakowska",
        "publicName": "Anna Maria Chodakowska",
    }


def test_a_slot_request_names_the_first_missing_field():
    with pytest.raises(ContractError, match="startDateTime is required"):
        parse_slot_request({"customerId": 1, "bookableAppointmentId": 2})


def test_the_envelope_has_entity_uuid_and_one_payload_in_epoch_milliseconds():
    at = datetime(2022, 1, 21, 15, 32, 24, 176000, tzinfo=UTC)

    envelope = webhook_envelope(
        entity_id=7893459, event_type="APPOINTMENT_BOOKING_CREATED", uuid="u-1", at=at
    )

    assert envelope == {
        "entityId": 7893459,
        "uuid": "u-1",
        "payload": [{"timestamp": 1642779144176, "type": "APPOINTMENT_BOOKING_CREATED"}],
    }


def test_an_upstream_answer_names_the_element_and_field_it_cannot_read():
    answers = [
        {"bookingId": 1, "startDateTime": "2022-06-22T08:00+02:00", "endDateTime": "x"},
    ]

    with pytest.raises(ContractError) as raised:
        parse_answer(list[BookingAnswer], answers)

    assert str(raised.value).startswith("[0].endDateTime is not a date-time with an offset")
    assert raised.value.reference == "endDateTime"


def test_an_upstream_answer_tolerates_unknown_fields_and_statuses():
    (booking,) = parse_answer(
        list[BookingAnswer],
        [
            {
                "bookingId": 1,
                "bookingStatus": "SOMETHING_NEW",
                "startDateTime": "2022-06-22T08:00+02:00[Europe/Berlin]",
                "endDateTime": "2022-06-22T09:00+02:00[Europe/Berlin]",
                "futureField": {"x": 1},
            }
        ],
    )

    assert (booking.booking_status, booking.appointment_status) == ("BOOKED", "PLANNED")
    assert booking.end == datetime(2022, 6, 22, 7, 0, tzinfo=UTC)
