"""Appointment reads: listed services, slots, validation verdicts, bookings, customers."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.timezone import localdate, now

from bookings.backends import LocalAppointmentBackend, appointment_backend
from bookings.contract import ValidationStatus
from bookings.errors import VALIDATION_MESSAGES, AppointmentError
from bookings.models import (
    AppointmentBooking,
    BookableAppointment,
    BookingResource,
    Customer,
    Facility,
    WorkingHours,
    WorkingHoursOverride,
)
from bookings.slots import MAX_DAYS_AHEAD, Instructor, Slot, window_days
from calendar_app.models import Event, EventResource, Resource
from calendar_app.tenancy.models import Business


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
    ``SlotWindowError``; an empty list means no slots; ``BackendUnavailable`` when the
    business's upstream does not answer.
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
    slot_token: str = "",
) -> ValidationStatus:
    """Whether ``customer`` can book this slot now: one status of the contract's enum
    (``slot_token``: the slot's token from an upstream's slot list, if any)."""
    return appointment_backend(appointment.business).validate(
        appointment=appointment,
        customer=customer,
        start=start,
        end=end,
        instructor_ids=instructor_ids,
        slot_token=slot_token,
    )


def customer_bookings(*, business: Business, customer: Customer) -> list[AppointmentBooking]:
    """The customer's bookings in this facility within ±2 weeks of now."""
    return appointment_backend(business).customer_bookings(business=business, customer=customer)


def current_booking(*, business: Business, booking_id: int) -> AppointmentBooking | None:
    """One of the facility's bookings as its booking system has it now (an upstream re-reads
    it first: ``BackendUnavailable`` when it does not answer); another facility's id finds
    nothing."""
    return appointment_backend(business).booking(business=business, booking_id=booking_id)


def stored_booking(*, business: Business, booking_id: int) -> AppointmentBooking | None:
    """One of the facility's bookings as the local store has it, with what the contract shows
    of it; another facility's id finds nothing."""
    return LocalAppointmentBackend().booking(business=business, booking_id=booking_id)


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
    """Customers who may book here (the business's and its group's) whose first or last name
    starts with, or email contains, each word of ``query``; nothing for an empty query."""
    words = query.split()
    if not words:
        return []
    appointment_backend(business).refresh_customers(business=business, query=query)
    customers = Customer.objects.filter(business_id__in=group_business_ids(business))
    for word in words[:4]:
        customers = customers.filter(
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(email__icontains=word)
        )
    return list(customers.order_by("last_name", "first_name", "id")[:limit])


@dataclass(frozen=True)
class GridTime:
    """One start on a day of the grid; ``url`` picks it (free times only)."""

    start: datetime
    free: bool
    instructors: tuple[Instructor, ...]
    url: str


@dataclass(frozen=True)
class GridDay:
    day: date
    is_today: bool
    times: list[GridTime]


@dataclass(frozen=True)
class Pick:
    """The slot picked on the grid and whether the customer can book it now."""

    start: datetime
    end: datetime
    slot_value: str
    slot_token: str
    instructors: tuple[Instructor, ...]
    instructor_id: str
    status: ValidationStatus | None
    message: str

    @property
    def is_available(self) -> bool:
        return self.status == ValidationStatus.AVAILABLE


@dataclass(frozen=True)
class BookingRow:
    booking: AppointmentBooking
    instructors: list[str]
    cancel_url: str
    # The upstream's participantStatus as its label ("Participating"), "" when the backend
    # has none (a local booking).
    participant_status: str = ""


@dataclass
class BookingScreen:
    """Everything the booking screen shows, with the URLs its links need."""

    business: Business
    services: list[BookableAppointment]
    service: BookableAppointment | None
    customer: Customer | None
    query: str
    customer_results: list[tuple[Customer, str]]
    window_start: date
    days: list[GridDay]
    previous_url: str
    next_url: str
    pick: Pick | None
    upcoming: list[BookingRow]
    page_url: str
    participant_statuses: bool = False  # the upcoming bookings show the upstream's status
    notice: str = ""
    success: str = ""
    customer_notices_by: str = ""  # an upstream that tells customers itself ("" for us)


