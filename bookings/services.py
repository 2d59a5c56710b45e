"""Appointment writes: the business's backend and the audit record, in one place."""

from datetime import datetime

from django.db import transaction

from bookings.backends import appointment_backend
from bookings.mapping import BookingEventType
from bookings.models import AppointmentBooking, BookableAppointment, Customer
from bookings.tasks import queue_booking_event
from calendar_app.models import Membership
from calendar_app.services import record_change


@transaction.atomic
def book_appointment(
    *,
    actor: Membership | None,
    appointment: BookableAppointment,
    customer: Customer,
    start: datetime,
    end: datetime,
    instructor_ids: list[str] | None = None,
) -> AppointmentBooking:
    """Book a slot for a customer; refused with ``BookingRefused`` (its validation status).

    The booking lives in the appointment's facility, also for a customer of another facility.
    """
    booking = appointment_backend(appointment.business).book(
        actor=actor,
        appointment=appointment,
        customer=customer,
        start=start,
        end=end,
        instructor_ids=instructor_ids,
    )
    record_change(
        business=booking.business, actor=actor, obj=booking, action="book", revision_before=None
    )
    queue_booking_event(booking=booking, event_type=BookingEventType.CREATED)
    return booking


@transaction.atomic
def cancel_booking(*, actor: Membership | None, booking: AppointmentBooking) -> AppointmentBooking:
    """Cancel a booking before its deadline; refused with ``CancellationRefused`` after it."""
    cancelled = appointment_backend(booking.business).cancel(actor=actor, booking=booking)
    record_change(
        business=cancelled.business,
        actor=actor,
        obj=cancelled,
        action="cancel",
        revision_before=None,
    )
    queue_booking_event(booking=cancelled, event_type=BookingEventType.CANCELLED)
    return cancelled
