"""The booking screen's reads and writes for a Magicline studio, through the usual services."""

import json

import pytest
from django.core.cache import cache

from bookings import selectors, services
from bookings.backends import LocalAppointmentBackend, appointment_backend
from bookings.contract import ValidationStatus
from bookings.errors import AppointmentError, BookingRefused
from bookings.magicline.backend import MagiclineAppointmentBackend
from bookings.magicline.client import MagiclineClient
from bookings.magicline.models import MagiclineBooking
from bookings.magicline.sync import apply_remote_customer
from bookings.magicline.tasks import refresh_booking
from bookings.models import AppointmentBooking
from calendar_app.models import Resource
from tests.bookings.magicline.conftest import (
    GUEST_ID,
    MEMBER_ID,
    PLAIN_GUEST_ID,
    TRAINING,
    day_at,
)
from tests.factories import MembershipFactory


def mirrored(fake, connection, magicline_id):
    return apply_remote_customer(
        connection=connection,
        data=fake.customers[magicline_id]["data"],
        magicline_id=magicline_id,
    )


@pytest.fixture
def mia(fake, berlin_connection):
    return mirrored(fake, berlin_connection, MEMBER_ID)


@pytest.fixture
def training(berlin_connection, berlin_studio):
    return selectors.bookable_appointments(business=berlin_studio).get(title="Personal training")


def first_slot(training, customer, days_from_today=2):
    return selectors.available_slots(
        appointment=training,
        slot_window_start_date=day_at(days_from_today, 0).date(),
        days_ahead=1,
        customer=customer,
    )[0]


def book(training, customer, slot):
    return services.book_appointment(
        actor=None,
        appointment=training,
        customer=customer,
        start=slot.start,
        end=slot.end,
        instructor_ids=[slot.instructors[0].id],
    )


def test_a_business_with_a_connection_books_through_magicline(berlin_connection, business):
    assert isinstance(appointment_backend(berlin_connection.business), MagiclineAppointmentBackend)
    assert isinstance(appointment_backend(business), LocalAppointmentBackend)
    berlin_connection.enabled = False
    assert isinstance(appointment_backend(berlin_connection.business), LocalAppointmentBackend)


def test_the_services_mirror_the_studios_types_once(fake, berlin_connection, berlin_studio):
    listed = selectors.bookable_appointments(business=berlin_studio)
    assert [a.title for a in listed] == ["Personal training", "Massage"]
    assert listed[0].duration_minutes == 60
    del fake.studios["berlin"].appointment_types[1002]
    listed = list(selectors.bookable_appointments(business=berlin_studio))
    assert [a.title for a in listed] == ["Personal training", "Massage"]  # cached briefly
    appointment_backend(berlin_studio).client.bookable_appointments(fresh=True)
    assert [a.title for a in selectors.bookable_appointments(business=berlin_studio)] == [
        "Personal training"
    ]


def test_the_services_come_from_the_local_mirror_when_magicline_is_down(
    fake, berlin_connection, berlin_studio
):
    selectors.bookable_appointments(business=berlin_studio)
    cache.clear()
    for _ in range(4):
        fake.fail_next("GET", "/v1/appointments/bookable", 503)
    backend = MagiclineAppointmentBackend(
        berlin_connection, MagiclineClient.for_connection(berlin_connection, backoff_seconds=0)
    )
    listed = backend.bookable_appointments(business=berlin_studio)
    assert [a.title for a in listed] == ["Personal training", "Massage"]
    assert fake.faults == []


def test_slots_are_the_studios_in_its_zone_with_its_instructors_as_staff(
    berlin_connection, training, mia
):
    slot = first_slot(training, mia)
    assert (slot.start.hour, slot.end.hour) == (9, 10)
    staff = {i.magicline_id: i.resource for i in berlin_connection.instructors.all()}
    assert [i.id for i in slot.instructors] == [staff[101].pk, staff[102].pk]
    assert [i.name for i in slot.instructors] == ["Coach 101", "Coach 102"]
    assert {r.type for r in staff.values()} == {"STAFF"}
    assert {r.business for r in staff.values()} == {training.business}
    assert set(training.staff.all()) == set(staff.values())
    first_slot(training, mia, days_from_today=3)
    assert Resource.objects.filter(business=training.business).count() == 2


def test_a_three_day_studio_keeps_the_window_it_learned(fake, hamburg_connection, hamburg_studio):
    training = selectors.bookable_appointments(business=hamburg_studio).get(
        title="Personal training"
    )
    found = selectors.available_slots(
        appointment=training, slot_window_start_date=day_at(1, 0).date(), days_ahead=6
    )
    assert len(found) == 12
    hamburg_connection.refresh_from_db()
    assert hamburg_connection.max_slot_window_days == 3


