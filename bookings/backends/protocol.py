"""``AppointmentBackend``: what views, services and the API ask of a business's booking system.

The local backend (``bookings.backends.local``) and every upstream (registered in
``bookings.backends.registry``) satisfy it, so no caller asks which one it talks to. Refusals
are errors of ``bookings.errors``; an upstream that does not answer raises
``BackendUnavailable`` and changes nothing.
"""

from datetime import date, datetime
from typing import Protocol

from django.db.models import QuerySet

from bookings.contract import ValidationStatus
from bookings.models import AppointmentBooking, BookableAppointment, Customer
from bookings.slots import Candidate, Slot
from calendar_app.tenancy.models import Business, Membership


class AppointmentBackend(Protocol):
    # Who tells customers of their bookings and cancellations: "" when this app does (by
    # email), else the upstream's name (it sends its own notices, so we send none).
    customer_notices_by: str
    # Whether its bookings carry the upstream's participantStatus (whether the customer took
    # part), so that pages show it; the local backend has none to show (always UNSET).
    participant_status_from_upstream: bool

    def bookable_appointments(self, *, business: Business) -> QuerySet[BookableAppointment]: ...

    def available_slots(
        self,
        *,
        appointment: BookableAppointment,
        slot_window_start_date: date | None,
        days_ahead: int,
        customer: Customer | None = None,
    ) -> list[Slot]: ...

    def slot_grid(
        self, *, appointment: BookableAppointment, days: list[date], customer: Customer | None
    ) -> list[Candidate]: ...

    def validate(
        self,
        *,
        appointment: BookableAppointment,
        customer: Customer,
        start: datetime,
        end: datetime,
        instructor_ids: list[str] | None = None,
        slot_token: str = "",
    ) -> ValidationStatus: ...

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
    ) -> AppointmentBooking: ...

    def cancel(
        self, *, actor: Membership | None, booking: AppointmentBooking
    ) -> AppointmentBooking: ...

    def customer_bookings(
        self, *, business: Business, customer: Customer
    ) -> list[AppointmentBooking]: ...

    def refresh_customers(self, *, business: Business, query: str) -> None: ...

    def booking(self, *, business: Business, booking_id: int) -> AppointmentBooking | None:
        """The booking as the booking system has it now (an upstream re-reads it first)."""
        ...