def _screen_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse("bookings:book")
    return f"{url}?{query}" if query else url


def booking_screen_url(*, service: BookableAppointment, customer: Customer, day: datetime) -> str:
    """The screen showing a service for a customer, its window starting on ``day``'s date."""
    local_day = day.astimezone(service.business.zone).date()
    return _screen_url(service=service.pk, customer=customer.pk, start=local_day.isoformat())


def _slot_value(start: datetime, zone) -> str:
    return start.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def upcoming_bookings(*, business: Business, customer: Customer) -> list[AppointmentBooking]:
    """The customer's active bookings in this facility that have not ended yet, soonest first."""
    return list(
        AppointmentBooking.objects.filter(business=business, customer=customer, end__gt=now())
        .exclude(booking_status=AppointmentBooking.BookingStatus.CANCELED)
        .select_related("appointment")
        .prefetch_related("booking_resources__resource")
        .order_by("start", "id")[:20]
    )


def booking_screen(
    *,
    business: Business,
    service: BookableAppointment | None,
    customer: Customer | None,
    window_start: date | None,
    query: str = "",
    slot_local: datetime | None = None,
    instructor_id: str = "",
    notice: str = "",
    success: str = "",
) -> BookingScreen:
    """The booking screen: services, customer search, the 6-day grid, the pick, the bookings.

    ``slot_local`` is the wall-clock start picked on the grid; it is validated for the customer
    (one status of the contract's enum, as its sentence).
    """
    zone = business.zone
    today = localdate(timezone=zone)
    window_start = max(window_start or today, today)
    base = {
        "service": service.pk if service else None,
        "customer": customer.pk if customer else None,
    }
    days: list[GridDay] = []
    candidates = []
    if service is not None:
        window = window_days(
            business=business, slot_window_start_date=window_start, days_ahead=MAX_DAYS_AHEAD
        )
        try:
            candidates = appointment_backend(business).slot_grid(
                appointment=service, days=window, customer=customer
            )
        except AppointmentError as unavailable:
            notice = notice or str(unavailable)
        by_day: dict[date, list[GridTime]] = {day: [] for day in window}
        for candidate in candidates:
            local_start = candidate.start.astimezone(zone)
            by_day[local_start.date()].append(
                GridTime(
                    start=local_start,
                    free=candidate.free,
                    instructors=candidate.instructors,
                    url=_screen_url(
                        **base,
                        start=window_start.isoformat(),
                        slot=_slot_value(candidate.start, zone),
                    )
                    if candidate.free
                    else "",
                )
            )
        days = [GridDay(day=d, is_today=d == today, times=t) for d, t in by_day.items()]
    pick = None
    if service is not None and slot_local is not None:
        pick = _pick(service, customer, slot_local, instructor_id, candidates)
    results = []
    if query:
        results = [
            (found, _screen_url(service=base["service"], customer=found.pk))
            for found in search_customers(business=business, query=query)
        ]
    upcoming = []
    if customer is not None:
        with_status = appointment_backend(business).participant_status_from_upstream
        upcoming = [
            BookingRow(
                booking=row,
                instructors=[
                    held.resource.name
                    for held in row.booking_resources.all()
                    if held.resource.type == "STAFF"
                ],
                cancel_url=reverse("bookings:cancel", args=[row.pk]),
                participant_status=row.get_participant_status_display() if with_status else "",
            )
            for row in upcoming_bookings(business=business, customer=customer)
        ]
    step = timedelta(days=MAX_DAYS_AHEAD)
    return BookingScreen(
        customer_notices_by=appointment_backend(business).customer_notices_by,
        business=business,
        services=list(bookable_appointments(business=business)),
        service=service,
        customer=customer,
        query=query,
        customer_results=results,
        window_start=window_start,
        days=days,
        previous_url=_screen_url(**base, start=(window_start - step).isoformat())
        if window_start > today
        else "",
        next_url=_screen_url(**base, start=(window_start + step).isoformat()),
        pick=pick,
        upcoming=upcoming,
        participant_statuses=any(row.participant_status for row in upcoming),
        page_url=_screen_url(**base, start=window_start.isoformat()),
        notice=notice,
        success=success,
    )