def test_booking_sends_the_slots_strings_and_keeps_the_answer(fake, training, mia):
    slot = first_slot(training, mia)
    booking = book(training, mia, slot)
    upstream = fake.studios["berlin"].bookings
    assert len(upstream) == 1
    (made,) = upstream.values()
    assert booking.magicline.magicline_id == made["bookingId"]
    assert booking.magicline.start_date_time == made["startDateTime"]
    assert made["startDateTime"] == fake.studios["berlin"].slots[TRAINING][2]["startDateTime"]
    assert (booking.start, booking.end) == (slot.start, slot.end)
    assert booking.event.start_local == slot.start.replace(tzinfo=None)
    assert booking.business == training.business


def test_a_refused_validation_books_nothing(fake, training, mia):
    fake.studios["berlin"].validation_overrides[MEMBER_ID] = "CUSTOMER_IDLE"
    with pytest.raises(BookingRefused) as refused:
        book(training, mia, first_slot(training, mia))
    assert refused.value.status == ValidationStatus.CUSTOMER_IDLE
    assert not fake.studios["berlin"].bookings
    assert not AppointmentBooking.objects.exists()


def test_a_book_that_committed_then_timed_out_is_found_not_made_twice(fake, training, mia):
    fake.studios["berlin"].drop_after_book = 1
    booking = book(training, mia, first_slot(training, mia))
    assert len(fake.studios["berlin"].bookings) == 1
    assert [r.method for r in fake.requests if r.path.endswith("/book")] == ["POST"]
    assert MagiclineBooking.objects.get().booking == booking


def test_a_book_that_never_arrived_is_retried_once_after_checking(fake, training, mia):
    fake.studios["berlin"].drop_before_book = 1
    fake.requests.clear()
    booking = book(training, mia, first_slot(training, mia))
    calls = [(r.method, r.path) for r in fake.requests if "/booking" in r.path]
    assert calls == [
        ("POST", "/v1/appointments/booking/book"),
        ("GET", "/v1/appointments/booking"),
        ("POST", "/v1/appointments/booking/book"),
    ]
    (made,) = fake.studios["berlin"].bookings.values()
    assert booking.magicline.magicline_id == made["bookingId"]


def test_a_book_answered_with_a_500_is_not_retried(fake, training, mia):
    fake.fail_next("POST", "/booking/book", 500)
    with pytest.raises(AppointmentError, match="not answering"):
        book(training, mia, first_slot(training, mia))
    assert len([r for r in fake.requests if r.path.endswith("/book")]) == 1
    assert not AppointmentBooking.objects.exists()


def test_cancelling_cancels_in_magicline_and_in_the_calendar(fake, training, mia):
    booking = book(training, mia, first_slot(training, mia))
    cancelled = services.cancel_booking(actor=None, booking=booking)
    (made,) = fake.studios["berlin"].bookings.values()
    assert made["bookingStatus"] == "CANCELED"
    assert cancelled.booking_status == "CANCELED"
    booking.event.refresh_from_db()
    assert booking.event.is_cancelled


def test_bookings_made_inside_magicline_show_up_with_the_customers(
    fake, berlin_connection, berlin_studio, training, mia
):
    fake.add_booking("berlin", MEMBER_ID, TRAINING, day_at(3, 11))
    found = selectors.customer_bookings(business=berlin_studio, customer=mia)
    assert [(b.start, b.appointment) for b in found] == [(day_at(3, 11), training)]
    assert found[0].event is not None


def test_a_guest_with_an_inclusive_contingent_books_with_the_studios_key_only(
    fake, berlin_connection, hamburg_connection, training
):
    guest = mirrored(fake, hamburg_connection, GUEST_ID)
    fake.requests.clear()
    booking = book(training, guest, first_slot(training, guest))
    assert booking.business == berlin_connection.business
    assert fake.keys_used("berlin") == {"berlin-open-api-key-0001"}
    assert fake.keys_used("hamburg") == set()
    assert [r.tenant for r in fake.requests] == ["berlin"] * len(fake.requests)


def test_a_guest_without_an_inclusive_contingent_is_refused(fake, hamburg_connection, training):
    guest = mirrored(fake, hamburg_connection, PLAIN_GUEST_ID)
    with pytest.raises(BookingRefused) as refused:
        book(training, guest, first_slot(training, guest))
    assert refused.value.status == ValidationStatus.NO_CONTINGENT


def sent(fake, path):
    return [json.loads(r.body) for r in fake.requests if r.path == path]


