"""``LocalAppointmentBackend``: the app as its own booking system (the embedded default).

It computes slots from its own working hours and holds, validates with its own rules and books
into its own tables; each booking is a calendar event of the business's appointments schedule.
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from bookings import slots
from bookings.contract import ValidationStatus
from bookings.errors import BookingRefused, CancellationRefused
from bookings.models import (
    AppointmentBooking,
    BookableAppointment,
    BookingResource,
    Contingent,
    Customer,
)
from bookings.slots import Candidate, Slot
from calendar_app import services as calendar_services
from calendar_app.models import Event, Resource, Schedule
from calendar_app.signals import event_changed
from calendar_app.tenancy.models import Business, Membership


def appointments_schedule(business: Business) -> Schedule:
    """The schedule that holds the calendar events of the business's bookings (made once)."""
    schedule = Schedule.objects.filter(business=business, app_id=slots.BOOKINGS_APP_ID).first()
    if schedule is None:
        schedule = calendar_services.create_schedule(
            actor=None,
            business=business,
            name="Appointments",
            default_capacity=1,
            app_id=slots.BOOKINGS_APP_ID,
        )
    return schedule


class LocalAppointmentBackend:
    """The app as its own booking system."""

    customer_notices_by = ""  # the notifications app emails the customers
    participant_status_from_upstream = False

    def bookable_appointments(self, *, business: Business) -> QuerySet[BookableAppointment]:
        """The listed appointments: both bookable and online-bookable, by id."""
        return BookableAppointment.objects.filter(
            business=business, bookable=True, online_bookable=True
        ).order_by("id")

    def available_slots(
        self,
        *,
        appointment: BookableAppointment,
        slot_window_start_date: date | None,
        days_ahead: int,
        customer: Customer | None = None,
    ) -> list[Slot]:
        return slots.compute_slots(
            appointment=appointment,
            slot_window_start_date=slot_window_start_date,
            days_ahead=days_ahead,
            customer=customer,
        )

    def slot_grid(
        self, *, appointment: BookableAppointment, days: list[date], customer: Customer | None
    ) -> list[Candidate]:
        """Every grid start of ``days`` in the staff's hours, free or not (the booking screen)."""
        return slots.scan(appointment=appointment, days=days, customer=customer)

    def validate(
        self,
        *,
        appointment: BookableAppointment,
        customer: Customer,
        start: datetime,
        end: datetime,
        instructor_ids: list[str] | None = None,
        slot_token: str = "",
    ) -> ValidationStatus:
        """The local rules' verdict (``slot_token`` is an upstream's; the local engine has none)."""
        return slots.validate_slot(
            appointment=appointment,
            customer=customer,
            start=start,
            end=end,
            instructor_ids=instructor_ids,
        ).status

    def book(
        self,
        *,
        actor: Membership | None,
        appointment: BookableAppointment,
        customer: Customer,
        start: datetime,
        end: datetime,
        instructor_ids: list[str] | None = None,
        slot_token: str = "",
    ) -> AppointmentBooking:
        """Lock the customer and every resource the appointment may use, re-validate, hold.

        The locks order parallel bookings of one slot; the exclusion constraint (PostgreSQL) is
        the last word if anything slips past them. A loser gets ``BookingRefused``, never an
        IntegrityError.
        """
        with transaction.atomic():
            Customer.objects.select_for_update().filter(pk=customer.pk).first()
            staff, rooms, equipment = slots.required_resources(appointment)
            candidate_ids = [s.id for s in staff] + rooms + equipment
            list(
                Resource.objects.select_for_update()
                .filter(pk__in=candidate_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            verdict = slots.validate_slot(
                appointment=appointment,
                customer=customer,
                start=start,
                end=end,
                instructor_ids=instructor_ids,
            )
            if not verdict.is_available:
                raise BookingRefused(
                    verdict.status,
                    lost_race=verdict.status == ValidationStatus.RESOURCE_NOT_AVAILABLE,
                )
            spent = Contingent.objects.filter(
                pk=verdict.contingent.pk, remaining_credits__gt=0
            ).update(remaining_credits=F("remaining_credits") - 1)
            if not spent:
                raise BookingRefused(ValidationStatus.NO_CONTINGENT)
            booking = AppointmentBooking.objects.create(
                business=appointment.business,
                appointment=appointment,
                customer=customer,
                start=start,
                end=end,
                contingent=verdict.contingent,
            )
            held_from = start - timedelta(minutes=appointment.buffer_before_minutes)
            held_to = end + timedelta(minutes=appointment.buffer_after_minutes)
            try:
                with transaction.atomic():
                    BookingResource.objects.bulk_create(
                        BookingResource(
                            booking=booking, resource_id=rid, start=held_from, end=held_to
                        )
                        for rid in verdict.resource_ids
                    )
            except IntegrityError as error:
                raise BookingRefused(
                    ValidationStatus.RESOURCE_NOT_AVAILABLE, lost_race=True
                ) from error
            booking.event = self._create_event(actor, booking, verdict.resource_ids)
            booking.save(update_fields=["event"])
            # Linked now: what follows the event (a service's conferencing) can see its booking.
            event_changed.send(sender=AppointmentBooking, event=booking.event)
        return booking

    def _create_event(
        self, actor: Membership | None, booking: AppointmentBooking, resource_ids: list[str]
    ) -> Event:
        """The booking's calendar event: shown in the calendar, on the resources it holds."""
        zone = booking.business.zone
        return calendar_services.create_event(
            actor=actor,
            schedule=appointments_schedule(booking.business),
            title=f"{booking.appointment.title}: {booking.customer.full_name}",
            start_local=booking.start.astimezone(zone).replace(tzinfo=None),
            end_local=booking.end.astimezone(zone).replace(tzinfo=None),
            type=Event.Type.APPOINTMENT,
            total_capacity=1,
            resource_ids=resource_ids,
        )

    def cancel(
        self, *, actor: Membership | None, booking: AppointmentBooking
    ) -> AppointmentBooking:
        """Cancel before the deadline: the credit comes back, the resources and event are freed."""
        with transaction.atomic():
            locked = AppointmentBooking.objects.select_for_update().get(pk=booking.pk)
            if not locked.is_active:
                raise CancellationRefused("This booking is already cancelled.")
            deadline = locked.start - timedelta(
                minutes=locked.appointment.cancellation_deadline_minutes
            )
            if timezone.now() > deadline:
                raise CancellationRefused(
                    "It is too late to cancel this booking: the deadline was "
                    f"{deadline.astimezone(locked.business.zone):%a %d %b %H:%M}."
                )
            locked.booking_status = AppointmentBooking.BookingStatus.CANCELED
            locked.appointment_status = AppointmentBooking.AppointmentStatus.CANCELED
            locked.cancelled_date = timezone.now()
            locked.save(update_fields=["booking_status", "appointment_status", "cancelled_date"])
            BookingResource.objects.filter(booking=locked).update(active=False)
            if locked.contingent_id:
                Contingent.objects.filter(pk=locked.contingent_id).update(
                    remaining_credits=F("remaining_credits") + 1
                )
            event = locked.event
            if event is not None and not event.is_cancelled:
                calendar_services.cancel_event(
                    actor=actor, event=event, expected_revision=event.revision
                )
        return locked

    def customer_bookings(
        self, *, business: Business, customer: Customer
    ) -> list[AppointmentBooking]:
        """The customer's bookings in this facility that start and end within ±2 weeks of now."""
        now = timezone.now()
        return list(
            _bookings(business).filter(
                customer=customer,
                start__gte=now - timedelta(weeks=2),
                end__lte=now + timedelta(weeks=2),
            )
        )

    def refresh_customers(self, *, business: Business, query: str) -> None:
        """Nothing to do: the local customers are the only ones."""

    def booking(self, *, business: Business, booking_id: int) -> AppointmentBooking | None:
        return _bookings(business).filter(pk=booking_id).first()


def _bookings(business: Business) -> QuerySet[AppointmentBooking]:
    """The facility's bookings with what the screen and the contract show of each."""
    return (
        AppointmentBooking.objects.filter(business=business)
        .select_related("appointment", "customer")
        .prefetch_related("booking_resources__resource")
        .order_by("start", "id")
    )
