"""The local slot engine and the validation rules of the local appointment backend.

A slot of an appointment is free when, at once, one resource of each required set (one of the
staff; one of the rooms and one of the equipment when the appointment names any) works across the
whole slot and is held by nothing across the slot plus its buffers. Holds are active bookings
(their own table, buffers included) and OPAQUE calendar events (classes, blocked time).

Everything for a window is read once (a constant number of queries), then computed in Python on
sorted, merged intervals of epoch seconds. Candidate starts are expanded in wall-clock time on a
grid counted from local midnight, then given the business's zone, so 09:00 stays 09:00 across
DST; a start that does not exist on the clock (a spring-forward gap) is no candidate.
"""

import zoneinfo
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import Value
from django.utils import timezone

from bookings.models import (
    AppointmentBooking,
    BookableAppointment,
    BookingResource,
    Contingent,
    Customer,
    Facility,
    WorkingHours,
    WorkingHoursOverride,
)
from calendar_app.selectors import busy_times

BOOKINGS_APP_ID = "bookings"
MAX_DAYS_AHEAD = 6


class SlotWindowError(ValueError):
    """A slot window that cannot be computed; the message is meant for a person (API: 400)."""


class ValidationStatus(StrEnum):
    """The contract's validation enum, exactly."""

    AVAILABLE = "AVAILABLE"
    PAST_START_DATE_TIME = "PAST_START_DATE_TIME"
    END_DATE_TIME_NOT_AFTER_START_DATE_TIME = "END_DATE_TIME_NOT_AFTER_START_DATE_TIME"
    PERIOD_DOES_NOT_MATCH = "PERIOD_DOES_NOT_MATCH"
    CUSTOMER_IN_OTHER_BOOKING = "CUSTOMER_IN_OTHER_BOOKING"
    CUSTOMER_IDLE = "CUSTOMER_IDLE"
    NO_CONTINGENT = "NO_CONTINGENT"
    BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED = (
        "BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED"
    )
    BOOKING_LIMIT_REACHED = "BOOKING_LIMIT_REACHED"
    DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME = "DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME"
    DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME = "DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME"
    STUDIO_CLOSED = "STUDIO_CLOSED"
    RESOURCE_NOT_AVAILABLE = "RESOURCE_NOT_AVAILABLE"
    NOT_AVAILABLE = "NOT_AVAILABLE"


# One sentence per status, for the booking screen and the API's error messages alike.
VALIDATION_MESSAGES: dict[ValidationStatus, str] = {
    ValidationStatus.AVAILABLE: "This slot is free and can be booked.",
    ValidationStatus.PAST_START_DATE_TIME: "This slot has already started; pick a later one.",
    ValidationStatus.END_DATE_TIME_NOT_AFTER_START_DATE_TIME: (
        "The end of the slot must be after its start."
    ),
    ValidationStatus.PERIOD_DOES_NOT_MATCH: (
        "This time does not match a slot of the service (its length or start time is off)."
    ),
    ValidationStatus.CUSTOMER_IN_OTHER_BOOKING: (
        "The customer already has another booking at this time."
    ),
    ValidationStatus.CUSTOMER_IDLE: "The customer's membership is paused (idle) on this date.",
    ValidationStatus.NO_CONTINGENT: (
        "The customer has no credits left for this service (in this facility)."
    ),
    ValidationStatus.BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED: (
        "This service is limited to certain rates, modules or member codes the customer lacks."
    ),
    ValidationStatus.BOOKING_LIMIT_REACHED: (
        "The customer already holds as many upcoming bookings of this service as allowed."
    ),
    ValidationStatus.DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME: (
        "Booking for this slot has not opened yet; it is too far ahead."
    ),
    ValidationStatus.DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME: (
        "It is too late to book this slot; the booking deadline has passed."
    ),
    ValidationStatus.STUDIO_CLOSED: "Nobody works at this time: the studio is closed then.",
    ValidationStatus.RESOURCE_NOT_AVAILABLE: (
        "The staff, room or equipment this slot needs is no longer free."
    ),
    ValidationStatus.NOT_AVAILABLE: "This service cannot be booked.",
}


@dataclass(frozen=True)
class Instructor:
    id: str
    name: str


