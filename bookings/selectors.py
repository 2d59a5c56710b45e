"""Appointment reads: listed services, slots, validation verdicts, bookings, customers."""

from datetime import date, datetime

from django.db.models import Q, QuerySet

from bookings.backends import appointment_backend
from bookings.models import AppointmentBooking, BookableAppointment, Customer, Facility
from bookings.slots import Slot, ValidationStatus
from calendar_app.models import Business


def bookable_appointments(*, business: Business) -> QuerySet[BookableAppointment]:
    """The services the business lists for booking (bookable and online-bookable)."""
    return appointment_backend(business).bookable_appointments(business=business)


def available_slots(
    *,
    appointment: BookableAppointment,
    slot_window_start_date: date | None,
    days_ahead: int,
    customer: Customer | None = None,
) -> list[Slot]:
    """Free slots of ``appointment`` in ``days_ahead`` (1-6) days from the start date.

    No start date means today in the business's zone; a bad ``days_ahead`` raises
    ``SlotWindowError``; an empty list means no slots.
    """
    return appointment_backend(appointment.business).available_slots(
        appointment=appointment,
        slot_window_start_date=slot_window_start_date,
        days_ahead=days_ahead,
        customer=customer,
    )


def validate_booking(
    *,
    appointment: BookableAppointment,
    customer: Customer,
    start: datetime,
    end: datetime,
    instructor_ids: list[str] | None = None,
) -> ValidationStatus:
    """Whether ``customer`` can book this slot now: one status of the contract's enum."""
    return appointment_backend(appointment.business).validate(
        appointment=appointment,
        customer=customer,
        start=start,
        end=end,
        instructor_ids=instructor_ids,
    )


def customer_bookings(*, business: Business, customer: Customer) -> list[AppointmentBooking]:
    """The customer's bookings in this facility within ±2 weeks of now."""
    return appointment_backend(business).customer_bookings(business=business, customer=customer)


def booking(*, business: Business, booking_id: int) -> AppointmentBooking | None:
    """One of the facility's bookings by its id (another facility's id finds nothing)."""
    return appointment_backend(business).booking(business=business, booking_id=booking_id)


def group_business_ids(business: Business) -> list[int]:
    """The business and the other facilities of its group, if any."""
    group_id = Facility.objects.filter(business=business).values_list("group_id", flat=True).first()
    if group_id is None:
        return [business.pk]
    return list(Facility.objects.filter(group_id=group_id).values_list("business_id", flat=True))


def customer_for_booking(*, business: Business, customer_id: int) -> Customer | None:
    """A customer who may book in ``business``: its own, or one of a facility of its group."""
    return Customer.objects.filter(
        pk=customer_id, business_id__in=group_business_ids(business)
    ).first()


def search_customers(*, business: Business, query: str, limit: int = 10) -> list[Customer]:
    """The business's customers whose first or last name starts with, or email contains, each
    word of ``query`` (case-insensitive); nothing for an empty query."""
    words = query.split()
    if not words:
        return []
    customers = Customer.objects.filter(business=business)
    for word in words[:4]:
        customers = customers.filter(
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(email__icontains=word)
        )
    return list(customers.order_by("last_name", "first_name", "id")[:limit])
