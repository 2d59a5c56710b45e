"""Slot computation: 20 trainers x 6 days x 15-minute steps over 2,000 bookings, and 30 days.

Goals: 6-day window ≤ 25 ms, 30-day scan ≤ 100 ms (printed, never asserted); the query count
is asserted to be the same with 2,000 bookings as with none.
"""

import random
import statistics
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import AppointmentBooking, BookingResource, WorkingHours
from bookings.selectors import available_slots
from calendar_app.models import Resource
from tests.factories import (
    BookableAppointmentFactory,
    CustomerFactory,
    EventFactory,
    EventResourceFactory,
    ResourceFactory,
    ScheduleFactory,
)

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

TRAINERS = 20
BOOKINGS = 2_000
DAYS = 6
HOURS = (7, 21)  # every day 07:00-21:00


def _timed(call, runs: int) -> tuple[float, float, int, int]:
    """(p50 ms, p95 ms, queries of one run, slots) after one warm-up call."""
    call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        slots = call()
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, len(queries), len(slots)


@pytest.fixture
def studio(business):
    trainers = [
        ResourceFactory(business=business, name=f"Trainer {n:02d}", type=Resource.Type.STAFF)
        for n in range(TRAINERS)
    ]
    WorkingHours.objects.bulk_create(
        WorkingHours(
            resource=trainer,
            weekday=weekday,
            start_time=f"{HOURS[0]:02d}:00",
            end_time=f"{HOURS[1]:02d}:00",
        )
        for trainer in trainers
        for weekday in range(7)
    )
    service = BookableAppointmentFactory(
        business=business,
        duration_minutes=60,
        slot_step_minutes=15,
        buffer_after_minutes=15,
        earliest_booking_days=60,
        staff=trainers,
    )
    classes = ScheduleFactory(business=business, name="Classes")
    first_day = timezone.localdate(timezone=business.zone) + timedelta(days=1)
    for day in range(30):
        event = EventFactory(
            schedule=classes,
            start_local=datetime.combine(first_day + timedelta(days=day), datetime.min.time())
            + timedelta(hours=18),
        )
        EventResourceFactory(event=event, resource=trainers[day % TRAINERS])
    return service, trainers, first_day


def _add_bookings(service, trainers, first_day) -> None:
    """2,000 half-hour bookings in the 6-day window, never two on one trainer at once."""
    zone = service.business.zone
    customer = CustomerFactory(business=service.business)
    half_hours = [
        (day, trainer, slot)
        for day in range(DAYS)
        for trainer in range(TRAINERS)
        for slot in range((HOURS[1] - HOURS[0]) * 2)
    ]
    chosen = random.Random(7).sample(half_hours, BOOKINGS)
    bookings, holds = [], []
    for day, _trainer, slot in chosen:
        start = datetime.combine(
            first_day + timedelta(days=day), datetime.min.time(), tzinfo=zone
        ) + timedelta(hours=HOURS[0], minutes=30 * slot)
        bookings.append(
            AppointmentBooking(
                business=service.business,
                appointment=service,
                customer=customer,
                start=start,
                end=start + timedelta(minutes=30),
            )
        )
    AppointmentBooking.objects.bulk_create(bookings, batch_size=1000)
    for booking, (_, trainer, _) in zip(bookings, chosen, strict=True):
        holds.append(
            BookingResource(
                booking=booking, resource=trainers[trainer], start=booking.start, end=booking.end
            )
        )
    BookingResource.objects.bulk_create(holds, batch_size=1000)


def test_slot_computation_time(require_postgresql, studio, report):
    service, trainers, first_day = studio

    def six_days():
        return available_slots(
            appointment=service, slot_window_start_date=first_day, days_ahead=DAYS
        )

    def thirty_days():
        return [
            slot
            for window in range(5)
            for slot in available_slots(
                appointment=service,
                slot_window_start_date=first_day + timedelta(days=DAYS * window),
                days_ahead=DAYS,
            )
        ]

    _, _, queries_without_bookings, _ = _timed(six_days, runs=1)
    _add_bookings(service, trainers, first_day)

    p50, p95, queries, slots = _timed(six_days, runs=20)
    report(
        f"slots, {TRAINERS} trainers x {DAYS} days x 15-min steps, {BOOKINGS:,} bookings: "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (goal <= 25 ms), {queries} queries, {slots} slots"
    )
    p50_30, p95_30, queries_30, slots_30 = _timed(thirty_days, runs=10)
    report(
        f"slots, 30-day scan (5 windows of 6 days), {BOOKINGS:,} bookings: "
        f"p50 {p50_30:.1f} ms, p95 {p95_30:.1f} ms (goal <= 100 ms), "
        f"{queries_30} queries, {slots_30} slots"
    )

    assert queries == queries_without_bookings
    assert queries_30 == 5 * queries
    assert AppointmentBooking.objects.count() == BOOKINGS
    assert 0 < slots < TRAINERS * DAYS * (HOURS[1] - HOURS[0]) * 4