def test_validate_and_book_after_a_cache_miss_send_magiclines_own_strings(fake, training, mia):
    served = fake.studios["berlin"].slots[TRAINING][2]
    slot = first_slot(training, mia)
    cache.clear()  # no token and nothing cached: as a JSON API call from another process
    fake.requests.clear()
    assert selectors.validate_booking(
        appointment=training, customer=mia, start=slot.start, end=slot.end
    ) == (ValidationStatus.AVAILABLE)
    cache.clear()
    book(training, mia, slot)
    for path in ("/v1/appointments/bookable/validate", "/v1/appointments/booking/book"):
        for raw in [r.body for r in fake.requests if r.path == path]:
            assert b'"startDateTime":"' + served["startDateTime"].encode() + b'"' in raw
            assert b'"endDateTime":"' + served["endDateTime"].encode() + b'"' in raw
    reads = [r for r in fake.requests if r.path.endswith("/slots")]
    assert [r.query["daysAhead"] for r in reads] == ["1", "1"]  # the slot's day, for each call
    assert {r.query["slotWindowStartDate"] for r in reads} == {slot.start.date().isoformat()}


def test_the_cached_token_serves_the_json_api_without_reading_the_slots_again(fake, training, mia):
    slot = first_slot(training, mia)
    fake.requests.clear()
    book(training, mia, slot)
    assert not [r for r in fake.requests if r.path.endswith("/slots")]
    (body,) = sent(fake, "/v1/appointments/booking/book")
    assert body["startDateTime"] == fake.studios["berlin"].slots[TRAINING][2]["startDateTime"]


def test_a_slot_magicline_no_longer_lists_is_not_free_and_is_not_sent(fake, training, mia):
    slot = first_slot(training, mia)
    fake.studios["berlin"].slots[TRAINING].pop(2)
    cache.clear()
    fake.requests.clear()
    status = selectors.validate_booking(
        appointment=training, customer=mia, start=slot.start, end=slot.end
    )
    assert status == ValidationStatus.RESOURCE_NOT_AVAILABLE
    with pytest.raises(BookingRefused) as refused:
        book(training, mia, slot)
    assert refused.value.lost_race
    assert not sent(fake, "/v1/appointments/bookable/validate")
    assert not fake.studios["berlin"].bookings


def test_an_instructor_the_slot_does_not_have_is_not_free(fake, berlin_connection, training, mia):
    afternoon = first_slot(training, mia, days_from_today=2)
    later = selectors.available_slots(
        appointment=training,
        slot_window_start_date=day_at(2, 0).date(),
        days_ahead=1,
        customer=mia,
    )[1]
    coach_102 = berlin_connection.instructors.get(magicline_id=102).resource
    assert [i.id for i in later.instructors] != [coach_102.pk]
    status = selectors.validate_booking(
        appointment=training,
        customer=mia,
        start=later.start,
        end=later.end,
        instructor_ids=[coach_102.pk],
        slot_token=later.token,
    )
    assert status == ValidationStatus.RESOURCE_NOT_AVAILABLE
    status = selectors.validate_booking(
        appointment=training,
        customer=mia,
        start=afternoon.start,
        end=afternoon.end,
        instructor_ids=["not-a-staff-member"],
    )
    assert status == ValidationStatus.RESOURCE_NOT_AVAILABLE


def test_a_booking_moved_to_another_instructor_moves_to_their_column(
    fake, berlin_connection, berlin_studio, training, mia, client
):
    booking = book(training, mia, first_slot(training, mia))
    staff = {i.magicline_id: i.resource for i in berlin_connection.instructors.all()}
    assert [r.resource_id for r in booking.event.event_resources.all()] == [staff[101].pk]
    (made,) = fake.studios["berlin"].bookings.values()
    made["instructors"] = [{"id": 102, "firstName": "Coach102", "lastName": "Trainer"}]
    refresh_booking(
        connection=berlin_connection,
        client=MagiclineClient.for_connection(berlin_connection),
        booking_id=made["bookingId"],
    )
    booking.refresh_from_db()
    assert [r.resource_id for r in booking.event.event_resources.all()] == [staff[102].pk]
    assert [r.resource_id for r in booking.booking_resources.all()] == [staff[102].pk]
    client.force_login(MembershipFactory(business=berlin_studio, role="owner").user)
    day = booking.start.date().isoformat()
    column = client.get("/calendar/day/", {"date": day, "resource": staff[102].pk})
    assert "Personal training: Mia Member" in column.text
    other = client.get("/calendar/day/", {"date": day, "resource": staff[101].pk})
    assert "Personal training: Mia Member" not in other.text


def test_a_booking_of_an_instructor_never_seen_makes_their_staff_member(
    fake, berlin_connection, berlin_studio, mia
):
    fake.add_booking("berlin", MEMBER_ID, TRAINING, day_at(3, 11))
    (found,) = selectors.customer_bookings(business=berlin_studio, customer=mia)
    (held,) = found.booking_resources.all()
    assert held.resource.name == "Anna Chodakowska"
    assert held.resource.magicline_instructor.magicline_id == 101
