"""The grid of a slot window: every start in the staff's hours, free or not, and the free slots."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from bookings.errors import SlotWindowError
from bookings.models import BookableAppointment, Customer
from bookings.slots.base import MAX_DAYS_AHEAD, Candidate, Slot
from bookings.slots.intervals import Intervals, epoch
from bookings.slots.window import bookable_range, load_window


def _exists_on_clock(local: datetime, zone: zoneinfo.ZoneInfo) -> bool:
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


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
    window = load_window(appointment, first_day=days[0], last_day=days[-1], customer=customer)
    zone = appointment.business.zone
    staff_hours = Intervals.of(
        [
            (start, end)
            for s in window.staff
            for start, end in zip(
                window.working[s.id].starts, window.working[s.id].ends, strict=True
            )
        ]
    )
    earliest, latest = bookable_range(appointment, now)
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
            start = epoch(aware)
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