@dataclass(frozen=True)
class Slot:
    """A free slot: instants in the business's zone, the staff who can take it (by name).

    ``token`` is an upstream's opaque, signed reference to the slot as it sent it (Magicline:
    its exact date-time strings), handed back on validate and book; empty for the local engine.
    """

    start: datetime
    end: datetime
    instructors: tuple[Instructor, ...]
    token: str = ""


@dataclass(frozen=True)
class Candidate:
    """A start on the grid of a day; ``free`` when it can be booked (locally: some staff can
    take it; for an upstream: it listed the slot, whether or not it names instructors)."""

    start: datetime
    end: datetime
    instructors: tuple[Instructor, ...]
    free: bool
    token: str = ""


@dataclass
class _Intervals:
    """Sorted, merged, disjoint ``[start, end)`` spans in epoch seconds."""

    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, spans: list[tuple[float, float]]) -> "_Intervals":
        merged = cls()
        for start, end in sorted(spans):
            if merged.ends and start <= merged.ends[-1]:
                merged.ends[-1] = max(merged.ends[-1], end)
            else:
                merged.starts.append(start)
                merged.ends.append(end)
        return merged

    def covers(self, start: float, end: float) -> bool:
        index = bisect_right(self.starts, start) - 1
        return index >= 0 and self.ends[index] >= end

    def overlaps(self, start: float, end: float) -> bool:
        index = bisect_right(self.starts, end) - 1
        if index >= 0 and self.starts[index] == end:
            index -= 1
        return index >= 0 and self.ends[index] > start

    def minus(self, other: "_Intervals") -> "_Intervals":
        """These spans with ``other``'s taken out (both sorted and merged)."""
        result = _Intervals()
        j, count = 0, len(other.starts)
        for start, end in zip(self.starts, self.ends, strict=True):
            while j < count and other.ends[j] <= start:
                j += 1
            k, cursor = j, start
            while k < count and other.starts[k] < end:
                if other.starts[k] > cursor:
                    result.starts.append(cursor)
                    result.ends.append(other.starts[k])
                cursor = max(cursor, other.ends[k])
                k += 1
            if cursor < end:
                result.starts.append(cursor)
                result.ends.append(end)
        return result

    def cover_flags(self, spans: list[tuple[float, float]]) -> list[bool]:
        """For spans sorted by start: whether one of these spans covers each (a single sweep)."""
        flags = []
        j, count = 0, len(self.starts)
        for start, end in spans:
            while j + 1 < count and self.starts[j + 1] <= start:
                j += 1
            flags.append(count > 0 and self.starts[j] <= start and self.ends[j] >= end)
        return flags


@dataclass
class _Window:
    """What a window needs, read once: the required sets, and per resource its working hours
    and its free time (working hours less holds, widened by the appointment's buffers, so a
    slot is free on a resource exactly when one free span covers it)."""

    staff: list[Instructor]
    rooms: list[str]
    equipment: list[str]
    working: dict[str, _Intervals]
    free: dict[str, _Intervals]
    customer_held: _Intervals

    def free_resources(
        self, start: float, end: float, *, staff_ids: list[str] | None = None
    ) -> tuple[list[Instructor], list[str], list[str]]:
        """The staff, rooms and equipment free across ``[start, end)`` and its buffers."""
        staff = [
            s
            for s in self.staff
            if (staff_ids is None or s.id in staff_ids) and self.free[s.id].covers(start, end)
        ]
        rooms = [r for r in self.rooms if self.free[r].covers(start, end)]
        equipment = [e for e in self.equipment if self.free[e].covers(start, end)]
        return staff, rooms, equipment

    def instructors_for_each(
        self, spans: list[tuple[float, float]]
    ) -> list[tuple[Instructor, ...]]:
        """For spans sorted by start, the staff who can take each: none unless a room and
        equipment are free too and the customer has no other booking then."""
        staff_flags = [(s, self.free[s.id].cover_flags(spans)) for s in self.staff]

        def any_free(ids: list[str]) -> list[bool]:
            if not ids:
                return [True] * len(spans)
            columns = [self.free[rid].cover_flags(spans) for rid in ids]
            return [any(column) for column in zip(*columns, strict=True)]

        rooms, equipment = any_free(self.rooms), any_free(self.equipment)
        result = []
        for index, (start, end) in enumerate(spans):
            if not (rooms[index] and equipment[index]) or self.customer_held.overlaps(start, end):
                result.append(())
            else:
                result.append(tuple(s for s, flags in staff_flags if flags[index]))
        return result

    def anyone_works(self, start: float, end: float) -> bool:
        """Whether each required set has someone working across the span (else: closed)."""
        return all(
            any(self.working[rid].covers(start, end) for rid in ids)
            for ids in ([s.id for s in self.staff], self.rooms, self.equipment)
            if ids
        )


