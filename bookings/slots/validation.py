"""The local backend's validation rules: exactly one status of the contract's enum for a
customer booking a slot now, and, when available, what the booking would hold and spend."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from bookings.contract import ValidationStatus
from bookings.errors import VALIDATION_MESSAGES
from bookings.models import AppointmentBooking, BookableAppointment, Contingent, Customer, Facility
from bookings.slots.base import Instructor
from bookings.slots.intervals import epoch
from bookings.slots.window import bookable_range, load_window


@dataclass(frozen=True)
class Verdict:
    """A validation's outcome; when available, the resources a booking would hold."""

    status: ValidationStatus
    instructor: Instructor | None = None
    room_id: str | None = None
    equipment_id: str | None = None
    contingent: Contingent | None = None

    @property
    def message(self) -> str:
        return VALIDATION_MESSAGES[self.status]

    @property
    def is_available(self) -> bool:
        return self.status == ValidationStatus.AVAILABLE

    @property
    def resource_ids(self) -> list[str]:
        ids = [self.instructor.id] if self.instructor else []
        return ids + [rid for rid in (self.room_id, self.equipment_id) if rid]


def _same_group(a, b) -> bool:
    """Whether two businesses are facilities of one group."""
    groups = dict(
        Facility.objects.filter(business__in=[a, b], group__isnull=False).values_list(
            "business_id", "group_id"
        )
    )
    return a.pk in groups and groups.get(a.pk) == groups.get(b.pk)


def usable_contingent(*, appointment: BookableAppointment, customer: Customer) -> Contingent | None:
    """The contingent a booking would spend: the most specific one with a credit left.

    For this appointment, else for its category, else for any appointment. In another facility
    of the customer's group only an inclusive contingent counts.
    """
    contingents = customer.contingents.filter(remaining_credits__gt=0)
    if customer.business_id != appointment.business_id:
        contingents = contingents.filter(inclusive=True)

    def rank(contingent: Contingent) -> int | None:
        if contingent.appointment_id == appointment.pk:
            return 0
        if contingent.appointment_id is not None:
            return None
        if not contingent.category:
            return 2
        return 1 if contingent.category == appointment.category else None

    ranked = [(rank(c), c.pk, c) for c in contingents if rank(c) is not None]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def _restrictions_fulfilled(appointment: BookableAppointment, customer: Customer) -> bool:
    if appointment.allowed_rates and customer.rate not in appointment.allowed_rates:
        return False
    modules = appointment.required_additional_modules
    if modules and not set(modules) & set(customer.additional_modules):
        return False
    codes = appointment.required_member_codes
    return not (codes and not set(codes) & set(customer.member_codes))


def _on_grid(appointment: BookableAppointment, start: datetime) -> bool:
    local = start.astimezone(appointment.business.zone)
    minutes = local.hour * 60 + local.minute
    return (
        local.second == 0
        and local.microsecond == 0
        and minutes % appointment.slot_step_minutes == 0
    )


def validate_slot(
    *,
    appointment: BookableAppointment,
    customer: Customer,
    start: datetime,
    end: datetime,
    instructor_ids: list[str] | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Exactly one status of the contract's enum for this customer booking this slot now.

    Checks run from the request's shape to the customer to the resources; the first that fails
    is the answer. ``AVAILABLE`` comes with the resources to hold and the contingent to spend.
    """
    now = now or timezone.now()
    status = ValidationStatus
    if not appointment.is_listed:
        return Verdict(status.NOT_AVAILABLE)
    if customer.business_id != appointment.business_id and not _same_group(
        customer.business, appointment.business
    ):
        return Verdict(status.NOT_AVAILABLE)
    if customer.status == Customer.Status.FORMER_MEMBER:
        return Verdict(status.NOT_AVAILABLE)
    if end <= start:
        return Verdict(status.END_DATE_TIME_NOT_AFTER_START_DATE_TIME)
    if start < now:
        return Verdict(status.PAST_START_DATE_TIME)
    if end - start != timedelta(minutes=appointment.duration_minutes) or not _on_grid(
        appointment, start
    ):
        return Verdict(status.PERIOD_DOES_NOT_MATCH)
    earliest, latest = bookable_range(appointment, now)
    if epoch(start) > latest:
        return Verdict(status.DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME)
    if epoch(start) < earliest:
        return Verdict(status.DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME)
    local_day = start.astimezone(appointment.business.zone).date()
    if customer.idle_periods.filter(start_date__lte=local_day, end_date__gte=local_day).exists():
        return Verdict(status.CUSTOMER_IDLE)
    if not _restrictions_fulfilled(appointment, customer):
        return Verdict(status.BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED)
    contingent = usable_contingent(appointment=appointment, customer=customer)
    if contingent is None:
        return Verdict(status.NO_CONTINGENT)
    limit = appointment.booking_limit_per_customer
    if limit is not None:
        upcoming = (
            AppointmentBooking.objects.filter(
                customer=customer, appointment=appointment, start__gte=now
            )
            .exclude(booking_status=AppointmentBooking.BookingStatus.CANCELED)
            .count()
        )
        if upcoming >= limit:
            return Verdict(status.BOOKING_LIMIT_REACHED)
    window = load_window(appointment, first_day=local_day, last_day=local_day, customer=customer)
    start_s, end_s = epoch(start), epoch(end)
    if window.customer_held.overlaps(start_s, end_s):
        return Verdict(status.CUSTOMER_IN_OTHER_BOOKING)
    if not window.anyone_works(start_s, end_s):
        return Verdict(status.STUDIO_CLOSED)
    staff, rooms, equipment = window.free_resources(
        start_s, end_s, staff_ids=list(instructor_ids) if instructor_ids else None
    )
    if not staff or (window.rooms and not rooms) or (window.equipment and not equipment):
        return Verdict(status.RESOURCE_NOT_AVAILABLE)
    return Verdict(
        status.AVAILABLE,
        instructor=staff[0],
        room_id=rooms[0] if rooms else None,
        equipment_id=equipment[0] if equipment else None,
        contingent=contingent,
    )
