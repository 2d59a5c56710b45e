"""The JSON API of a studio whose bookings live in Magicline: the same contract, the upstream's
slots and instructors, Magicline's own date-time strings on validate and book, and a 503
ErrorResponse with Retry-After (nothing changed) for every call while Magicline is down."""

import json
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from bookings.errors import DEFAULT_RETRY_AFTER
from bookings.magicline.backend import UNREACHABLE
from bookings.magicline.models import MagiclineBooking
from bookings.magicline.sync import apply_remote_customer
from bookings.mapping import parse_date_time
from bookings.models import AppointmentBooking, BookingResource, Customer
from calendar_app.models import ChangeRecord, Event
from tests.bookings.magicline.conftest import MEMBER_ID, TRAINING, day_at
from tests.factories import MagiclineConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_connection(fake, business):
    return MagiclineConnectionFactory(
        business=business, base_url=fake.base_url("berlin"), api_key="berlin-open-api-key-0001"
    )


def post(api, path, body):
    return api.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def test_a_client_books_a_magicline_slot_with_the_instructor_it_was_offered(
    api, fake, demo_connection
):
    mia = apply_remote_customer(
        connection=demo_connection,
        data=fake.customers[MEMBER_ID]["data"],
        magicline_id=MEMBER_ID,
    )
    types = api.get("/api/v1/appointments/bookable").json()["result"]
    training = next(t for t in types if t["title"] == "Personal training")
    slots = api.get(
        f"/api/v1/appointments/bookable/{training['id']}/slots",
        {"slotWindowStartDate": day_at(2, 0).date().isoformat(), "daysAhead": 1},
    ).json()
    nine = slots[0]
    assert parse_date_time(nine["startDateTime"], reference="s") == day_at(2, 9)
    assert [i["publicName"] for i in nine["instructors"]] == ["Coach 101", "Coach 102"]
    body = {
        "customerId": mia.pk,
        "bookableAppointmentId": training["id"],
        "startDateTime": nine["startDateTime"],
        "endDateTime": nine["endDateTime"],
        "instructorIds": [nine["instructors"][1]["id"]],
    }
    cache.clear()  # another process answers the booking
    assert post(api, "/appointments/bookable/validate", body).json() == {
        "validationStatus": "AVAILABLE"
    }
    answer = post(api, "/appointments/booking/book", body)
    assert answer.status_code == 200
    assert [i["publicName"] for i in answer.json()["instructors"]] == ["Coach 102"]
    served = fake.studios["berlin"].slots[TRAINING][2]
    (sent,) = [json.loads(r.body) for r in fake.requests if r.path.endswith("/booking/book")]
    assert sent["startDateTime"] == served["startDateTime"]  # Magicline's, not the API's form
    assert sent["startDateTime"] != nine["startDateTime"]
    assert sent["instructorIds"] == [102]


# --- while Magicline is down -------------------------------------------------------------------


@pytest.fixture
def booked(api, fake, demo_connection):
    """Mia's booking of day 2 at 09:00, made while the studio answered, and the body of the
    15:00 slot of that day (listed then, still free)."""
    mia = apply_remote_customer(
        connection=demo_connection, data=fake.customers[MEMBER_ID]["data"], magicline_id=MEMBER_ID
    )
    types = api.get("/api/v1/appointments/bookable").json()["result"]
    training = next(t["id"] for t in types if t["title"] == "Personal training")
    window = {"slotWindowStartDate": day_at(2, 0).date().isoformat(), "daysAhead": 1}
    nine, three = api.get(f"/api/v1/appointments/bookable/{training}/slots", window).json()

    def body(slot):
        return {
            "customerId": mia.pk,
            "bookableAppointmentId": training,
            "startDateTime": slot["startDateTime"],
            "endDateTime": slot["endDateTime"],
        }

    booking = post(api, "/appointments/booking/book", body(nine))
    assert booking.status_code == 200
    return SimpleNamespace(
        training=training, window=window, body=body(three), booking=booking.json()["bookingId"]
    )


CALLS = {
    "slots": lambda api, b: api.get(f"/api/v1/appointments/bookable/{b.training}/slots", b.window),
    "validate": lambda api, b: post(api, "/appointments/bookable/validate", b.body),
    "book": lambda api, b: post(api, "/appointments/booking/book", b.body),
    "cancel": lambda api, b: api.delete(f"/api/v1/appointments/booking/{b.booking}"),
    "get": lambda api, b: api.get(f"/api/v1/appointments/booking/{b.booking}"),
}


