"""Magicline's answers applied to the local store: one function per object kind.

Used by the backend (book and cancel answers), the webhook tasks and the periodic refresh alike,
so there is no second upsert anywhere. Each takes Magicline's answer as the client read it (a
tolerant shape of ``bookings.contract``) or as JSON, which it reads through the same shape
(``answers.read_answer``: an answer it cannot read is ``MagiclineMalformed``, nothing applied).

Each apply runs under a lock on the studio's connection row, so two tasks about one booking never
race; it is idempotent and order-independent: the state always comes from a fresh read of
Magicline, and a cancellation is final (Magicline never un-cancels a booking), so a stale read
that arrives after a cancellation cannot resurrect it.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import contract
from bookings.backends import appointments_schedule
from bookings.magicline.answers import read_answer
from bookings.magicline.client import MagiclineClient
from bookings.magicline.customers import (
    apply_remote_customer,
    linked_customer,
    locked,
    save_changed,
)
from bookings.magicline.models import (
    MagiclineAppointmentType,
    MagiclineBooking,
    MagiclineConnection,
    MagiclineInstructor,
)
from bookings.models import (
    AppointmentBooking,
    BookableAppointment,
    BookingResource,
    Customer,
)
from calendar_app import services as calendar_services
from calendar_app.models import Event, EventResource, Resource, format_local_date

logger = logging.getLogger(__name__)

AppointmentTypes = list[contract.BookableAppointment]


@transaction.atomic
def apply_appointment_types(
    *, connection: MagiclineConnection, items: AppointmentTypes | list[dict]
) -> list[BookableAppointment]:
    """Mirror the studio's bookable types: new ones created, changed ones updated, types no longer
    listed unlisted locally. Returns the listed appointments in Magicline's order."""
    items = read_answer(AppointmentTypes, items, what="bookable appointments")
    locked(connection)
    links = {
        link.magicline_id: link
        for link in MagiclineAppointmentType.objects.filter(
            connection=connection, magicline_id__isnull=False
        ).select_related("appointment")
    }
    listed = []
    for item in items:
        wanted = {
            "title": (item.title or f"Appointment {item.id}")[:200],
            "duration_minutes": max(1, item.duration or 1),
            "category": (item.category or "")[:100],
            "description": item.description or "",
            "bookable": True,
            "online_bookable": True,
        }
        link = links.get(item.id)
        if link is None:
            appointment = BookableAppointment.objects.create(business=connection.business, **wanted)
            MagiclineAppointmentType.objects.create(
                connection=connection, magicline_id=item.id, appointment=appointment
            )
        else:
            appointment = link.appointment
            save_changed(appointment, wanted)
        listed.append(appointment)
    listed_ids = {item.id for item in items}
    gone = [link.appointment_id for mid, link in links.items() if mid not in listed_ids]
    BookableAppointment.objects.filter(pk__in=gone, bookable=True).update(bookable=False)
    return listed


def _appointment_for_booking(
    connection: MagiclineConnection, data: contract.BookingAnswer
) -> BookableAppointment:
    """A booking names its type only by title: the mirrored type of that title, else an unlisted
    appointment kept so the calendar can show the booking."""
    title = (data.title or "Appointment")[:200]
    link = (
        MagiclineAppointmentType.objects.filter(connection=connection, appointment__title=title)
        .order_by("magicline_id")
        .select_related("appointment")
        .first()
    )
    if link is not None:
        return link.appointment
    appointment = BookableAppointment.objects.create(
        business=connection.business,
        title=title,
        duration_minutes=max(1, data.duration or 1),
        category=(data.category or "")[:100],
        description=data.description or "",
        bookable=False,
        online_bookable=False,
    )
    MagiclineAppointmentType.objects.create(connection=connection, appointment=appointment)
    return appointment


def instructor_resources(
    *, connection: MagiclineConnection, instructors: Iterable[contract.InstructorAnswer]
) -> dict[int, Resource]:
    """The local staff resource of each Magicline instructor (by Magicline id), each instructor
    seen for the first time getting a staff resource of its own. One query when all are known.
    """
    wanted = {item.id: item for item in instructors}
    if not wanted:
        return {}
    found = {
        link.magicline_id: link.resource
        for link in MagiclineInstructor.objects.filter(
            connection=connection, magicline_id__in=wanted
        ).select_related("resource")
    }
    for magicline_id in wanted.keys() - found.keys():
        name = wanted[magicline_id].name
        try:
            with transaction.atomic():
                resource = Resource.objects.create(
                    business_id=connection.business_id, name=name, type=Resource.Type.STAFF
                )
                MagiclineInstructor.objects.create(
                    connection=connection, magicline_id=magicline_id, resource=resource, name=name
                )
        except IntegrityError:  # another process mapped it a moment ago
            resource = MagiclineInstructor.objects.get(
                connection=connection, magicline_id=magicline_id
            ).resource
        found[magicline_id] = resource
    return found