def _epoch(value: datetime) -> float:
    return value.timestamp()


def _local_midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _exists_on_clock(local: datetime, zone: zoneinfo.ZoneInfo) -> bool:
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def required_resources(
    appointment: BookableAppointment,
) -> tuple[list[Instructor], list[str], list[str]]:
    """The staff (with names), rooms and equipment the appointment may use, by name, at once."""
    sets = {
        "staff": appointment.staff,
        "rooms": appointment.rooms,
        "equipment": appointment.equipment,
    }
    queries = [
        manager.order_by().annotate(required=Value(name)).values_list("required", "id", "name")
        for name, manager in sets.items()
    ]
    union = queries[0].union(*queries[1:], all=True).order_by("name", "id")
    rows = list(union)
    staff = [Instructor(id=rid, name=name) for kind, rid, name in rows if kind == "staff"]
    rooms = [rid for kind, rid, _ in rows if kind == "rooms"]
    equipment = [rid for kind, rid, _ in rows if kind == "equipment"]
    return staff, rooms, equipment


def _load_window(
    appointment: BookableAppointment,
    *,
    first_day: date,
    last_day: date,
    customer: Customer | None,
) -> _Window:
    """Read all that the days ``first_day``..``last_day`` need, in a constant number of queries."""
    business = appointment.business
    zone = business.zone
    staff, rooms, equipment = required_resources(appointment)
    resource_ids = [s.id for s in staff] + rooms + equipment

    window_start = _local_midnight(first_day, zone) - timedelta(days=1)
    window_end = _local_midnight(last_day + timedelta(days=2), zone)

    weekly: dict[str, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for rid, weekday, start, end in WorkingHours.objects.filter(
        resource_id__in=resource_ids
    ).values_list("resource_id", "weekday", "start_time", "end_time"):
        weekly[rid][weekday].append((start, end))
    overrides: dict[tuple[str, date], list[tuple[time, time] | None]] = defaultdict(list)
    for rid, day, closed, start, end in WorkingHoursOverride.objects.filter(
        resource_id__in=resource_ids, date__gte=first_day, date__lte=last_day
    ).values_list("resource_id", "date", "closed", "start_time", "end_time"):
        overrides[(rid, day)].append(None if closed else (start, end))

    working: dict[str, _Intervals] = {}
    for rid in resource_ids:
        spans: list[tuple[float, float]] = []
        day = first_day
        while day <= last_day:
            shifts = overrides.get((rid, day))
            if shifts is None:
                shifts = weekly[rid][day.weekday()]
            elif None in shifts:
                shifts = []
            for start, end in shifts:
                spans.append(
                    (
                        _epoch(datetime.combine(day, start, tzinfo=zone)),
                        _epoch(datetime.combine(day, end, tzinfo=zone)),
                    )
                )
            day += timedelta(days=1)
        working[rid] = _Intervals.of(spans)

    holds: dict[str, list[tuple[float, float]]] = {rid: [] for rid in resource_ids}
    booked = BookingResource.objects.filter(
        resource_id__in=resource_ids, active=True, start__lt=window_end, end__gt=window_start
    )
    for rid, start, end in booked.values_list("resource_id", "start", "end"):
        holds[rid].append((_epoch(start), _epoch(end)))
    events = busy_times(
        business,
        resource_ids=resource_ids,
        from_local_date=window_start.replace(tzinfo=None),
        to_local_date=window_end.replace(tzinfo=None),
        excluding_app_id=BOOKINGS_APP_ID,
    )
    for rid, spans in events.items():
        holds[rid].extend((_epoch(start), _epoch(end)) for start, end in spans)

    customer_spans: list[tuple[float, float]] = []
    if customer is not None:
        own = AppointmentBooking.objects.filter(
            customer=customer, start__lt=window_end, end__gt=window_start
        ).exclude(booking_status=AppointmentBooking.BookingStatus.CANCELED)
        customer_spans = [(_epoch(s), _epoch(e)) for s, e in own.values_list("start", "end")]

    widen_before = appointment.buffer_after_minutes * 60
    widen_after = appointment.buffer_before_minutes * 60
    free = {
        rid: working[rid].minus(
            _Intervals.of([(start - widen_before, end + widen_after) for start, end in spans])
        )
        for rid, spans in holds.items()
    }
    return _Window(
        staff=staff,
        rooms=rooms,
        equipment=equipment,
        working=working,
        free=free,
        customer_held=_Intervals.of(customer_spans),
    )


def _bookable_range(appointment: BookableAppointment, now: datetime) -> tuple[float, float]:
    """The instants a slot may start between now: after notice and deadline, before opening."""
    earliest_start = now + max(
        timedelta(minutes=appointment.minimum_notice_minutes),
        timedelta(days=appointment.latest_booking_days),
    )
    latest_start = now + timedelta(days=appointment.earliest_booking_days)
    return _epoch(earliest_start), _epoch(latest_start)


def window_days(*, business, slot_window_start_date: date | None, days_ahead: int) -> list[date]:
    """The days of a slot window; no start date means today in the business's zone."""
    if isinstance(days_ahead, bool) or not isinstance(days_ahead, int):
        raise SlotWindowError("daysAhead must be a whole number from 1 to 6.")
    if not 1 <= days_ahead <= MAX_DAYS_AHEAD:
        raise SlotWindowError(f"daysAhead must be from 1 to {MAX_DAYS_AHEAD}, not {days_ahead}.")
    first = slot_window_start_date or timezone.localdate(timezone=business.zone)
    return [first + timedelta(days=offset) for offset in range(days_ahead)]


def scan(
    *,
    appointment: BookableAppointment,
    days: list[date],
    customer: Customer | None = None,
    now: datetime | None = None,
) -> list[Candidate]:
    """Every grid start of ``days`` within the staff's hours, free or not, in order.

    A candidate outside notice and booking window, or with no free set of resources, has no
    instructors. Days must be consecutive.
    """
    now = now or timezone.now()
    window = _load_window(appointment, first_day=days[0], last_day=days[-1], customer=customer)
    zone = appointment.business.zone
    staff_hours = _Intervals.of(
        [
            (start, end)
            for s in window.staff
            for start, end in zip(
                window.working[s.id].starts, window.working[s.id].ends, strict=True
            )
        ]
    )
    earliest, latest = _bookable_range(appointment, now)
    duration = appointment.duration_minutes * 60
    step = appointment.slot_step_minutes
    starts: list[datetime] = []
    spans: list[tuple[float, float]] = []
    for day in days:
        midnight = datetime.combine(day, time())
        for minute in range(0, 24 * 60, step):
            local = midnight + timedelta(minutes=minute)
            if not _exists_on_clock(local, zone):
                continue
            aware = local.replace(tzinfo=zone)
            start = _epoch(aware)
            if staff_hours.covers(start, start + duration):
                starts.append(aware)
                spans.append((start, start + duration))
    bookable = [index for index, (start, _) in enumerate(spans) if earliest <= start <= latest]
    instructors = window.instructors_for_each([spans[index] for index in bookable])
    free_by_index = dict(zip(bookable, instructors, strict=True))
    return [
        Candidate(
            start=aware,
            end=datetime.fromtimestamp(span[1], tz=zone),
            instructors=free_by_index.get(index, ()),
            free=bool(free_by_index.get(index)),
        )
        for index, (aware, span) in enumerate(zip(starts, spans, strict=True))
    ]


def compute_slots(
    *,
    appointment: BookableAppointment,
    slot_window_start_date: date | None,
    days_ahead: int,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The free slots of a window (empty when there are none), each with its instructors."""
    days = window_days(
        business=appointment.business,
        slot_window_start_date=slot_window_start_date,
        days_ahead=days_ahead,
    )
    return [
        Slot(start=c.start, end=c.end, instructors=c.instructors)
        for c in scan(appointment=appointment, days=days, customer=customer, now=now)
        if c.free
    ]


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
    earliest, latest = _bookable_range(appointment, now)
    if _epoch(start) > latest:
        return Verdict(status.DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME)
    if _epoch(start) < earliest:
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
    window = _load_window(appointment, first_day=local_day, last_day=local_day, customer=customer)
    start_s, end_s = _epoch(start), _epoch(end)
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
