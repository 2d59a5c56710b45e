"""``MagiclineAppointmentBackend``: the ``AppointmentBackend`` Protocol over a studio's Magicline.

Every call about the studio uses that studio's connection (its URL and key), also for a customer
of another studio (§1.5). Answers are applied to the local store through ``sync`` so the calendar
shows every booking the app has seen. Slots carry no id in Magicline: each listed time gets a
signed token (``slot_tokens``), so validate and book always send Magicline its own strings. A
slot with neither a valid token nor a cached one is looked up again in Magicline's slots of its
day; a slot Magicline no longer lists is no longer free. Magicline's instructors are the studio's
staff resources (``MagiclineInstructor``), so slots and bookings show on the same staff as a
local business's. Magicline's failures become errors of ``bookings.errors`` in one place
(``_translated``): an outage is ``BackendUnavailable``, and nothing is changed locally.

``magicline_backend(business)`` is the resolver ``apps.py`` registers with
``bookings.backends.registry``: the studio's enabled connection claims the business.
"""

import logging
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

from bookings import slots
from bookings.contract import BookingAnswer, ValidationStatus, zoned_date_time
from bookings.errors import (
    AppointmentError,
    AppointmentNotFound,
    BackendUnavailable,
    BookingRefused,
    CancellationRefused,
)
from bookings.magicline import slot_tokens, sync
from bookings.magicline.answers import MagiclineSlot
from bookings.magicline.client import MagiclineClient
from bookings.magicline.customer_search import mirror_matching_customers
from bookings.magicline.errors import (
    MagiclineAuthError,
    MagiclineError,
    MagiclineMalformed,
    MagiclineNetworkError,
    MagiclineNotFound,
    MagiclineRateLimited,
    MagiclineUnavailable,
)
from bookings.magicline.models import MagiclineConnection, MagiclineInstructor
from bookings.models import AppointmentBooking, BookableAppointment, Customer
from bookings.slots import Candidate, Instructor, Slot
from calendar_app.tenancy.models import Business, Membership

logger = logging.getLogger(__name__)

CANCELED = AppointmentBooking.BookingStatus.CANCELED

TYPES_APPLIED_SECONDS = 600
UNREACHABLE = "The studio's Magicline is not answering right now; please try again in a moment."
UNREADABLE = "The studio's Magicline answered something we cannot read: {}"
KEY_REFUSED = (
    "The studio's Magicline refuses the app's key right now; the owner should check the "
    "connection on the Magicline settings page."
)


def _status(value: str) -> ValidationStatus:
    try:
        return ValidationStatus(value)
    except ValueError:
        return ValidationStatus.NOT_AVAILABLE


def _translated(error: MagiclineError) -> AppointmentError:
    """Magicline's failure in the bookings' taxonomy: an outage (5xx, 429, no answer), an answer
    the app cannot read, or a key it no longer takes is ``BackendUnavailable`` (with Magicline's
    ``Retry-After`` when its answer named one); an unknown object a 404; any other refusal
    Magicline's own translated sentence (400)."""
    if isinstance(error, MagiclineMalformed):
        return BackendUnavailable(UNREADABLE.format(error.message))
    if isinstance(error, MagiclineRateLimited | MagiclineUnavailable):
        return BackendUnavailable(UNREACHABLE, retry_after=error.retry_after)
    if isinstance(error, MagiclineAuthError):
        return BackendUnavailable(KEY_REFUSED)
    if isinstance(error, MagiclineNotFound):
        return AppointmentNotFound(error.message)
    return AppointmentError(error.message)


def magicline_backend(business: Business) -> "MagiclineAppointmentBackend | None":
    """The backend of a business with an enabled Magicline connection; None for any other."""
    try:
        connection = business.magicline_connection
    except ObjectDoesNotExist:
        return None
    return MagiclineAppointmentBackend(connection) if connection.enabled else None