def stored(business) -> dict:
    """Everything a call could change: bookings, their holds, links and events, the audit."""
    return {
        "bookings": list(
            AppointmentBooking.objects.filter(business=business)
            .order_by("pk")
            .values_list("pk", "booking_status", "appointment_status", "start", "end")
        ),
        "holds": list(
            BookingResource.objects.order_by("pk").values_list("resource_id", "active", "start")
        ),
        "links": list(
            MagiclineBooking.objects.order_by("pk").values_list(
                "magicline_id", "booking_id", "start_date_time", "instructors"
            )
        ),
        "events": list(
            Event.objects.filter(business=business)
            .order_by("pk")
            .values_list("pk", "status", "revision", "start", "end")
        ),
        "customers": Customer.objects.count(),
        "audit": ChangeRecord.objects.count(),
    }


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_every_call_answers_503_with_retry_after_while_magicline_is_down_and_changes_nothing(
    api, fake, business, booked, call
):
    before = stored(business)
    fake.go_down(503, retry_after=120)
    fake.requests.clear()

    answer = call(api, booked)

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "120"  # Magicline's own
    assert answer.json() == {"errorMessage": UNREACHABLE, "errorCode": "SERVICE_UNAVAILABLE"}
    assert fake.requests, "the call asked Magicline"
    assert stored(business) == before
    (made,) = fake.studios["berlin"].bookings.values()
    assert made["bookingStatus"] == "BOOKED"


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_every_call_answers_503_when_magicline_does_not_answer_at_all(
    api, fake, business, booked, call
):
    before = stored(business)
    fake.stop()

    answer = call(api, booked)

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER)
    assert answer.json()["errorCode"] == "SERVICE_UNAVAILABLE"
    assert stored(business) == before


@pytest.mark.parametrize("status", [429, 503])
def test_magiclines_retry_after_is_passed_on(api, fake, booked, status):
    fake.fail_next("POST", "/validate", status, retry_after=90)

    answer = post(api, "/appointments/bookable/validate", booked.body)

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "90"


def test_a_failure_that_names_no_retry_after_answers_the_default(api, fake, booked):
    fake.fail_next("POST", "/validate", 500)

    answer = post(api, "/appointments/bookable/validate", booked.body)

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER)


# --- when Magicline answers something the app cannot read -------------------------------------

GARBLED = {
    "slots": ("GET", "/slots", lambda slots: [{"startDateTime": 9}]),
    "validate": ("POST", "/validate", lambda answer: {"verdict": "fine"}),
    "book": ("POST", "/booking/book", lambda answer: {**answer, "bookingId": None}),
    "get": ("GET", "/booking/", lambda answer: b"<html>upstream proxy error</html>"),
}


@pytest.mark.parametrize("name", GARBLED)
def test_an_answer_that_cannot_be_read_is_a_503_naming_the_field_and_changes_nothing(
    api, fake, business, booked, name
):
    method, path, rewrite = GARBLED[name]
    fake.garble_next(method, path, rewrite)
    before = stored(business)

    answer = CALLS[name](api, booked)

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER)
    assert answer.json()["errorCode"] == "SERVICE_UNAVAILABLE"
    assert answer.json()["errorMessage"].startswith(
        "The studio's Magicline answered something we cannot read: "
    )
    assert stored(business) == before


def test_the_sentence_names_the_field_magicline_got_wrong(api, fake, booked):
    fake.garble_next("POST", "/validate", lambda answer: {"verdict": "fine"})

    answer = post(api, "/appointments/bookable/validate", booked.body)

    assert answer.json()["errorMessage"] == (
        "The studio's Magicline answered something we cannot read: validationStatus is required."
    )


def test_the_booking_is_read_from_magicline_once_it_answers_again(api, fake, booked):
    fake.go_down()
    assert api.get(f"/api/v1/appointments/booking/{booked.booking}").status_code == 503
    fake.come_back()
    (made,) = fake.studios["berlin"].bookings.values()
    made["bookingStatus"] = made["appointmentStatus"] = "CANCELED"
    fake.studios["berlin"].cancelled_answer = "CANCELED"

    answer = api.get(f"/api/v1/appointments/booking/{booked.booking}")

    assert answer.status_code == 200
    assert answer.json()["bookingStatus"] == "CANCELED"
    assert AppointmentBooking.objects.get(pk=booked.booking).booking_status == "CANCELED"