def staff_of_slots(
    *,
    connection: MagiclineConnection,
    appointment: BookableAppointment,
    instructors: list[contract.InstructorAnswer],
) -> dict[int, Resource]:
    """``instructor_resources`` for a slot window, the resources joining the appointment's staff
    (as for a local business, so the API's instructor ids map back to them)."""
    resources = instructor_resources(connection=connection, instructors=instructors)
    if resources:
        appointment.staff.add(*resources.values())
    return resources


def fetch_customer(*, client: MagiclineClient, magicline_id: int) -> contract.CustomerAnswer | None:
    """The customer from the studio, else from any studio with the integration (cross-studio)."""
    return client.customer(customer_id=magicline_id) or client.customer(
        customer_id=magicline_id, cross_studio=True
    )


def _event_title(booking: AppointmentBooking) -> str:
    return f"{booking.appointment.title}: {booking.customer.full_name}"


def _local(moment: datetime, booking: AppointmentBooking) -> datetime:
    return moment.astimezone(booking.business.zone).replace(tzinfo=None)


def _instructors(data: contract.BookingAnswer) -> list[dict]:
    """A booking's instructors as the link keeps them: the contract's JSON."""
    return [item.to_json() for item in data.instructors or []]


def _staff_ids(connection: MagiclineConnection, link: MagiclineBooking) -> list[str]:
    """The local staff resources of the booking's instructors, in Magicline's order."""
    instructors = [contract.InstructorAnswer.model_validate(item) for item in link.instructors]
    resources = instructor_resources(connection=connection, instructors=instructors)
    return list(dict.fromkeys(resources[item.id].pk for item in instructors))


def _hold_staff(booking: AppointmentBooking, staff_ids: list[str]) -> None:
    """The booking's holds on its staff, like a local booking's (the booking screen and the
    API name them); an active booking holds them, a cancelled one no longer does. A hold the
    exclusion constraint refuses (Magicline let the instructor take two bookings at once) is
    left out: Magicline is the truth, the calendar still shows the booking on that column."""
    held = {row.resource_id: row for row in BookingResource.objects.filter(booking=booking)}
    if held.keys() - set(staff_ids):
        BookingResource.objects.filter(booking=booking).exclude(resource_id__in=staff_ids).delete()
    wanted = {"start": booking.start, "end": booking.end, "active": booking.is_active}
    for resource_id in staff_ids:
        row = held.get(resource_id)
        if (row is None and not booking.is_active) or (
            row is not None and all(getattr(row, k) == v for k, v in wanted.items())
        ):
            continue
        try:
            with transaction.atomic():
                if row is None:
                    BookingResource.objects.create(
                        booking=booking, resource_id=resource_id, **wanted
                    )
                else:
                    save_changed(row, wanted)
        except IntegrityError:
            logger.warning("Magicline booking %s overlaps a hold of %s", booking.pk, resource_id)


def _show_in_calendar(booking: AppointmentBooking, staff_ids: list[str]) -> None:
    """Create, move or cancel the booking's calendar event to match the booking, on the staff
    columns of its instructors."""
    _hold_staff(booking, staff_ids)
    event = booking.event
    if event is None:
        if not booking.is_active:
            return
        booking.event = calendar_services.create_event(
            actor=None,
            schedule=appointments_schedule(booking.business),
            title=_event_title(booking),
            start_local=_local(booking.start, booking),
            end_local=_local(booking.end, booking),
            type=Event.Type.APPOINTMENT,
            total_capacity=1,
            resource_ids=staff_ids,
        )
        booking.save(update_fields=["event"])
        return
    if not booking.is_active:
        if not event.is_cancelled:
            calendar_services.cancel_event(
                actor=None, event=event, expected_revision=event.revision
            )
        return
    changes = {}
    if event.start_local != _local(booking.start, booking):
        changes["start_local_date"] = format_local_date(_local(booking.start, booking))
    if event.end_local != _local(booking.end, booking):
        changes["end_local_date"] = format_local_date(_local(booking.end, booking))
    on = set(EventResource.objects.filter(event=event).values_list("resource_id", flat=True))
    if on != set(staff_ids):
        changes["resource_ids"] = staff_ids
    if changes:
        calendar_services.update_event(
            actor=None, event=event, expected_revision=event.revision, changes=changes
        )


