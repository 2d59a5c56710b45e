"""What a slot window needs, read once: the required resources, their working hours and their
holds (active bookings and OPAQUE calendar events), as free time per resource."""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Value

from bookings.models import (
    AppointmentBooking,
    BookableAppointment,
    BookingResource,
    Customer,
    WorkingHours,
    WorkingHoursOverride,
)
from bookings.slots.base import BOOKINGS_APP_ID, Instructor
from bookings.slots.intervals import Intervals, epoch
from calendar_app.selectors import busy_times


@dataclass
class ResourceWindow:
    """What a window needs, read once: the required sets, and per resource its working hours
    and its free time (working hours less holds, widened by the appointment's buffers, so a
    slot is free on a resource exactly when one free span covers it)."""

    staff: list[Instructor]
    rooms: list[str]
    equipment: list[str]
    working: dict[str, Intervals]
    free: dict[str, Intervals]
    customer_held: Intervals

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


def _local_midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


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


def load_window(
    appointment: BookableAppointment,
    *,
    first_day: date,
    last_day: date,
    customer: Customer | None,
) -> ResourceWindow:
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

    working: dict[str, Intervals] = {}
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
                        epoch(datetime.combine(day, start, tzinfo=zone)),
                        epoch(datetime.combine(day, end, tzinfo=zone)),
                    )
                )
            day += timedelta(days=1)
        working[rid] = Intervals.of(spans)

    holds: dict[str, list[tuple[float, float]]] = {rid: [] for rid in resource_ids}
    booked = BookingResource.objects.filter(
        resource_id__in=resource_ids, active=True, start__lt=window_end, end__gt=window_start
    )
    for rid, start, end in booked.values_list("resource_id", "start", "end"):
        holds[rid].append((epoch(start), epoch(end)))
    events = busy_times(
        business,
        resource_ids=resource_ids,
        from_local_date=window_start.replace(tzinfo=None),
        to_local_date=window_end.replace(tzinfo=None),
        excluding_app_id=BOOKINGS_APP_ID,
    )
    for rid, spans in events.items():
        holds[rid].extend((epoch(start), epoch(end)) for start, end in spans)

    customer_spans: list[tuple[float, float]] = []
    if customer is not None:
        own = AppointmentBooking.objects.filter(
            customer=customer, start__lt=window_end, end__gt=window_start
        ).exclude(booking_status=AppointmentBooking.BookingStatus.CANCELED)
        customer_spans = [(epoch(s), epoch(e)) for s, e in own.values_list("start", "end")]

    widen_before = appointment.buffer_after_minutes * 60
    widen_after = appointment.buffer_before_minutes * 60
    free = {
        rid: working[rid].minus(
            Intervals.of([(start - widen_before, end + widen_after) for start, end in spans])
        )
        for rid, spans in holds.items()
    }
    return ResourceWindow(
        staff=staff,
        rooms=rooms,
        equipment=equipment,
        working=working,
        free=free,
        customer_held=Intervals.of(customer_spans),
    )


def bookable_range(appointment: BookableAppointment, now: datetime) -> tuple[float, float]:
    """The instants a slot may start between now: after notice and deadline, before opening."""
    earliest_start = now + max(
        timedelta(minutes=appointment.minimum_notice_minutes),
        timedelta(days=appointment.latest_booking_days),
    )
    latest_start = now + timedelta(days=appointment.earliest_booking_days)
    return epoch(earliest_start), epoch(latest_start)