def _pick(service, customer, slot_local, instructor_id, candidates) -> Pick:
    zone = service.business.zone
    start = slot_local.replace(tzinfo=zone)
    end = start + timedelta(minutes=service.duration_minutes)
    listed = next((c for c in candidates if c.start == start and c.free), None)
    instructors = listed.instructors if listed else ()
    token = listed.token if listed else ""
    status = None
    message = "Pick a customer to check whether they can book this slot."
    if customer is not None:
        try:
            status = validate_booking(
                appointment=service,
                customer=customer,
                start=start,
                end=end,
                instructor_ids=[instructor_id] if instructor_id else None,
                slot_token=token,
            )
            message = VALIDATION_MESSAGES[status]
        except AppointmentError as unavailable:
            message = str(unavailable)
    return Pick(
        start=start,
        end=end,
        slot_value=_slot_value(start, zone),
        slot_token=token,
        instructors=instructors,
        instructor_id=instructor_id,
        status=status,
        message=message,
    )


def booking_clashes(*, event: Event) -> list[str]:
    """Sentences naming the active bookings that hold one of the event's resources while it
    (or, for a series, one of its occurrences) takes it: the calendar warns with them when an
    event is placed on a booked resource. The booking's own event clashes with nothing."""
    if event.transparency != Event.Transparency.OPAQUE or event.is_cancelled:
        return []
    occurrences = Event.objects.filter(
        Q(pk=event.pk) | Q(recurring_event_id=event.pk), status=Event.Status.CONFIRMED
    )
    overlapping = EventResource.objects.filter(
        event__in=occurrences,
        resource_id=OuterRef("resource_id"),
        transparency=Event.Transparency.OPAQUE,
        event__start__lt=OuterRef("end"),
        event__end__gt=OuterRef("start"),
    )
    holds = (
        BookingResource.objects.filter(active=True, booking__business_id=event.business_id)
        .filter(Exists(overlapping))
        .exclude(booking__event_id=event.pk)
        .select_related("resource", "booking__appointment", "booking__customer")
        .order_by("start", "resource__name")[:5]
    )
    zone = event.zone
    return [
        f"{hold.resource.name} is booked for {hold.booking.appointment.title} "
        f"({hold.booking.customer.full_name}) on "
        f"{hold.booking.start.astimezone(zone):%a %d %b, %H:%M}-"
        f"{hold.booking.end.astimezone(zone):%H:%M}: check the booking or move this event."
        for hold in holds
    ]


@dataclass(frozen=True)
class ResourceHours:
    """A resource with its weekly hours (by weekday) and its exceptions from today on."""

    resource: Resource
    weekly: list[WorkingHours]
    overrides: list[WorkingHoursOverride]

    @property
    def summary(self) -> str:
        if not self.weekly:
            return "No working hours yet: it is never bookable."
        return "; ".join(
            f"{h.get_weekday_display()[:3]} {h.start_time:%H:%M}-{h.end_time:%H:%M}"
            for h in self.weekly
        )


def resources_with_hours(*, business: Business) -> list[ResourceHours]:
    """Every resource of the business with its hours, in three queries."""
    resources = list(Resource.objects.filter(business=business).order_by("type", "name"))
    return _with_hours(business, resources)


def resource_hours(*, business: Business, resource: Resource) -> ResourceHours:
    return _with_hours(business, [resource])[0]


def _with_hours(business: Business, resources: list[Resource]) -> list[ResourceHours]:
    today = localdate(timezone=business.zone)
    weekly: dict[str, list[WorkingHours]] = {r.pk: [] for r in resources}
    for hours in WorkingHours.objects.filter(resource__in=resources).order_by(
        "weekday", "start_time"
    ):
        weekly[hours.resource_id].append(hours)
    overrides: dict[str, list[WorkingHoursOverride]] = {r.pk: [] for r in resources}
    for override in WorkingHoursOverride.objects.filter(
        resource__in=resources, date__gte=today
    ).order_by("date", "start_time"):
        overrides[override.resource_id].append(override)
    return [ResourceHours(r, weekly[r.pk], overrides[r.pk]) for r in resources]
