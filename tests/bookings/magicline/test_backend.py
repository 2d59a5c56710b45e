"""The booking screen's reads and writes for a Magicline studio, through the usual services."""

import pytest
from django.core.cache import cache

from bookings import selectors, services
from bookings.backends import (
    AppointmentError,
    BookingRefused,
    LocalAppointmentBackend,
    appointment_backend,
)
from bookings.magicline.backend import MagiclineAppointmentBackend
from bookings.magicline.client import MagiclineClient
from bookings.magicline.models import MagiclineBooking
from bookings.magicline.sync import apply_remote_customer
from bookings.models import AppointmentBooking
from bookings.slots import ValidationStatus
from calendar_app.models import Resource
from tests.bookings.magicline.conftest import (
    GUEST_ID,
    MEMBER_ID,
    PLAIN_GUEST_ID,
    TRAINING,
    day_at,
)


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
    fake.fail_next("POST", "/booking/book", 500)
    with pytest.raises(AppointmentError, match="not answering"):
        book(training, mia, first_slot(training, mia))
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
