"""The appointments endpoints (§2.1-2.8) over the Monday fixture: Anna and Ben 09:00-13:00,
room R1, "Personal training" 60 min on a 30-min grid with a 15-min buffer after."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.errors import JUST_TAKEN
from bookings.mapping import format_date_time, instructor_number
from bookings.models import AppointmentBooking, Contingent
from tests.bookings.conftest import BERLIN, MONDAY, berlin
from tests.factories import (
    AppointmentBookingFactory,
    BookableAppointmentFactory,
    BookingResourceFactory,
    CustomerFactory,
)

pytestmark = pytest.mark.django_db

BOOKABLE = "/api/v1/appointments/bookable"
VALIDATE = "/api/v1/appointments/bookable/validate"
BOOK = "/api/v1/appointments/booking/book"
BOOKING = "/api/v1/appointments/booking"


def _post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def _slot_body(appointment, customer, start, *, minutes=60, instructors=None):
    body = {
        "customerId": customer.pk,
        "bookableAppointmentId": appointment.pk,
        "startDateTime": format_date_time(start, BERLIN),
        "endDateTime": format_date_time(start + timedelta(minutes=minutes), BERLIN),
    }
    if instructors is not None:
        body["instructorIds"] = [instructor_number(i.pk) for i in instructors]
    return body


# --- GET appointments/bookable ----------------------------------------------------------------


def test_the_list_shows_only_listed_appointments_in_the_contract_s_fields(api, business):
    listed = BookableAppointmentFactory(
        business=business, title="Physio", duration_minutes=30, description="Back and neck"
    )
    BookableAppointmentFactory(business=business, online_bookable=False)
    BookableAppointmentFactory(business=business, bookable=False)

    response = api.get(BOOKABLE)

    assert response.status_code == 200
    assert response.json() == {
        "result": [
            {
                "id": listed.pk,
                "title": "Physio",
                "duration": 30,
                "category": "Training",
                "description": "Back and neck",
            }
        ],
        "hasNext": False,
        "offset": str(listed.pk),
    }


def test_the_list_is_sliced_by_the_last_id(api, business):
    first, second, third = (BookableAppointmentFactory(business=business) for _ in range(3))

    page = api.get(BOOKABLE, {"sliceSize": 2}).json()
    rest = api.get(BOOKABLE, {"sliceSize": 2, "offset": page["offset"]}).json()

    assert [a["id"] for a in page["result"]] == [first.pk, second.pk]
    assert page["hasNext"] is True
    assert page["offset"] == str(second.pk)
    assert [a["id"] for a in rest["result"]] == [third.pk]
    assert rest["hasNext"] is False


def test_a_nul_in_the_query_is_a_json_400(api):
    response = api.get(BOOKABLE, {"offset": "1\x00"})

    assert response.status_code == 400
    assert response.json() == {
        "errorMessage": "The address or the form contains a NUL character; remove it.",
        "errorCode": "BAD_REQUEST",
    }


def test_an_empty_list_keeps_the_offset(api):
    assert api.get(BOOKABLE, {"offset": "77"}).json() == {
        "result": [],
        "hasNext": False,
        "offset": "77",
    }


@pytest.mark.parametrize(
    ("params", "reference", "code"),
    [
        ({"sliceSize": 0}, "sliceSize", "errormessage.validation.min"),
        ({"sliceSize": 51}, "sliceSize", "errormessage.validation.max"),
        ({"sliceSize": "ten"}, "sliceSize", "BAD_REQUEST"),
        ({"offset": "-1"}, "offset", "BAD_REQUEST"),
        ({"offset": "abc"}, "offset", "BAD_REQUEST"),
        ({"offset": "9" * 30}, "offset", "BAD_REQUEST"),
        ({"offset": "9" * 5000}, "offset", "BAD_REQUEST"),
    ],
)
def test_bad_paging_is_a_400_naming_the_parameter(api, params, reference, code):
    response = api.get(BOOKABLE, params)

    assert response.status_code == 400
    assert response.json()["reference"] == reference
    assert response.json()["errorCode"] == code


# --- GET appointments/bookable/{id} -----------------------------------------------------------


def test_one_appointment_by_id(api, training):
    response = api.get(f"{BOOKABLE}/{training.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": training.pk,
        "title": "Personal training",
        "duration": 60,
        "category": "Training",
    }


@pytest.mark.parametrize("appointment_id", ["999999", "0", "abc", "9" * 25, "9" * 5000, "-4"])
def test_an_unknown_appointment_is_a_404(api, appointment_id):
    response = api.get(f"{BOOKABLE}/{appointment_id}")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT_FOUND"


def test_an_unlisted_appointment_is_a_404(api, business):
    hidden = BookableAppointmentFactory(business=business, online_bookable=False)

    assert api.get(f"{BOOKABLE}/{hidden.pk}").status_code == 404


def test_another_facility_s_appointment_is_a_404_without_its_data(other_api, training):
    response = other_api.get(f"{BOOKABLE}/{training.pk}")

    assert response.status_code == 404
    assert "Personal training" not in response.content.decode()


# --- GET appointments/bookable/{id}/slots -----------------------------------------------------


def test_slots_of_a_day_with_their_instructors(api, training, anna, ben, monday_holds):
    response = api.get(
        f"{BOOKABLE}/{training.pk}/slots",
        {"slotWindowStartDate": MONDAY.isoformat(), "daysAhead": 1},
    )

    assert response.status_code == 200
    slots = response.json()
    offset = format_date_time(berlin(9), BERLIN)[23:29]
    assert re.fullmatch(r"[+-]\d\d:\d\d", offset)
    assert slots[0] == {
        "startDateTime": f"{MONDAY.isoformat()}T09:30:00.000{offset}[Europe/Berlin]",
        "endDateTime": f"{MONDAY.isoformat()}T10:30:00.000{offset}[Europe/Berlin]",
        "instructors": [
            {
                "id": instructor_number(ben.pk),
                "firstName": "Ben",
                "lastName": "",
                "publicName": "Ben",
            }
        ],
    }
    table = [(s["startDateTime"][11:16], [i["firstName"] for i in s["instructors"]]) for s in slots]
    assert table == [
        ("09:30", ["Ben"]),
        ("10:00", ["Ben"]),
        ("11:30", ["Anna"]),
        ("12:00", ["Anna"]),
    ]


def test_a_window_without_working_hours_is_an_empty_list(api, training):
    sunday = MONDAY - timedelta(days=1)

    response = api.get(
        f"{BOOKABLE}/{training.pk}/slots",
        {"slotWindowStartDate": sunday.isoformat(), "daysAhead": 1},
    )

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "reference"),
    [
        ({"daysAhead": 0}, "daysAhead"),
        ({"daysAhead": 7}, "daysAhead"),
        ({"daysAhead": "six"}, "daysAhead"),
        ({"slotWindowStartDate": "2024-13-01"}, "slotWindowStartDate"),
        ({"slotWindowStartDate": "01.05.2024"}, "slotWindowStartDate"),
        ({"customerId": "x"}, "customerId"),
        ({"customerId": "9223372036854775808"}, "customerId"),
        ({"customerId": "9" * 5000}, "customerId"),
        ({"customerId": ""}, "customerId"),  # an empty value is no id, not "absent"
        ({"daysAhead": ""}, "daysAhead"),
        ({"slotWindowStartDate": "9999-12-31"}, "slotWindowStartDate"),  # was a 500
        ({"slotWindowStartDate": "0001-01-01"}, "slotWindowStartDate"),
    ],
)
def test_a_bad_slot_window_is_a_400(api, training, params, reference):
    response = api.get(f"{BOOKABLE}/{training.pk}/slots", params)

    assert response.status_code == 400
    assert response.json()["reference"] == reference


def test_slots_for_an_unknown_or_foreign_customer_are_a_404(api, training, other_business):
    stranger = CustomerFactory(business=other_business)

    for customer_id in (999999, stranger.pk):
        response = api.get(f"{BOOKABLE}/{training.pk}/slots", {"customerId": customer_id})
        assert response.status_code == 404


def test_another_facility_cannot_see_our_slots(other_api, training):
    assert other_api.get(f"{BOOKABLE}/{training.pk}/slots").status_code == 404


# --- POST appointments/bookable/validate ------------------------------------------------------


def test_a_free_slot_validates_as_available(api, training, member, anna):
    body = _slot_body(training, member, berlin(9), instructors=[anna])

    response = _post(api, VALIDATE, body)

    assert response.status_code == 200
    assert response.json() == {"validationStatus": "AVAILABLE"}


@pytest.mark.parametrize(
    ("minutes", "status"),
    [(45, "PERIOD_DOES_NOT_MATCH"), (0, "END_DATE_TIME_NOT_AFTER_START_DATE_TIME")],
)
def test_a_wrong_period_is_still_a_200_with_its_status(api, training, member, minutes, status):
    response = _post(api, VALIDATE, _slot_body(training, member, berlin(9), minutes=minutes))

    assert response.status_code == 200
    assert response.json() == {"validationStatus": status}


def test_a_customer_without_credits_has_no_contingent(api, training, business):
    broke = CustomerFactory(business=business)

    response = _post(api, VALIDATE, _slot_body(training, broke, berlin(9)))

    assert response.json() == {"validationStatus": "NO_CONTINGENT"}


def test_an_instructor_nobody_on_the_staff_has_is_not_available(api, training, member):
    body = _slot_body(training, member, berlin(9))
    body["instructorIds"] = [123456]

    assert _post(api, VALIDATE, body).json() == {"validationStatus": "RESOURCE_NOT_AVAILABLE"}


@pytest.mark.parametrize("path", [VALIDATE, BOOK])
@pytest.mark.parametrize(
    ("change", "reference"),
    [
        ({"customerId": "1"}, "customerId"),
        ({"customerId": True}, "customerId"),
        ({"customerId": None}, "customerId"),
        ({"bookableAppointmentId": 1.5}, "bookableAppointmentId"),
        ({"startDateTime": "tomorrow at nine"}, "startDateTime"),
        ({"endDateTime": 1718000000}, "endDateTime"),
        ({"startDateTime": "2030-06-03T09:00:00.000"}, "startDateTime"),
        ({"instructorIds": "101"}, "instructorIds"),
        ({"instructorIds": ["101"]}, "instructorIds"),
        # Found by schemathesis: each was a 500 (OverflowError, IsADirectoryError).
        ({"startDateTime": "9999-12-31T23:59-23:59[Europe/Berlin]"}, "startDateTime"),
        ({"startDateTime": "0001-01-01T00:00+23:59[UTC]"}, "startDateTime"),
        ({"endDateTime": "2030-06-03T10:00+02:00[America]"}, "endDateTime"),
        ({"startDateTime": "٢٠٣٠-06-03T09:00+02:00"}, "startDateTime"),
    ],
)
def test_a_wrong_field_is_a_400_naming_it(api, training, member, path, change, reference):
    body = _slot_body(training, member, berlin(9)) | change

    response = _post(api, path, body)

    assert response.status_code == 400
    assert response.json()["reference"] == reference
    assert not AppointmentBooking.objects.exists()


@pytest.mark.parametrize("path", [VALIDATE, BOOK])
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "The request body is not valid JSON."),
        (b"\xff\xfe", "The request body is not valid JSON."),
        (b"", "The request body is not valid JSON."),
        (b"[1, 2]", "The request body must be a JSON object."),
        (b'{"customerId": "\\u0000"}', "The request body contains a NUL character."),
        (b"[" * 100000 + b"]" * 100000, None),
    ],
)
def test_a_malformed_body_is_a_400(api, path, raw, message):
    response = api.post(path, data=raw, content_type="application/json")

    assert response.status_code == 400
    if message:
        assert response.json()["errorMessage"] == message


@pytest.mark.parametrize("path", [VALIDATE, BOOK])
def test_a_form_instead_of_json_is_a_400(api, path, training, member):
    response = api.post(path, {"customerId": member.pk, "bookableAppointmentId": training.pk})

    assert response.status_code == 400
    assert response.json()["errorMessage"] == "The request body is not valid JSON."


def test_validating_an_unknown_or_foreign_appointment_is_a_404(
    api, other_api, training, member, other_business
):
    body = _slot_body(training, member, berlin(9))

    assert _post(api, VALIDATE, body | {"bookableAppointmentId": 999999}).status_code == 404
    assert _post(other_api, VALIDATE, body).status_code == 404


def test_validating_for_another_facility_s_customer_is_a_404(api, training, other_business):
    stranger = CustomerFactory(business=other_business)

    response = _post(api, VALIDATE, _slot_body(training, stranger, berlin(9)))

    assert response.status_code == 404
    assert response.json()["errorMessage"] == f"There is no customer with the id {stranger.pk}."


# --- POST appointments/booking/book -----------------------------------------------------------


def test_booking_answers_the_contract_s_booking_and_spends_a_credit(api, training, member, anna):
    response = _post(api, BOOK, _slot_body(training, member, berlin(9), instructors=[anna]))

    assert response.status_code == 200
    booking = AppointmentBooking.objects.get()
    data = response.json()
    assert data == {
        "bookingId": booking.pk,
        "bookingStatus": "BOOKED",
        "startDateTime": format_date_time(berlin(9), BERLIN),
        "endDateTime": format_date_time(berlin(10), BERLIN),
        "title": "Personal training",
        "duration": 60,
        "category": "Training",
        "instructors": [
            {
                "id": instructor_number(anna.pk),
                "firstName": "Anna",
                "lastName": "",
                "publicName": "Anna",
            }
        ],
        "appointmentStatus": "PLANNED",
        "participantStatus": "UNSET",
    }
    assert Contingent.objects.get(customer=member).remaining_credits == 2


def test_the_slot_just_taken_is_a_409_and_books_nothing(api, training, member, anna, business):
    rival = CustomerFactory(business=business)
    Contingent.objects.create(customer=rival, remaining_credits=1)
    first = _post(api, BOOK, _slot_body(training, rival, berlin(9), instructors=[anna]))
    assert first.status_code == 200

    response = _post(api, BOOK, _slot_body(training, member, berlin(9), instructors=[anna]))

    assert response.status_code == 409
    assert response.json() == {"errorMessage": JUST_TAKEN, "errorCode": "RESOURCE_NOT_AVAILABLE"}
    assert AppointmentBooking.objects.count() == 1
    assert Contingent.objects.get(customer=member).remaining_credits == 3


def test_a_refused_booking_is_a_400_with_its_status_and_stores_nothing(api, training, business):
    broke = CustomerFactory(business=business)

    response = _post(api, BOOK, _slot_body(training, broke, berlin(9)))

    assert response.status_code == 400
    assert response.json()["errorCode"] == "NO_CONTINGENT"
    assert response.json()["errorMessage"].startswith("The customer has no credits left")
    assert not AppointmentBooking.objects.exists()


def test_another_facility_s_key_cannot_book_our_appointment(other_api, training, member):
    response = _post(other_api, BOOK, _slot_body(training, member, berlin(9)))

    assert response.status_code == 404
    assert not AppointmentBooking.objects.exists()


# --- GET appointments/booking/{id} and ?customerId= -------------------------------------------


@pytest.fixture
def tomorrow_booking(training, member, anna):
    start = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    booking = AppointmentBookingFactory(
        appointment=training, customer=member, start=start, end=start + timedelta(hours=1)
    )
    BookingResourceFactory(booking=booking, resource=anna)
    return booking


def test_one_booking_carries_its_customer_id(api, tomorrow_booking, member, anna):
    response = api.get(f"{BOOKING}/{tomorrow_booking.pk}")

    assert response.status_code == 200
    data = response.json()
    assert data["bookingId"] == tomorrow_booking.pk
    assert data["customerId"] == member.pk
    assert data["instructors"][0]["id"] == instructor_number(anna.pk)
    assert data["startDateTime"].endswith("[Europe/Berlin]")


@pytest.mark.parametrize("booking_id", ["999999", "abc", "0"])
def test_an_unknown_booking_is_a_404(api, booking_id):
    assert api.get(f"{BOOKING}/{booking_id}").status_code == 404


def test_another_facility_s_booking_is_a_404(other_api, tomorrow_booking):
    response = other_api.get(f"{BOOKING}/{tomorrow_booking.pk}")

    assert response.status_code == 404
    assert "Personal training" not in response.content.decode()


def test_a_customer_s_bookings_within_two_weeks(api, training, member, tomorrow_booking):
    far = timezone.now() + timedelta(days=20)
    AppointmentBookingFactory(
        appointment=training, customer=member, start=far, end=far + timedelta(hours=1)
    )

    response = api.get(BOOKING, {"customerId": member.pk})

    assert response.status_code == 200
    assert [b["bookingId"] for b in response.json()] == [tomorrow_booking.pk]
    assert "customerId" not in response.json()[0]


@pytest.mark.parametrize(
    ("params", "status"), [({}, 400), ({"customerId": "me"}, 400), ({"customerId": 999999}, 404)]
)
def test_customer_bookings_need_a_known_customer(api, params, status):
    assert api.get(BOOKING, params).status_code == status


def test_another_facility_cannot_list_our_customer_s_bookings(other_api, member, tomorrow_booking):
    assert other_api.get(BOOKING, {"customerId": member.pk}).status_code == 404


# --- DELETE appointments/booking/{id} ---------------------------------------------------------


def test_cancelling_a_booking_made_through_the_api(api, training, member, anna):
    booked = _post(api, BOOK, _slot_body(training, member, berlin(9), instructors=[anna])).json()

    response = api.delete(f"{BOOKING}/{booked['bookingId']}")

    assert response.status_code == 200
    assert response.json() == {"success": "true"}
    assert api.get(f"{BOOKING}/{booked['bookingId']}").json()["bookingStatus"] == "CANCELED"
    assert Contingent.objects.get(customer=member).remaining_credits == 3


def test_cancelling_twice_is_a_400(api, training, member):
    booked = _post(api, BOOK, _slot_body(training, member, berlin(9))).json()
    api.delete(f"{BOOKING}/{booked['bookingId']}")

    response = api.delete(f"{BOOKING}/{booked['bookingId']}")

    assert response.status_code == 400
    assert response.json()["errorMessage"] == "This booking is already cancelled."


def test_cancelling_after_the_deadline_is_a_400_and_keeps_the_booking(api, training, member):
    soon = timezone.now() + timedelta(minutes=30)
    booking = AppointmentBookingFactory(
        appointment=training, customer=member, start=soon, end=soon + timedelta(hours=1)
    )

    response = api.delete(f"{BOOKING}/{booking.pk}")

    assert response.status_code == 400
    assert response.json()["errorMessage"].startswith("It is too late to cancel this booking")
    booking.refresh_from_db()
    assert booking.booking_status == "BOOKED"


def test_another_facility_cannot_cancel_our_booking(other_api, tomorrow_booking):
    response = other_api.delete(f"{BOOKING}/{tomorrow_booking.pk}")

    assert response.status_code == 404
    tomorrow_booking.refresh_from_db()
    assert tomorrow_booking.booking_status == "BOOKED"
