"""Booking and cancelling through the services, on the local backend and real PostgreSQL."""

import threading
from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from bookings.contract import ValidationStatus
from bookings.errors import BookingRefused, CancellationRefused
from bookings.models import AppointmentBooking, BookingResource, Contingent
from bookings.services import (
    add_hours_override,
    add_working_hours,
    book_appointment,
    cancel_booking,
    create_resource,
    remove_hours,
    update_resource,
)
from calendar_app.conferencing.models import Meeting
from calendar_app.models import ChangeRecord, Event
from calendar_app.selectors import busy_times
from tests.bookings.conftest import MONDAY, berlin, local
from tests.factories import (
    ConferencingAutomationFactory,
    ContingentFactory,
    CustomerFactory,
    FacilityFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def _book(training, customer, start, actor=None, **kwargs):
    return book_appointment(
        actor=actor,
        appointment=training,
        customer=customer,
        start=start,
        end=start + timedelta(hours=1),
        **kwargs,
    )


def test_booking_holds_resources_spends_a_credit_and_shows_in_the_calendar(
    training, monday_holds, member, ben, room, owner_membership
):
    booking = _book(training, member, berlin(9, 30), actor=owner_membership)

    assert booking.booking_status == "BOOKED"
    assert booking.appointment_status == "PLANNED"
    assert booking.participant_status == "UNSET"
    holds = BookingResource.objects.filter(booking=booking, active=True)
    assert {(h.resource_id, h.start, h.end) for h in holds} == {
        (ben.pk, berlin(9, 30), berlin(10, 45)),
        (room.pk, berlin(9, 30), berlin(10, 45)),
    }
    assert member.contingents.get().remaining_credits == 2
    event = Event.objects.get(pk=booking.event_id)
    assert event.type == "APPOINTMENT"
    assert event.title == "Personal training: Mia Member"
    assert (event.start, event.end) == (berlin(9, 30), berlin(10, 30))
    assert set(event.resources.values_list("pk", flat=True)) == {ben.pk, room.pk}
    assert event.schedule.name == "Appointments"
    busy = busy_times(
        training.business, resource_ids=[ben.pk], from_local_date=local(0), to_local_date=local(23)
    )
    assert (berlin(9, 30), berlin(10, 30)) in busy[ben.pk]
    assert ChangeRecord.objects.filter(object_type="AppointmentBooking", action="book").count() == 1


def test_a_booking_of_a_service_with_conferencing_asks_for_its_meeting(
    training, monday_holds, member, owner_membership
):
    ConferencingAutomationFactory(schedule=None, appointment=training)

    booking = _book(training, member, berlin(9, 30), actor=owner_membership)

    assert Meeting.objects.get(event_id=booking.event_id).state == "pending"


def test_a_refused_booking_changes_nothing(training, monday_holds, member):
    with pytest.raises(BookingRefused) as refused:
        _book(training, member, berlin(10, 30))

    assert refused.value.status == ValidationStatus.RESOURCE_NOT_AVAILABLE
    assert str(refused.value) == "Someone else has just taken this slot; please pick another one."
    assert not AppointmentBooking.objects.filter(customer=member).exists()
    assert member.contingents.get().remaining_credits == 3


def test_a_refusal_carries_the_sentence_of_its_status(training, member):
    member.contingents.update(remaining_credits=0)

    with pytest.raises(BookingRefused, match="no credits left") as refused:
        _book(training, member, berlin(9, 30))

    assert refused.value.status == ValidationStatus.NO_CONTINGENT
    assert not refused.value.lost_race


def test_the_same_slot_cannot_be_booked_twice(training, monday_holds, member):
    _book(training, member, berlin(9, 30))
    other = CustomerFactory(business=training.business)
    ContingentFactory(customer=other)

    with pytest.raises(BookingRefused) as refused:
        _book(training, other, berlin(9, 30))

    assert refused.value.lost_race


def test_cancelling_returns_the_credit_frees_the_slot_and_cancels_the_event(
    training, monday_holds, member, staff_membership
):
    booking = _book(training, member, berlin(9, 30), actor=staff_membership)

    cancelled = cancel_booking(actor=staff_membership, booking=booking)

    assert cancelled.booking_status == "CANCELED"
    assert cancelled.appointment_status == "CANCELED"
    assert not BookingResource.objects.filter(booking=booking, active=True).exists()
    assert member.contingents.get().remaining_credits == 3
    assert Event.objects.get(pk=booking.event_id).status == "CANCELLED"
    again = _book(training, member, berlin(9, 30))
    assert again.pk != booking.pk


def test_cancelling_after_the_deadline_is_refused(training, monday_holds, member):
    booking = _book(training, member, berlin(9, 30))
    training.cancellation_deadline_minutes = int(
        (booking.start - timezone.now()).total_seconds() // 60 + 60
    )
    training.save()

    with pytest.raises(CancellationRefused, match="too late to cancel"):
        cancel_booking(actor=None, booking=booking)

    booking.refresh_from_db()
    assert booking.booking_status == "BOOKED"
    assert member.contingents.get().remaining_credits == 2


def test_cancelling_twice_is_refused(training, member):
    booking = _book(training, member, berlin(9, 30))
    cancel_booking(actor=None, booking=booking)

    with pytest.raises(CancellationRefused, match="already cancelled"):
        cancel_booking(actor=None, booking=booking)

    assert member.contingents.get().remaining_credits == 3


def test_a_customer_of_a_sister_facility_books_there_with_an_inclusive_contingent(
    training, business
):
    group = FacilityFactory(business=business).group
    home = FacilityFactory(group=group).business
    visitor = CustomerFactory(business=home)
    card = ContingentFactory(customer=visitor, inclusive=True, remaining_credits=1)

    booking = _book(training, visitor, berlin(9, 30))

    assert booking.business == business
    assert booking.event.business == business
    card.refresh_from_db()
    assert card.remaining_credits == 0


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_bookings_of_one_slot_make_exactly_one(business, anna):
    from tests.factories import BookableAppointmentFactory

    solo = BookableAppointmentFactory(
        business=business, duration_minutes=60, slot_step_minutes=30, staff=[anna]
    )
    customers = [CustomerFactory(business=business) for _ in range(50)]
    for customer in customers:
        ContingentFactory(customer=customer, remaining_credits=1)
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(customer):
        try:
            barrier.wait()
            _book(solo, customer, berlin(10))
            outcome = "booked"
        except BookingRefused as refused:
            outcome = str(refused)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("booked") == 1
    assert outcomes.count("Someone else has just taken this slot; please pick another one.") == 49
    assert AppointmentBooking.objects.filter(appointment=solo).count() == 1
    assert BookingResource.objects.filter(resource=anna, active=True).count() == 1
    assert Event.objects.filter(business=business, type="APPOINTMENT").count() == 1
    credits = sorted(
        Contingent.objects.filter(customer__in=customers).values_list(
            "remaining_credits", flat=True
        )
    )
    assert credits == [0] + [1] * 49


# --- who may act ----------------------------------------------------------------------------


@pytest.fixture
def inactive_membership(business):
    return MembershipFactory(business=business, role="owner", is_active=False)


@pytest.mark.parametrize("who", ["outsider", "inactive"])
def test_a_member_of_another_business_or_an_inactive_one_cannot_book_or_cancel(
    training, member, outsider, inactive_membership, who
):
    actor = outsider.memberships.get() if who == "outsider" else inactive_membership
    booking = _book(training, member, berlin(9))

    with pytest.raises(PermissionDenied):
        _book(training, member, berlin(11), actor=actor)
    with pytest.raises(PermissionDenied):
        cancel_booking(actor=actor, booking=booking)

    assert AppointmentBooking.objects.get().is_active


def test_staff_book_and_cancel_for_their_own_business(training, member, staff_membership):
    booking = _book(training, member, berlin(9), actor=staff_membership)

    assert cancel_booking(actor=staff_membership, booking=booking).booking_status == "CANCELED"


def test_only_an_owner_of_the_business_manages_resources_and_hours(
    business, anna, outsider, staff_membership
):
    for actor in (outsider.memberships.get(), staff_membership):
        with pytest.raises(PermissionDenied):
            create_resource(actor=actor, business=business, name="Cleo", type="STAFF")
        with pytest.raises(PermissionDenied):
            update_resource(actor=actor, resource=anna, name="Ann", type="STAFF")
        with pytest.raises(PermissionDenied):
            add_working_hours(
                actor=actor, resource=anna, weekday=2, start_time=time(9), end_time=time(12)
            )
        with pytest.raises(PermissionDenied):
            add_hours_override(actor=actor, resource=anna, date=MONDAY, closed=True)
        with pytest.raises(PermissionDenied):
            remove_hours(actor=actor, hours=anna.working_hours.get())

    anna.refresh_from_db()
    assert (anna.name, anna.working_hours.count()) == ("Anna", 1)