@transaction.atomic
def apply_remote_booking(
    *,
    connection: MagiclineConnection,
    data: contract.BookingAnswer | dict,
    customer: Customer | None = None,
    appointment: BookableAppointment | None = None,
) -> AppointmentBooking:
    """Upsert one AppointmentBooking (§2.5/§2.6 shape) and its calendar event.

    ``customer`` must be given when ``data`` has no ``customerId`` (the list of §2.7 and the
    book answer); otherwise the customer is looked up by id (it must have been applied first).
    """
    data = read_answer(
        contract.BookingAnswer if customer else contract.BookingWithCustomerAnswer,
        data,
        what="appointment booking",
    )
    locked(connection)
    link = (
        MagiclineBooking.objects.filter(connection=connection, magicline_id=data.booking_id)
        .select_related("booking__appointment", "booking__customer", "booking__event")
        .first()
    )
    fields = {
        "booking_status": data.booking_status,
        "appointment_status": data.appointment_status,
        "participant_status": data.participant_status,
        "start": data.start,
        "end": data.end,
    }
    if link is None:
        customer = (
            customer
            or linked_customer(connection=connection, magicline_id=data.customer_id)
            or apply_remote_customer(
                connection=connection, data=None, magicline_id=data.customer_id
            )
        )
        booking = AppointmentBooking.objects.create(
            business=connection.business,
            appointment=appointment or _appointment_for_booking(connection, data),
            customer=customer,
            cancelled_date=None if fields["booking_status"] != "CANCELED" else timezone.now(),
            **fields,
        )
        link = MagiclineBooking.objects.create(
            connection=connection,
            magicline_id=data.booking_id,
            booking=booking,
            start_date_time=data.start_date_time,
            end_date_time=data.end_date_time,
            instructors=_instructors(data),
        )
    else:
        booking = link.booking
        if not booking.is_active:
            fields = {}  # a cancellation is final
        changed = [name for name, value in fields.items() if getattr(booking, name) != value]
        for name in changed:
            setattr(booking, name, fields[name])
        if booking.booking_status == "CANCELED" and booking.cancelled_date is None:
            booking.cancelled_date = timezone.now()
            changed.append("cancelled_date")
        if changed:
            booking.save(update_fields=changed)
        if fields:
            link.start_date_time = data.start_date_time
            link.end_date_time = data.end_date_time
            link.instructors = _instructors(data)
        link.refreshed_date = timezone.now()
        link.save()
    _show_in_calendar(booking, _staff_ids(connection, link))
    return booking


@transaction.atomic
def apply_booking_gone(
    *, connection: MagiclineConnection, magicline_id: int
) -> AppointmentBooking | None:
    """A booking Magicline answers 404 for: cancelled locally (nothing to do if never seen)."""
    locked(connection)
    link = (
        MagiclineBooking.objects.filter(connection=connection, magicline_id=magicline_id)
        .select_related("booking__event", "booking__appointment", "booking__customer")
        .first()
    )
    if link is None:
        return None
    booking = link.booking
    if booking.is_active:
        booking.booking_status = AppointmentBooking.BookingStatus.CANCELED
        booking.appointment_status = AppointmentBooking.AppointmentStatus.CANCELED
        booking.cancelled_date = timezone.now()
        booking.save(update_fields=["booking_status", "appointment_status", "cancelled_date"])
    _show_in_calendar(booking, _staff_ids(connection, link))
    return booking


@transaction.atomic
def link_instructor(
    *, connection: MagiclineConnection, instructor: MagiclineInstructor, resource: Resource
) -> MagiclineInstructor:
    """Let an existing staff member of the studio stand for a Magicline instructor: the
    instructor's appointments and bookings move to that member's column; the resource made for
    the instructor is removed when nothing else uses it. The caller checks that ``resource`` is
    a staff member of the studio standing for no other instructor."""
    locked(connection)
    previous = instructor.resource
    if previous.pk == resource.pk:
        return instructor
    made_here = instructor.own_resource
    instructor.resource = resource
    instructor.own_resource = False
    instructor.save(update_fields=["resource", "own_resource"])
    for appointment in BookableAppointment.objects.filter(
        staff=previous, magicline_type__connection=connection
    ):
        appointment.staff.remove(previous)
        appointment.staff.add(resource)
    links = MagiclineBooking.objects.filter(
        connection=connection, instructors__contains=[{"id": instructor.magicline_id}]
    ).select_related("booking__appointment", "booking__customer", "booking__event")
    for link in links:
        _show_in_calendar(link.booking, _staff_ids(connection, link))
    if made_here and not (
        previous.appointments_as_staff.exists()
        or EventResource.objects.filter(resource=previous).exists()
        or BookingResource.objects.filter(resource=previous).exists()
    ):
        previous.delete()
    return instructor
