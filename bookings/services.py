"""Appointment writes: the business's backend and the audit record, in one place.

Every write checks its actor first (``calendar_app.tenancy.access``): a member of another
business, or an inactive one, is refused before anything is read or changed.
"""

from datetime import date, datetime, time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bookings.backends import appointment_backend
from bookings.contract import BookingEventType
from bookings.errors import AppointmentError
from bookings.models import (
    AppointmentBooking,
    BookableAppointment,
    Customer,
    WorkingHours,
    WorkingHoursOverride,
)
from bookings.signals import appointment_booked, appointment_cancelled
from bookings.tasks import queue_booking_event
from calendar_app.audit import record_change
from calendar_app.models import Resource
from calendar_app.tenancy.access import require_member, require_owner
from calendar_app.tenancy.models import Business, Membership
from participants.customers.services import record_customer


@transaction.atomic
def book_appointment(
    *,
    actor: Membership | None,
    appointment: BookableAppointment,
    customer: Customer,
    start: datetime,
    end: datetime,
    instructor_ids: list[str] | None = None,
    slot_token: str = "",
    notify: bool = True,
) -> AppointmentBooking:
    """Book a slot for a customer; refused with ``BookingRefused`` (its validation status), or
    ``BackendUnavailable`` (nothing booked) when the business's upstream does not answer.

    The booking lives in the appointment's facility, also for a customer of another facility.
    ``slot_token`` is the slot's token when the screen got one from an upstream's slot list.
    ``appointment_booked`` asks for a confirmation to the customer unless ``notify`` is False
    (the demo's bookings).
    """
    require_member(actor, appointment.business_id, what="book appointments")
    backend = appointment_backend(appointment.business)
    booking = backend.book(
        actor=actor,
        appointment=appointment,
        customer=customer,
        start=start,
        end=end,
        instructor_ids=instructor_ids,
        slot_token=slot_token,
    )
    record_change(
        business=booking.business, actor=actor, obj=booking, action="book", revision_before=None
    )
    record_customer(business=booking.business, customer=customer)
    queue_booking_event(booking=booking, event_type=BookingEventType.CREATED)
    if notify:
        appointment_booked.send(
            sender=AppointmentBooking, booking=booking, notified_by=backend.customer_notices_by
        )
    return booking


@transaction.atomic
def cancel_booking(*, actor: Membership | None, booking: AppointmentBooking) -> AppointmentBooking:
    """Cancel a booking before its deadline; refused with ``CancellationRefused`` after it."""
    require_member(actor, booking.business_id, what="cancel bookings")
    backend = appointment_backend(booking.business)
    cancelled = backend.cancel(actor=actor, booking=booking)
    record_change(
        business=cancelled.business,
        actor=actor,
        obj=cancelled,
        action="cancel",
        revision_before=None,
    )
    queue_booking_event(booking=cancelled, event_type=BookingEventType.CANCELLED)
    appointment_cancelled.send(
        sender=AppointmentBooking, booking=cancelled, notified_by=backend.customer_notices_by
    )
    return cancelled


@transaction.atomic
def create_resource(
    *, actor: Membership | None, business: Business, name: str, type: str
) -> Resource:
    """A new staff member, room or piece of equipment of the business (owners)."""
    require_owner(actor, "manage resources", business_id=business.pk)
    resource = Resource.objects.create(business=business, name=name, type=type)
    record_change(
        business=business, actor=actor, obj=resource, action="create", revision_before=None
    )
    return resource


@transaction.atomic
def update_resource(
    *, actor: Membership | None, resource: Resource, name: str, type: str
) -> Resource:
    """Rename a resource or change its type (owners); its revision goes up by one."""
    require_owner(actor, "manage resources", business_id=resource.business_id)
    before = resource.revision
    Resource.objects.filter(pk=resource.pk).update(
        name=name, type=type, revision=F("revision") + 1, updated_date=timezone.now()
    )
    resource.refresh_from_db()
    record_change(
        business=resource.business,
        actor=actor,
        obj=resource,
        action="update",
        revision_before=before,
    )
    return resource


@transaction.atomic
def add_working_hours(
    *, actor: Membership | None, resource: Resource, weekday: int, start_time: time, end_time: time
) -> WorkingHours:
    """Weekly hours for a resource; hours overlapping others of that weekday are refused."""
    require_owner(actor, "manage working hours", business_id=resource.business_id)
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    if end_time <= start_time:
        raise AppointmentError("The hours must end after they start.")
    if resource.working_hours.filter(
        weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    ).exists():
        raise AppointmentError("These hours overlap hours already set for that day.")
    hours = WorkingHours.objects.create(
        resource=resource, weekday=weekday, start_time=start_time, end_time=end_time
    )
    record_change(
        business=resource.business, actor=actor, obj=hours, action="create", revision_before=None
    )
    return hours


@transaction.atomic
def add_hours_override(
    *,
    actor: Membership | None,
    resource: Resource,
    date: date,
    closed: bool,
    start_time: time | None = None,
    end_time: time | None = None,
    note: str = "",
) -> WorkingHoursOverride:
    """A dated exception to a resource's weekly hours: closed that day, or other hours."""
    require_owner(actor, "manage working hours", business_id=resource.business_id)
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    if not closed and (start_time is None or end_time is None or end_time <= start_time):
        raise AppointmentError("Give the day's hours (ending after they start), or close it.")
    same_day = resource.working_hours_overrides.filter(date=date)
    if (closed and same_day.exists()) or same_day.filter(closed=True).exists():
        raise AppointmentError("That day already has an exception; remove it first.")
    override = WorkingHoursOverride.objects.create(
        resource=resource,
        date=date,
        closed=closed,
        start_time=None if closed else start_time,
        end_time=None if closed else end_time,
        note=note,
    )
    record_change(
        business=resource.business,
        actor=actor,
        obj=override,
        action="create",
        revision_before=None,
    )
    return override


@transaction.atomic
def remove_hours(*, actor: Membership | None, hours: WorkingHours | WorkingHoursOverride) -> None:
    """Remove weekly hours or a dated exception of a resource (owners)."""
    require_owner(actor, "manage working hours", business_id=hours.resource.business_id)
    record_change(
        business=hours.resource.business,
        actor=actor,
        obj=hours,
        action="delete",
        revision_before=None,
    )
    hours.delete()