class MagiclineAppointmentBackend:
    """One studio's bookings in Magicline; ``client`` defaults to one built from the connection."""

    customer_notices_by = "Magicline"  # Magicline notifies its customers of their bookings
    # Magicline's participantStatus (PARTICIPATING, NOT_PARTICIPATING, UNSET) is stored with
    # each booking it answers (``sync.apply_remote_booking``) and shown on the bookings pages.
    participant_status_from_upstream = True

    def __init__(self, connection: MagiclineConnection, client: MagiclineClient | None = None):
        self.connection = connection
        self.client = client or MagiclineClient.for_connection(connection)

    # --- ids -----------------------------------------------------------------------------

    def _type_id(self, appointment: BookableAppointment) -> int:
        link = getattr(appointment, "magicline_type", None)
        if link is None or link.connection_id != self.connection.pk or link.magicline_id is None:
            raise AppointmentError("This service is not one of the studio's Magicline services.")
        return link.magicline_id

    def _customer_id(self, customer: Customer) -> int:
        link = getattr(customer, "magicline", None)
        if link is None or link.access_disabled:
            raise AppointmentError("This customer is not known to Magicline.")
        return link.magicline_id

    def _listed_slot(
        self,
        appointment: BookableAppointment,
        customer: Customer,
        start: datetime,
        end: datetime,
        instructor_numbers: list[int],
        slot_token: str,
    ) -> MagiclineSlot | None:
        """The slot as Magicline listed it at that time with the instructors asked for: from the
        token handed back, else the one cached when it was listed, else Magicline's slots of that
        day again; None when Magicline does not list it."""
        type_id = self._type_id(appointment)

        def chosen(variants: list[MagiclineSlot]) -> MagiclineSlot | None:
            return next(
                (v for v in variants if set(instructor_numbers) <= set(v.instructor_ids)), None
            )

        for variants in slot_tokens.known_slots(
            slot_token, connection_id=self.connection.pk, type_id=type_id, period=(start, end)
        ):
            slot = chosen(variants)
            if slot is not None:
                return slot
        customer_link = getattr(customer, "magicline", None)
        listed = self.client.slots(
            appointment_id=type_id,
            start_date=start.astimezone(self.connection.business.zone).date(),
            days=1,
            customer_id=customer_link.magicline_id if customer_link else None,
        )
        self._keep_learned_window()
        return chosen([v for v in listed if (v.start, v.end) == (start, end)])

    def _instructor_numbers(self, instructor_ids: list[str] | None) -> list[int] | None:
        """Magicline's ids of the staff resources asked for; None when one stands for nobody."""
        wanted = list(dict.fromkeys(instructor_ids or []))
        numbers = dict(
            MagiclineInstructor.objects.filter(
                connection=self.connection, resource_id__in=wanted
            ).values_list("resource_id", "magicline_id")
        )
        if len(numbers) != len(wanted):
            return None
        return [numbers[resource_id] for resource_id in wanted]

    def _slot_body(
        self,
        appointment: BookableAppointment,
        customer: Customer,
        start: datetime,
        end: datetime,
        instructor_ids: list[str] | None,
        slot_token: str,
    ) -> dict | None:
        """The validate/book body with the slot's strings as Magicline sent them; None when
        Magicline does not list the slot (with the instructors asked for) any more."""
        customer_id = self._customer_id(customer)
        numbers = self._instructor_numbers(instructor_ids)
        if numbers is None:
            return None
        slot = self._listed_slot(appointment, customer, start, end, numbers, slot_token)
        if slot is None:
            return None
        return {
            "customer_id": customer_id,
            "appointment_id": self._type_id(appointment),
            "start_date_time": slot.start_date_time,
            "end_date_time": slot.end_date_time,
            "instructor_ids": numbers or None,
        }

    def _keep_learned_window(self) -> None:
        if self.client.max_slot_window_days < self.connection.max_slot_window_days:
            self.connection.max_slot_window_days = self.client.max_slot_window_days
            MagiclineConnection.objects.filter(pk=self.connection.pk).update(
                max_slot_window_days=self.client.max_slot_window_days
            )

    # --- the Protocol --------------------------------------------------------------------

    def bookable_appointments(self, *, business: Business) -> QuerySet[BookableAppointment]:
        """The studio's Magicline types, mirrored locally first (only when the list differs from
        the one mirrored last); the last mirror if Magicline is down."""
        try:
            items = self.client.bookable_appointments()
            applied_key = f"magicline:{self.connection.pk}:bookable-applied"
            if cache.get(applied_key) != items:
                sync.apply_appointment_types(connection=self.connection, items=items)
                cache.set(applied_key, items, TYPES_APPLIED_SECONDS)
        except MagiclineError as error:
            logger.warning("Magicline types of %s not refreshed: %s", business.slug, error)
        return BookableAppointment.objects.filter(
            business=business,
            bookable=True,
            online_bookable=True,
            magicline_type__connection=self.connection,
        ).order_by("magicline_type__magicline_id")

    def available_slots(
        self,
        *,
        appointment: BookableAppointment,
        slot_window_start_date: date | None,
        days_ahead: int,
        customer: Customer | None = None,
    ) -> list[Slot]:
        days = slots.window_days(
            business=appointment.business,
            slot_window_start_date=slot_window_start_date,
            days_ahead=days_ahead,
        )
        type_id = self._type_id(appointment)
        customer_link = getattr(customer, "magicline", None) if customer else None
        try:
            found = self.client.slots(
                appointment_id=type_id,
                start_date=days[0],
                days=len(days),
                customer_id=customer_link.magicline_id if customer_link else None,
            )
        except MagiclineError as error:
            raise _translated(error) from error
        finally:
            self._keep_learned_window()
        staff = sync.staff_of_slots(
            connection=self.connection,
            appointment=appointment,
            instructors=[item for slot in found for item in slot.instructors],
        )
        by_time: dict[tuple[datetime, datetime], list[MagiclineSlot]] = {}
        for slot in found:  # Magicline may list a time once per instructor: one time here
            by_time.setdefault((slot.start, slot.end), []).append(slot)
        tokens = {
            when: slot_tokens.sign(self.connection.pk, type_id, variants)
            for when, variants in by_time.items()
        }
        slot_tokens.remember(self.connection.pk, type_id, tokens)
        zone = appointment.business.zone
        return [
            Slot(
                start=start.astimezone(zone),
                end=end.astimezone(zone),
                instructors=tuple(
                    Instructor(id=staff[number].pk, name=staff[number].name)
                    for number in dict.fromkeys(n for v in variants for n in v.instructor_ids)
                ),
                token=tokens[(start, end)],
            )
            for (start, end), variants in by_time.items()
        ]

    def slot_grid(
        self, *, appointment: BookableAppointment, days: list[date], customer: Customer | None
    ) -> list[Candidate]:
        """Magicline lists free slots only: each is a free start of the grid, also one that
        names no instructor (Magicline assigns one, or the appointment needs none)."""
        return [
            Candidate(
                start=slot.start,
                end=slot.end,
                instructors=slot.instructors,
                free=True,
                token=slot.token,
            )
            for slot in self.available_slots(
                appointment=appointment,
                slot_window_start_date=days[0],
                days_ahead=len(days),
                customer=customer,
            )
        ]

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
        """Magicline's verdict on the slot as it listed it; a slot it no longer lists (with the
        instructor asked for) is no longer free, and is not sent."""
        try:
            body = self._slot_body(appointment, customer, start, end, instructor_ids, slot_token)
            if body is None:
                return ValidationStatus.RESOURCE_NOT_AVAILABLE
            return self.client.validate(**body)
        except MagiclineError as error:
            raise _translated(error) from error

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
        """Validate, then book; after a network error, look for the booking among the customer's
        before one retry, so a book that reached Magicline is never made twice."""
        try:
            body = self._slot_body(appointment, customer, start, end, instructor_ids, slot_token)
            if body is None:
                raise BookingRefused(ValidationStatus.RESOURCE_NOT_AVAILABLE, lost_race=True)
            status = self.client.validate(**body)
            if status != ValidationStatus.AVAILABLE:
                raise BookingRefused(status)
            try:
                answer = self.client.book(**body)
            except MagiclineNetworkError:
                answer = self._booking_made_already(body) or self.client.book(**body)
        except MagiclineError as error:
            if error.status in (400, 409):
                refused = _status(error.error_code or "")
                if refused == ValidationStatus.NOT_AVAILABLE:
                    refused = ValidationStatus.RESOURCE_NOT_AVAILABLE
                raise BookingRefused(refused, lost_race=True) from error
            raise _translated(error) from error
        return sync.apply_remote_booking(
            connection=self.connection, data=answer, customer=customer, appointment=appointment
        )

    def _booking_made_already(self, body: dict) -> BookingAnswer | None:
        wanted = (zoned_date_time(body["start_date_time"]), zoned_date_time(body["end_date_time"]))
        for booking in self.client.customer_bookings(customer_id=body["customer_id"]):
            if (booking.start, booking.end) == wanted and booking.booking_status != CANCELED:
                logger.info("Magicline book timed out but booking %s exists", booking.booking_id)
                return booking
        return None

    def cancel(
        self, *, actor: Membership | None, booking: AppointmentBooking
    ) -> AppointmentBooking:
        """Cancel in Magicline, then locally; a booking Magicline no longer knows is cancelled
        (also when it does not answer the re-read after a cancel it accepted)."""
        link = getattr(booking, "magicline", None)
        if link is None or link.connection_id != self.connection.pk:
            raise CancellationRefused("This booking is not one of the studio's Magicline bookings.")
        if not booking.is_active:
            raise CancellationRefused("This booking is already cancelled.")
        try:
            self.client.cancel(booking_id=link.magicline_id)
        except MagiclineNotFound:
            pass
        except MagiclineError as error:
            if error.status in (400, 409):
                raise CancellationRefused(error.message) from error
            raise _translated(error) from error
        try:
            data = self.client.booking(booking_id=link.magicline_id)
        except MagiclineError as error:
            logger.warning("Magicline booking %s not re-read after cancel: %s", link.pk, error)
            data = None
        if data is None or data.booking_status == CANCELED:
            return sync.apply_booking_gone(
                connection=self.connection, magicline_id=link.magicline_id
            )
        return sync.apply_remote_booking(connection=self.connection, data=data)

    def customer_bookings(
        self, *, business: Business, customer: Customer
    ) -> list[AppointmentBooking]:
        """The customer's bookings in this studio within ±2 weeks, refreshed from Magicline first
        (the local store when it does not answer)."""
        link = getattr(customer, "magicline", None)
        if link is not None and not link.access_disabled:
            try:
                for data in self.client.customer_bookings(customer_id=link.magicline_id):
                    sync.apply_remote_booking(
                        connection=self.connection, data=data, customer=customer
                    )
            except MagiclineError as error:
                logger.warning("Magicline bookings of a customer not refreshed: %s", error)
        now = timezone.now()
        return list(
            _bookings(business).filter(
                customer=customer,
                start__gte=now - timedelta(weeks=2),
                end__lte=now + timedelta(weeks=2),
            )
        )

    def refresh_customers(self, *, business: Business, query: str) -> None:
        """Mirror the Magicline customers matching ``query``, so the local search finds them."""
        mirror_matching_customers(connection=self.connection, client=self.client, query=query)

    def booking(self, *, business: Business, booking_id: int) -> AppointmentBooking | None:
        """The booking re-read from Magicline first (§2.6) and applied: a 404 or CANCELED there
        cancels it here; ``BackendUnavailable`` (nothing changed) when Magicline does not
        answer. A booking the studio never had in Magicline is read as stored."""
        found = _bookings(business).filter(pk=booking_id).first()
        link = getattr(found, "magicline", None)
        if link is None or link.connection_id != self.connection.pk:
            return found
        try:
            data = self.client.booking(booking_id=link.magicline_id)
        except MagiclineError as error:
            raise _translated(error) from error
        if data is None:
            sync.apply_booking_gone(connection=self.connection, magicline_id=link.magicline_id)
        else:
            sync.apply_remote_booking(connection=self.connection, data=data)
        return _bookings(business).filter(pk=booking_id).first()


def _bookings(business: Business) -> QuerySet[AppointmentBooking]:
    return (
        AppointmentBooking.objects.filter(business=business)
        .select_related("appointment", "customer", "magicline")
        .order_by("start", "id")
    )
